import { PassThrough, type Readable, type Writable } from "node:stream";
import { Exec, type KubeConfig, type V1Status } from "@kubernetes/client-node";
// Not re-exported by the package's index; built here so the stream-close frames it handles reach
// this exec's own streams rather than the handler's default, the server's process.stdin/stdout.
import { WebSocketHandler } from "@kubernetes/client-node/dist/web-socket-handler.js";

import { toExecEnv, WorkspaceProcessBase } from "./workspace-process-base";

/**
 * The API server's exec cannot set a working directory or environment variables, so every command
 * runs under this fixed script: `sh -c SCRIPT agentdesk-exec CWD NAME=VALUE... -- ARGV...`. The
 * values arrive as arguments, never inside the script, and `exec` leaves the command itself as the
 * process, so the marker variables sit in its /proc/<pid>/environ as with Docker's exec.
 */
const RUN_IN_WORKSPACE_SCRIPT = [
  '[ -z "$1" ] || cd "$1" || exit 126',
  "shift",
  'while [ "$1" != "--" ]; do export "$1" || exit 126; shift; done',
  "shift",
  'exec "$@"',
].join("\n");

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function podExecCommand(command: readonly string[], options: { cwd?: string; env?: Readonly<Record<string, string | undefined>> } = {}): string[] {
  if (command.length === 0) throw new Error("A workspace command needs at least a program.");
  if (options.cwd !== undefined && !options.cwd.startsWith("/")) throw new Error(`A workspace command's folder must be absolute, not "${options.cwd}".`);
  const assignments = toExecEnv(options.env);
  for (const assignment of assignments) {
    const name = assignment.slice(0, assignment.indexOf("="));
    if (!ENV_NAME.test(name)) throw new Error(`"${name.slice(0, 80)}" cannot be an environment variable in a workspace.`);
  }
  return ["/bin/sh", "-c", RUN_IN_WORKSPACE_SCRIPT, "agentdesk-exec", options.cwd ?? "", ...assignments, "--", ...command];
}

export interface PodExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface PodExecStreams {
  stdout: Writable;
  stderr: Writable;
  /** Attached when given; its end reaches the process as EOF (needs the v5 exec protocol). */
  stdin?: Readable;
}

export interface PodExecExit {
  /** Null when the API server sent no exit code (the stream broke, or the command could not start). */
  exitCode: number | null;
  error?: Error;
}

export interface PodExecSession {
  /** The exec subprotocol the API server chose, e.g. "v5.channel.k8s.io". */
  readonly protocol: string;
  /** Settles when the connection has closed. */
  readonly exited: Promise<PodExecExit>;
  close(): void;
}

/** v5 added the frame that closes stdin; with v4 the only way to send EOF is to hang up, losing the output. */
const STDIN_CLOSE_PROTOCOL = "v5.channel.k8s.io";

/**
 * Opens the API server's exec (WebSocket, Tty off) through client-node's Exec: stdout and stderr
 * frames are written to the given streams as they arrive, the exit code comes from the status
 * frame (channel 3). A handshake failure rejects with an Error whose `statusCode` is the HTTP status
 * (404: no such pod), so withDockerRetry and the callers read it as they read Docker's.
 */
export async function startPodExec(kubeConfig: KubeConfig, target: PodExecTarget, command: readonly string[], streams: PodExecStreams): Promise<PodExecSession> {
  // Written only once the protocol is known, so nothing is sent to a server that could not take EOF.
  const wireStdin = streams.stdin ? new PassThrough() : undefined;
  const handler = new WebSocketHandler(kubeConfig, undefined, { stdin: wireStdin ?? new PassThrough(), stdout: streams.stdout, stderr: streams.stderr });
  let status: V1Status | undefined;
  let socket: Awaited<ReturnType<Exec["exec"]>>;
  try {
    socket = await new Exec(kubeConfig, handler).exec(
      target.namespace,
      target.pod,
      target.container,
      [...command],
      streams.stdout,
      streams.stderr,
      wireStdin ?? null,
      false,
      (received) => {
        status = received;
      },
    );
  } catch (error) {
    throw handshakeError(error);
  }
  const exited = new Promise<PodExecExit>((resolve) => {
    socket.on("error", (error) => resolve({ exitCode: null, error }));
    socket.on("close", () => resolve(exitOfStatus(status)));
  });
  if (streams.stdin && wireStdin) {
    if (socket.protocol !== STDIN_CLOSE_PROTOCOL) {
      socket.close();
      throw new Error(
        `The Kubernetes API server answered exec with "${socket.protocol || "no subprotocol"}": a workspace needs ${STDIN_CLOSE_PROTOCOL} (Kubernetes 1.30 or later) to end a command's input without cutting off its output.`,
      );
    }
    streams.stdin.pipe(wireStdin);
  }
  return {
    protocol: socket.protocol,
    exited,
    close: () => {
      streams.stdin?.unpipe(wireStdin);
      socket.close();
    },
  };
}

/**
 * The status frame is a metav1.Status: "Success", or "Failure" with reason NonZeroExitCode and the
 * code in the ExitCode cause. Anything else (the command could not start, no frame at all) has no
 * exit code.
 */
export function exitOfStatus(status: V1Status | undefined): PodExecExit {
  if (!status) return { exitCode: null, error: new Error("The exec stream closed without an exit status (the pod may have gone).") };
  if (status.status === "Success") return { exitCode: 0 };
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((candidate) => candidate.reason === "ExitCode");
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { exitCode: null, error: new Error(`The command failed in the workspace: ${status.message ?? status.reason ?? "no reason given"}`) };
}

function handshakeError(error: unknown): Error {
  // client-node rejects with ws's ErrorEvent, whose `error` is the Error itself.
  const inner = (error as { error?: unknown } | null)?.error;
  const cause = inner instanceof Error ? inner : error instanceof Error ? error : new Error(String((error as { message?: unknown } | null)?.message ?? error));
  const status = /Unexpected server response: (\d{3})/.exec(cause.message);
  return Object.assign(new Error(`Could not open an exec stream to the workspace: ${cause.message}`, { cause }), {
    statusCode: status ? Number(status[1]) : undefined,
    code: (cause as { code?: unknown }).code,
  });
}

interface KubernetesWorkspaceProcessInit {
  /** The marker variable's value in the process's environment (see PROCESS_MARKER_VARIABLE). */
  marker: string;
  /** Opens the exec stream with the process's stdio. */
  open: (streams: Required<PodExecStreams>) => Promise<PodExecSession>;
  /** Runs the kill command in the same pod. */
  runKill: (command: string[]) => Promise<void>;
}

/** A process started with the API server's exec (stdin attached), shaped like a ChildProcess as DockerWorkspaceProcess is. */
export class KubernetesWorkspaceProcess extends WorkspaceProcessBase {
  private session: PodExecSession | undefined;

  constructor(private readonly init: KubernetesWorkspaceProcessInit) {
    super(init.marker);
    void this.start();
  }

  protected runKill(command: string[]): Promise<void> {
    return this.init.runKill(command);
  }

  private async start(): Promise<void> {
    let session: PodExecSession;
    try {
      session = await this.init.open({ stdin: this.stdin, stdout: this.stdout, stderr: this.stderr });
    } catch (error) {
      this.finish({ exitCode: null, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    this.session = session;
    this.attached();
    this.finish(await session.exited);
  }

  private finish(exit: PodExecExit): void {
    if (!this.claimEnd()) return;
    this.session?.close();
    this.reportEnd(exit);
  }
}
