import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./server-process";

/**
 * The real `redis-server` (Debian's, installed by scripts/provision.sh) on loopback, for tests of
 * what replicas share. Nothing is persisted (`--save "" --appendonly no`): a restart starts empty,
 * as a crashed Redis without persistence would.
 */
export interface RedisServer {
  /** redis://127.0.0.1:<port>, the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Ends the server (if running) and removes its directory. */
  stop(): Promise<void>;
  /** Ends the server gracefully (SHUTDOWN NOSAVE) if it runs, and starts it again on the same port. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash: the server stays down until restart(). */
  kill(): Promise<void>;
  /** Everything the server printed, for failure messages. */
  output(): string;
}

const startTimeoutMs = 10_000;

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentdesk-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let output = "";
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", ""],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    started.stdout!.on("data", (chunk) => (output += chunk));
    started.stderr!.on("data", (chunk) => (output += chunk));
    const spawnFailed = new Promise<never>((_, reject) =>
      started.once("error", (error) => reject(new Error(`could not run redis-server (scripts/provision.sh installs it): ${error.message}`))),
    );
    exited = new Promise((resolve) => started.once("exit", () => resolve()));
    child = started;
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const answer = await Promise.race([ping(port), spawnFailed]);
      if (answer) return;
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`redis-server exited while starting:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) {
        started.kill("SIGKILL");
        throw new Error(`redis-server did not answer PING on ${url} within ${startTimeoutMs} ms:\n${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const shutdown = async () => {
    if (!running()) return;
    // SHUTDOWN NOSAVE answers by closing the connection; SIGTERM is the fallback if it cannot be sent.
    const sent = await command(port, "SHUTDOWN NOSAVE").then(
      () => true,
      () => false,
    );
    if (!sent) child!.kill("SIGTERM");
    const ended = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
    if (!ended) {
      child!.kill("SIGKILL");
      await exited;
    }
  };

  await launch();

  return {
    url,
    port,
    output: () => output,
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await shutdown();
      await launch();
    },
    kill: async () => {
      if (!running()) return;
      child!.kill("SIGKILL");
      await exited;
    },
  };
}

/** True when a Redis answers PING on the port (inline command, no client library needed). */
async function ping(port: number): Promise<boolean> {
  return command(port, "PING").then(
    (reply) => reply.startsWith("+PONG"),
    () => false,
  );
}

/** Sends one inline command and resolves with the first reply bytes (or "" when the server hangs up). */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(1_000, () => socket.destroy(new Error(`no reply to ${line} within 1 s`)));
    socket.once("connect", () => socket.write(`${line}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) {
        socket.end();
        resolve(reply);
      }
    });
    socket.once("error", reject);
    socket.once("close", () => resolve(reply));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
