import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";

import { PROCESS_MARKER_VARIABLE, toExecEnv, WorkspaceProcessBase } from "./workspace-process-base";
import type { WorkspaceSpawnOptions } from "./workspace-runtime";

interface DockerWorkspaceProcessInit {
  docker: Docker;
  containerId: string;
  command: readonly string[];
  options: WorkspaceSpawnOptions & { user: string };
  /** Runs the kill command in the same workspace. */
  runKill: (command: string[], user: string) => Promise<void>;
}

/** A process started with the Docker exec API (Tty off, stdin attached), shaped like a ChildProcess. */
export class DockerWorkspaceProcess extends WorkspaceProcessBase {
  private exec: Docker.Exec | undefined;
  private socket: Duplex | undefined;

  constructor(private readonly init: DockerWorkspaceProcessInit) {
    super(randomUUID());
    void this.start();
  }

  protected runKill(command: string[]): Promise<void> {
    return this.init.runKill(command, this.init.options.user);
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
      docker.modem.demuxStream(socket, this.stdout, this.stderr);
      socket.on("error", (error) => void this.finish(error));
      socket.on("end", () => void this.finish());
      socket.on("close", () => void this.finish());
      // Ending our stdin half-closes the hijacked connection, which Docker turns into EOF.
      this.stdin.pipe(socket);
      this.attached();
    } catch (error) {
      await this.finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async finish(error?: Error): Promise<void> {
    if (!this.claimEnd()) return;
    const exitCode = this.exec ? await dockerExecExitCode(this.exec) : null;
    this.stdin.unpipe();
    this.socket?.destroy();
    this.reportEnd({ exitCode, error });
  }
}

/** The exec's exit code, or null when the engine cannot tell (the container went). */
export async function dockerExecExitCode(exec: Docker.Exec): Promise<number | null> {
  // The stream can close a moment before the engine records the exit code.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    let info: Docker.ExecInspectInfo;
    try {
      info = await exec.inspect();
    } catch {
      return null;
    }
    if (!info.Running) return info.ExitCode ?? null;
    await sleep(25);
  }
  return null;
}
