import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";

import { logger } from "../logger";
import type { WorkspaceProcess, WorkspaceProcessExit } from "./workspace-runtime";

/**
 * Every process the platform starts in a workspace carries this variable with a fresh id. Neither
 * Docker's exec API nor the Kubernetes API server's can signal a process, so kill() finds the
 * process, and whatever it started (tool commands inherit the environment), by this marker in
 * /proc/<pid>/environ.
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

export interface WorkspaceProcessEnd {
  /** Null when the runtime could not tell (the container or pod went, the stream broke). */
  exitCode: number | null;
  error?: Error;
}

/**
 * What a process started with a runtime's exec API (stdin attached) has in common, shaped like a
 * ChildProcess: the stdio streams, kill() by the marker (held back until the exec stream is open),
 * and one ending. A runtime's subclass opens the stream, calls attached() once it is open and
 * claimEnd() then reportEnd() when it ends.
 */
export abstract class WorkspaceProcessBase extends EventEmitter implements WorkspaceProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<WorkspaceProcessExit>;

  private exitCodeValue: number | null = null;
  private signalCodeValue: NodeJS.Signals | null = null;
  private killedValue = false;
  private ended = false;
  private started = false;
  private pendingSignal: NodeJS.Signals | undefined;
  private resolveExited!: (exit: WorkspaceProcessExit) => void;

  protected constructor(
    /** The marker variable's value in the process's environment (see PROCESS_MARKER_VARIABLE). */
    readonly marker: string,
  ) {
    super();
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    // Writes after the process ended must not crash the server; the SDK also listens here.
    this.stdin.on("error", () => undefined);
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
    if (this.ended) return false;
    this.killedValue = true;
    if (!this.started) {
      this.pendingSignal = signal;
      return true;
    }
    // Exec cannot signal the process it started: a second exec finds it (and its tools) by the marker.
    this.runKill(killMarkedCommand(this.marker, signal)).catch((error: unknown) =>
      logger.debug({ err: error, signal }, "kill in workspace failed (process may be gone)"),
    );
    return true;
  }

  /** Runs the kill command in the same workspace. */
  protected abstract runKill(command: string[]): Promise<void>;

  /** The exec stream is open: a kill() that came before it is sent now. */
  protected attached(): void {
    this.started = true;
    if (this.pendingSignal) this.kill(this.pendingSignal);
  }

  /** True for the first caller only: a stream reports its end more than once ("end", "close", "error"). */
  protected claimEnd(): boolean {
    if (this.ended) return false;
    this.ended = true;
    return true;
  }

  /** After claimEnd(): ends stdout and stderr, then tells listeners and `exited`. */
  protected reportEnd(end: WorkspaceProcessEnd): void {
    // An unknown exit (container or pod gone) must not read as a clean exit 0 to the SDK.
    this.exitCodeValue = end.exitCode ?? 255;
    this.stdout.end();
    this.stderr.end();
    if (end.error && this.listenerCount("error") > 0) this.emit("error", end.error);
    this.emit("exit", this.exitCodeValue, this.signalCodeValue);
    this.resolveExited({ exitCode: this.exitCodeValue, signal: this.signalCodeValue, error: end.error });
  }
}
