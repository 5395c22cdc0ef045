import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./server-process";

/**
 * The real nginx (Debian's, installed by scripts/provision.sh) on loopback, running the load
 * balancer we ship: deploy/nginx/agentdesk.conf rendered by scripts/lib/nginx.sh, the same
 * function `npm run cluster` uses. Everything nginx writes (pid, logs, temp files) stays in a
 * temporary directory.
 */
export interface NginxServer {
  readonly url: string;
  readonly port: number;
  /** The directory holding nginx.conf, agentdesk.conf and logs/. */
  readonly prefix: string;
  /** Renders the site for these replica ports and reloads (new connections use it). */
  reload(upstreams: number[]): Promise<void>;
  /** Ends nginx and removes its directory. */
  stop(): Promise<void>;
  /** logs/error.log and logs/access.log so far, for failure messages. */
  logs(): string;
}

export interface NginxOptions {
  /** Ports of the replicas on 127.0.0.1. */
  upstreams: number[];
  /** Where nginx listens on 127.0.0.1; a free port when unset. */
  port?: number;
}

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, "../../..");
const startTimeoutMs = 10_000;

export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  const port = options.port ?? (await freePort());
  const prefix = mkdtempSync(path.join(os.tmpdir(), "agentdesk-nginx-"));
  const listen = `127.0.0.1:${port}`;
  const errorLog = path.join(prefix, "logs", "error.log");
  const logs = () =>
    ["error.log", "access.log"]
      .map((name) => path.join(prefix, "logs", name))
      .filter((file) => existsSync(file))
      .map((file) => `── ${path.basename(file)}\n${readFileSync(file, "utf8").slice(-3000)}`)
      .join("\n");

  await writeConfig(prefix, listen, options.upstreams);
  const binary = (await nginxLib("nginx_bin")).trim();
  const child = spawn(binary, ["-p", prefix, "-c", path.join(prefix, "nginx.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (running()) {
      child.kill("SIGTERM");
      const ended = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
      if (!ended) {
        child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(prefix, { recursive: true, force: true });
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!(await accepts(port))) {
    if (!running() || Date.now() > deadline) {
      const why = running() ? `did not listen on ${listen} within ${startTimeoutMs} ms` : "exited while starting";
      const detail = `${output}\n${logs()}`;
      await stop();
      throw new Error(`nginx ${why}:\n${detail}`);
    }
    await delay(50);
  }

  return {
    url: `http://${listen}`,
    port,
    prefix,
    logs,
    stop,
    reload: async (upstreams) => {
      await writeConfig(prefix, listen, upstreams);
      const workersBefore = countWorkerStarts(errorLog);
      child.kill("SIGHUP");
      // The master starts a worker with the new configuration; the old one finishes its connections.
      const reloadDeadline = Date.now() + startTimeoutMs;
      while (countWorkerStarts(errorLog) <= workersBefore) {
        if (!running() || Date.now() > reloadDeadline) throw new Error(`nginx did not reload:\n${logs()}`);
        await delay(50);
      }
    },
  };
}

/** Renders and checks the configuration with scripts/lib/nginx.sh (nginx -t names what it refuses). */
async function writeConfig(prefix: string, listen: string, upstreams: number[]): Promise<void> {
  if (upstreams.length === 0) throw new Error("nginx needs at least one upstream port");
  await nginxLib('write_nginx_prefix "$@" && check_nginx_prefix "$1"', prefix, listen, ...upstreams.map(String));
}

async function nginxLib(script: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("bash", ["-c", `set -euo pipefail; source scripts/lib/nginx.sh; ${script}`, "nginx-lib", ...args], { cwd: projectRoot });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`scripts/lib/nginx.sh failed: ${stderr || String(error)}`);
  }
}

function countWorkerStarts(errorLog: string): number {
  if (!existsSync(errorLog)) return 0;
  return readFileSync(errorLog, "utf8").split("start worker process").length - 1;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(500, () => socket.destroy());
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
