import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import type { RunEventEnvelope } from "../../../lib/socket-events";
import type { PlatformStore } from "../../../server/store/store";

/**
 * The real platform server (server/server.ts, development mode) as a child process, for tests and
 * benchmarks that need to crash, restart or load it from outside: one port for pages, REST,
 * /health and Socket.IO, and the offline demo model on a second port.
 */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process printed so far (pino JSON lines), for failure messages. */
  output(): string;
  /** Resolves with the exit code (null after a signal) once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcessOptions {
  dataDir: string;
  port?: number;
  standInPort?: number;
  /** Extra environment (store choice, limits); wins over the defaults below. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /**
   * "production" serves the pages from the last `next build` (.next), as `npm start` does: several
   * processes can share one build, while Next allows one development server per project folder.
   */
  mode?: "development" | "production";
  /**
   * "bundle" runs dist/server.js (scripts/build-server.mjs), as `npm start` does, instead of
   * server/server.ts through tsx: no TypeScript transform at start or in the hot path.
   */
  entry?: "source" | "bundle";
}

/** A TCP port nothing listens on right now (loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const projectRoot = path.resolve(__dirname, "../../..");

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const standInPort = options.standInPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const entryArgs = options.entry === "bundle" ? ["dist/server.js"] : ["--import", "tsx", "server/server.ts"];
  const child = spawn(process.execPath, entryArgs, {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: options.mode ?? "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: options.dataDir,
      MODEL_STAND_IN_PORT: String(standInPort),
      LOG_LEVEL: "info",
      ANTHROPIC_API_KEY: "",
      ANTHROPIC_BASE_URL: "",
      CLAUDE_CODE_OAUTH_TOKEN: "",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: "faults-test-secret-0123456789abcdef0123456789",
      // Tests share one engine: a server's warm pool would outlive it. The pool's own tests (and benches) turn it on.
      WORKSPACE_WARM_POOL: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited while starting:\n${output.slice(-4000)}`);
    // The port is bound only once Next is prepared and the platform built; /health answers then.
    const answered = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200 || response.status === 503,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start within ${options.startTimeoutMs ?? 120_000} ms:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    port,
    child,
    output: () => output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A Socket.IO client signed in with a guest session id, connected over a websocket. */
export async function connectSocket(url: string, token: string): Promise<Socket> {
  const socket = connect(url, { auth: { token }, transports: ["websocket"], reconnection: false, timeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

/** Every event of the conversation's next run, up to and including run_finished. */
export function collectRun(socket: Socket, conversationId: string, timeoutMs = 120_000): Promise<RunEventEnvelope[]> {
  return new Promise((resolve, reject) => {
    const events: RunEventEnvelope[] = [];
    const timer = setTimeout(() => {
      socket.off("conversation:event", onEvent);
      reject(new Error(`no run_finished within ${timeoutMs} ms; saw ${events.map((e) => e.event.type).join(", ") || "nothing"}`));
    }, timeoutMs);
    const onEvent = (envelope: RunEventEnvelope) => {
      if (envelope.conversationId !== conversationId) return;
      events.push(envelope);
      if (envelope.event.type === "run_finished") {
        clearTimeout(timer);
        socket.off("conversation:event", onEvent);
        resolve(events);
      }
    };
    socket.on("conversation:event", onEvent);
  });
}

/** Resolves with the first event of the conversation that matches. */
export function nextEvent(
  socket: Socket,
  conversationId: string,
  matches: (envelope: RunEventEnvelope) => boolean,
  timeoutMs = 120_000,
): Promise<RunEventEnvelope> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off("conversation:event", onEvent);
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (envelope: RunEventEnvelope) => {
      if (envelope.conversationId !== conversationId || !matches(envelope)) return;
      clearTimeout(timer);
      socket.off("conversation:event", onEvent);
      resolve(envelope);
    };
    socket.on("conversation:event", onEvent);
  });
}

/** A guest with a session id to connect with and one agent, written straight into the server's store. */
export async function seedGuestWithAgent(
  store: PlatformStore,
  agentName = "Calculator",
): Promise<{ userId: string; token: string; agentId: string }> {
  const user = await store.createUser({ type: "guest" });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
  const agent = await store.createAgent({ ownerId: user.id, name: agentName, model: "claude-sonnet-4-5" });
  return { userId: user.id, token: session.id, agentId: agent.id };
}

/** The run's last event (run_finished), with the run's error events attached so a failure says why. */
export function finishedOf(events: RunEventEnvelope[]): Record<string, unknown> {
  const errors = events.flatMap((envelope) => (envelope.event.type === "error" ? [envelope.event] : []));
  return { ...(events.at(-1)?.event ?? { type: "nothing" }), ...(errors.length > 0 ? { errorEvents: errors } : {}) };
}
