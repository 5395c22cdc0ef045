import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { PassThrough, type Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";

import { logger } from "../logger";
import type { WorkspaceProcess, WorkspaceProcessExit, WorkspaceSpawnOptions } from "./workspace-runtime";

/**
 * Every process the platform starts in a workspace carries this variable with a fresh id. Docker's
 * exec API cannot signal a process, so kill() finds the process, and whatever it started (tool
 * commands inherit the environment), by this marker in /proc/<pid>/environ.
 */
export const PROCESS_MARKER_VARIABLE = "AGENT_PLATFORM_PROCESS_ID";

/** Run as `sh -c SCRIPT kill-marked MARKER SIGNAL`: a fixed script, the values arrive as arguments. */
const KILL_MARKED_SCRIPT = [
  'pids=$(grep -lsaF -- "$1" /proc/[0-9]*/environ | sed -e "s#^/proc/##" -e "s#/environ\\$##")',
  '[ -z "$pids" ] || kill -s "$2" $pids 2>/dev/null',
  "exit 0",
].join("\n");

export function killMarkedCommand(marker: string, signal: NodeJS.Signals): string[] {
  return ["/bin/sh", "-c", KILL_MARKED_SCRIPT, "kill-marked", `${PROCESS_MARKER_VARIABLE}=${marker}`, signal.replace(/^SIG/, "")];
}

export function toExecEnv(env: Readonly<Record<string, string | undefined>> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`);
}

interface DockerWorkspaceProcessInit {
  docker: Docker;
  containerId: string;
  command: readonly string[];
  options: WorkspaceSpawnOptions & { user: string };
  /** Runs the kill command in the same workspace. */
  runKill: (command: string[], user: string) => Promise<void>;
}

/** A process started with the Docker exec API (Tty off, stdin attached), shaped like a ChildProcess. */
export class DockerWorkspaceProcess extends EventEmitter implements WorkspaceProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<WorkspaceProcessExit>;
  readonly marker = randomUUID();

  private exitCodeValue: number | null = null;
  private signalCodeValue: NodeJS.Signals | null = null;
  private killedValue = false;
  private finished = false;
  private started = false;
  private pendingSignal: NodeJS.Signals | undefined;
  private exec: Docker.Exec | undefined;
  private socket: Duplex | undefined;
  private resolveExited!: (exit: WorkspaceProcessExit) => void;

  constructor(private readonly init: DockerWorkspaceProcessInit) {
    super();
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    // Writes after the process ended must not crash the server; the SDK also listens here.
    this.stdin.on("error", () => undefined);
    void this.start();
  }

  get killed(): boolean {
    return this.killedValue;
  }

  get exitCode(): number | null {
    return this.exitCodeValue;
  }

  get signalCode(): NodeJS.Signals | null {
    return this.signalCodeValue;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    if (this.finished) return false;
    this.killedValue = true;
    if (!this.started) {
      this.pendingSignal = signal;
      return true;
    }
    this.init
      .runKill(killMarkedCommand(this.marker, signal), this.init.options.user)
      .catch((error: unknown) => logger.debug({ err: error, signal }, "kill in workspace failed (process may be gone)"));
    return true;
  }

  private async start(): Promise<void> {
    const { docker, containerId, command, options } = this.init;
    try {
      const exec = await docker.getContainer(containerId).exec({
        Cmd: [...command],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        User: options.user,
        WorkingDir: options.cwd,
        Env: [...toExecEnv(options.env), `${PROCESS_MARKER_VARIABLE}=${this.marker}`],
      });
      this.exec = exec;
      const socket = (await exec.start({ hijack: true, stdin: true })) as Duplex;
      this.socket = socket;
      this.started = true;
      docker.modem.demuxStream(socket, this.stdout, this.stderr);
      socket.on("error", (error) => void this.finish(error));
      socket.on("end", () => void this.finish());
      socket.on("close", () => void this.finish());
      // Ending our stdin half-closes the hijacked connection, which Docker turns into EOF.
      this.stdin.pipe(socket);
      if (this.pendingSignal) this.kill(this.pendingSignal);
    } catch (error) {
      this.started = true;
      await this.finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async finish(error?: Error): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    let exitCode: number | null = null;
    if (this.exec) {
      // The stream can close a moment before the engine records the exit code.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        try {
          const info = await this.exec.inspect();
          if (!info.Running) {
            exitCode = info.ExitCode ?? null;
            break;
          }
        } catch {
          break;
        }
        await sleep(25);
      }
    }
    // An unknown exit (container gone) must not read as a clean exit 0 to the SDK.
    this.exitCodeValue = exitCode ?? 255;
    this.stdin.unpipe();
    this.socket?.destroy();
    this.stdout.end();
    this.stderr.end();
    if (error && this.listenerCount("error") > 0) this.emit("error", error);
    this.emit("exit", this.exitCodeValue, this.signalCodeValue);
    this.resolveExited({ exitCode: this.exitCodeValue, signal: this.signalCodeValue, error });
  }
}
