/**
 * The cluster journey's web server: Redis, two replicas of the production build (dist/server.js,
 * as `npm run cluster` starts them) and nginx in front with the configuration we ship, rendered by
 * scripts/lib/nginx.sh. Run by playwright.config.ts after `npm test` has built; it neither builds
 * nor provisions (scripts/cluster.sh always does both, which would rebuild .next under the single
 * server the other journeys use).
 *
 * Playwright signals this process's group when the run ends: the replicas are in it and start
 * their shutdown at once; Redis and nginx are not, and are stopped here once the replicas are
 * done with them. Should this process die first, the next start ends what its pid file lists.
 * The platform's own variables (offline model, sign-in, limits) come from the environment; each
 * replica gets its port, INSTANCE_ID and demo model port here.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { clusterSettings, type ReplicaSettings } from "./cluster-settings";

const projectRoot = path.resolve(__dirname, "../..");
const startTimeoutMs = 120_000;
const redisUrl = `redis://127.0.0.1:${clusterSettings.redisPort}`;
// Every replica must sign and read the same session cookies.
const authSecret = randomBytes(32).toString("base64url");
const pidFile = path.join(clusterSettings.workDir, "pids");

const parts: { name: string; child: ChildProcess; log: string; ownGroup: boolean }[] = [];
let stopping = false;

function say(line: string): void {
  process.stdout.write(`[e2e-cluster] ${line}\n`);
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
}

/** `ownGroup`: out of reach of the signal Playwright sends this group (see the top of the file). */
function startPart(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; ownGroup?: boolean } = {}): ChildProcess {
  const log = path.join(clusterSettings.workDir, `${name}.log`);
  const output = openSync(log, "a");
  const child = spawn(command, args, { cwd: projectRoot, env: options.env ?? process.env, stdio: ["ignore", output, output], detached: options.ownGroup ?? false });
  parts.push({ name, child, log, ownGroup: options.ownGroup ?? false });
  if (options.ownGroup) appendFileSync(pidFile, `${child.pid} ${name}\n`);
  child.once("exit", (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? `code ${code}`}); its log, ${path.relative(projectRoot, log)}:\n${logTail(log)}`);
    void stop(1);
  });
  return child;
}

async function waitUntil(what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (!(await ready())) {
    if (stopping) throw new Error(`stopped while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${startTimeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: clusterSettings.redisPort });
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (chunk) => {
      socket.end();
      resolve(chunk.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(false));
  });
}

/** 200 or 503: the replica is up (503 only says a dependency is down, which the UI must survive). */
async function answersHealth(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
  return response !== null && (response.status === 200 || response.status === 503);
}

function startReplica(replica: ReplicaSettings): void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(replica.port),
    HOST: "127.0.0.1",
    INSTANCE_ID: replica.instanceId,
    REDIS_URL: redisUrl,
    DATA_DIR: clusterSettings.dataDir,
    AUTH_SECRET: authSecret,
    MODEL_STAND_IN_PORT: String(replica.standInPort),
    EGRESS_PROXY_PORT: "0",
    // Only nginx reaches the replicas by their loopback ports in production; its
    // X-Forwarded-For entry is the client's address.
    TRUST_PROXY_HOPS: "1",
  };
  startPart(replica.instanceId, process.execPath, ["dist/server.js"], { env });
}

function startNginx(): void {
  const { nginxPrefix, nginxPort, replicas } = clusterSettings;
  const binary = execFileSync(
    "bash",
    ["-c", 'set -euo pipefail; source scripts/lib/nginx.sh; write_nginx_prefix "$@" && check_nginx_prefix "$1" && nginx_bin', "nginx-lib", nginxPrefix, `127.0.0.1:${nginxPort}`, ...replicas.map((replica) => String(replica.port))],
    { cwd: projectRoot, encoding: "utf8" },
  ).trim();
  startPart("nginx", binary, ["-p", nginxPrefix, "-c", path.join(nginxPrefix, "nginx.conf")], { ownGroup: true });
}

async function stopPart({ child }: { child: ChildProcess }, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const ended = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), graceMs))]);
  if (!ended) child.kill("SIGKILL");
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Replicas first (they tell their clients and store what runs were doing), then nginx, then
  // Redis. The server's own shutdown grace is 10 s (server/server.ts).
  await Promise.all(parts.filter((part) => part.name.startsWith("e2e-replica")).map((part) => stopPart(part, 12_000)));
  for (const name of ["nginx", "redis"]) {
    const part = parts.find((candidate) => candidate.name === name);
    if (part) await stopPart(part, 5_000);
  }
  process.exit(code);
}

function killNow({ child, ownGroup }: { child: ChildProcess; ownGroup: boolean }): void {
  try {
    // A part in its own group takes its children with it (nginx's workers).
    if (ownGroup) process.kill(-child.pid!, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Redis and nginx of an earlier start whose launcher was killed before it could stop them. */
function endLeftovers(): void {
  if (!existsSync(pidFile)) return;
  for (const line of readFileSync(pidFile, "utf8").split("\n")) {
    const pid = Number(line.split(" ")[0]);
    if (!pid) continue;
    // Only if that pid is still ours: the pid of a process long gone may have been reused.
    const commandLine = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : "";
    if (commandLine.includes(clusterSettings.nginxPrefix) || commandLine.includes(`:${clusterSettings.redisPort}`)) {
      say(`ending ${line.trim()}, left running by an earlier start`);
      // Its own process group: nginx's workers go with their master.
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Ended meanwhile.
      }
    }
  }
}

async function main(): Promise<void> {
  process.once("SIGTERM", () => void stop(0));
  process.once("SIGINT", () => void stop(0));
  process.once("exit", () => parts.forEach(killNow));

  endLeftovers();
  rmSync(clusterSettings.dataDir, { recursive: true, force: true });
  rmSync(clusterSettings.workDir, { recursive: true, force: true });
  mkdirSync(path.join(clusterSettings.workDir, "redis"), { recursive: true });
  mkdirSync(clusterSettings.dataDir, { recursive: true });

  // Redis holds only what is live; the store is the record, so nothing is kept on disk.
  startPart("redis", "redis-server", ["--port", String(clusterSettings.redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", path.join(clusterSettings.workDir, "redis")], {
    ownGroup: true,
  });
  await waitUntil(`redis-server on ${redisUrl}`, redisAnswers);

  // The first replica alone does the host's one-time setup (firewall chain, image checks).
  const [first, ...others] = clusterSettings.replicas;
  startReplica(first!);
  await waitUntil(`${first!.instanceId} on :${first!.port}`, () => answersHealth(first!.port));
  others.forEach(startReplica);
  await Promise.all(others.map((replica) => waitUntil(`${replica.instanceId} on :${replica.port}`, () => answersHealth(replica.port))));

  startNginx();
  say(
    `nginx on ${clusterSettings.url} → ${clusterSettings.replicas.map((replica) => `${replica.instanceId} :${replica.port}`).join(", ")}; ` +
      `redis ${redisUrl}; logs in ${path.relative(projectRoot, clusterSettings.workDir)}/`,
  );
}

main().catch((error: unknown) => {
  say(error instanceof Error ? error.message : String(error));
  void stop(1);
});
