/**
 * Where a first message's time goes on a warm workspace (issue 12, item 4), observed from outside
 * server/claude: a WorkspaceRuntime that timestamps every call the ClaudeRunner makes (exec
 * commands told apart by argv), a Docker client that timestamps the CLI's exec create and start,
 * and the spawned process's stdio — the SDK's first write (its initialize request), the CLI's
 * first byte, the control_response line (the handshake answered), the prompt's write, and the
 * first streamed event after it. Marks are ms since the turn (or the prewarm) began.
 */
import { readFileSync } from "node:fs";
import Docker from "dockerode";
import type { WorkspaceRuntime } from "../server/workspaces/workspace-runtime";

export type Mark =
  | "ensureWorkspaceStart"
  | "ensureWorkspaceEnd"
  | "prepareExecStart"
  | "prepareExecEnd"
  | "agentPathsStart"
  | "agentPathsEnd"
  | "otherExecEnd"
  | "spawnCalled"
  | "dockerExecCreated"
  | "dockerExecStarted"
  | "initializeWritten"
  | "firstStdoutByte"
  | "handshakeAnswered"
  | "promptWritten"
  | "firstLineAfterPrompt"
  | "modelRequested"
  | "firstStreamedLine"
  | "firstAgentEvent";

export class Timeline {
  private origin = performance.now();
  readonly marks = new Map<Mark, number>();
  /** Container CPU (ns) when the CLI was spawned and when its handshake answered. */
  cpuAtSpawnNs: number | undefined;
  cpuAtHandshakeNs: number | undefined;

  reset(): void {
    this.origin = performance.now();
    this.marks.clear();
    this.cpuAtSpawnNs = undefined;
    this.cpuAtHandshakeNs = undefined;
  }

  /** The first time only: a later call of the same kind (a retry, another line) keeps the first. */
  mark(name: Mark): void {
    if (!this.marks.has(name)) this.marks.set(name, this.elapsed());
  }

  /** ms since the turn (or prewarm) began. */
  elapsed(): number {
    return performance.now() - this.origin;
  }

  /** The prompt can reach the CLI's turn loop: written, and the handshake answered (the SDK writes it at spawn, before either). */
  promptReady(): number | undefined {
    const written = this.marks.get("promptWritten");
    const answered = this.marks.get("handshakeAnswered");
    return written === undefined ? undefined : Math.max(written, answered ?? written);
  }

  between(from: Mark | "promptReady", to: Mark): number | undefined {
    const a = from === "promptReady" ? this.promptReady() : this.marks.get(from);
    const b = this.marks.get(to);
    return a === undefined || b === undefined ? undefined : b - a;
  }
}

/** The container's CPU use so far (ns), from its cgroup (v1 cpuacct or v2 cpu.stat), else from the engine's stats. */
export async function containerCpuNs(docker: Docker, containerId: string): Promise<number> {
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${containerId}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${containerId}/cpu.stat`];
  try {
    return Number(readFileSync(`/sys/fs/cgroup/cpuacct/docker/${containerId}/cpuacct.usage`, "utf8").trim());
  } catch {
    for (const file of v2) {
      try {
        return Number(/^usage_usec (\d+)/m.exec(readFileSync(file, "utf8"))?.[1]) * 1000;
      } catch {
        // not this layout
      }
    }
  }
  const stats = (await docker.getContainer(containerId).stats({ stream: false, "one-shot": true } as never)) as unknown as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return stats.cpu_stats.cpu_usage.total_usage;
}

const isCli = (command: readonly string[]) => command.some((arg) => arg.endsWith("/claude") || arg === "claude");

/** A Docker client whose container exec() and the exec's start() mark the timeline when they run the CLI. */
export function timedDocker(timeline: Timeline): Docker {
  const docker = new Docker();
  const getContainer = docker.getContainer.bind(docker);
  docker.getContainer = (id: string) => {
    const container = getContainer(id);
    const exec = container.exec.bind(container);
    container.exec = (async (options: Docker.ExecCreateOptions) => {
      const created = await exec(options);
      if (!isCli(options.Cmd ?? [])) return created;
      timeline.mark("dockerExecCreated");
      const start = created.start.bind(created);
      created.start = (async (startOptions: Docker.ExecStartOptions) => {
        const stream = await start(startOptions);
        timeline.mark("dockerExecStarted");
        return stream;
      }) as typeof created.start;
      return created;
    }) as typeof container.exec;
    return container;
  };
  return docker;
}

/** The runtime the ClaudeRunner is given: the real one, every call marked on the timeline. */
export function timedRuntime(inner: WorkspaceRuntime, timeline: Timeline, docker: Docker): WorkspaceRuntime {
  return {
    ensureWorkspace: async (userId) => {
      timeline.mark("ensureWorkspaceStart");
      const workspace = await inner.ensureWorkspace(userId);
      timeline.mark("ensureWorkspaceEnd");
      return workspace;
    },
    ensureAgentPaths: async (workspace, agentId) => {
      timeline.mark("agentPathsStart");
      const paths = await inner.ensureAgentPaths(workspace, agentId);
      timeline.mark("agentPathsEnd");
      return paths;
    },
    exec: async (workspace, command, options) => {
      // The runner's one exec before a CLI start: the agent's folders and the transcript check.
      const prepare = command.includes("prepare-agent");
      if (prepare) timeline.mark("prepareExecStart");
      const result = await inner.exec(workspace, command, options);
      timeline.mark(prepare ? "prepareExecEnd" : "otherExecEnd");
      return result;
    },
    spawn: (workspace, command, options) => {
      if (!isCli(command)) return inner.spawn(workspace, command, options);
      timeline.mark("spawnCalled");
      void containerCpuNs(docker, workspace.id).then((ns) => (timeline.cpuAtSpawnNs ??= ns), () => undefined);
      const child = inner.spawn(workspace, command, options);
      // Wrapping write, not listening for "data": a listener would drain what the SDK writes
      // before the exec stream is piped, and the CLI would never see it.
      let writes = 0;
      const write = child.stdin.write.bind(child.stdin) as (...args: unknown[]) => boolean;
      child.stdin.write = ((chunk: unknown, ...rest: unknown[]) => {
        writes += 1;
        if (writes === 1) timeline.mark("initializeWritten");
        if (String(chunk).includes('"type":"user"')) timeline.mark("promptWritten");
        return write(chunk, ...rest);
      }) as typeof child.stdin.write;
      let pending = "";
      child.stdout.on("data", (chunk: Buffer) => {
        timeline.mark("firstStdoutByte");
        pending += chunk.toString();
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (!timeline.marks.has("handshakeAnswered") && line.includes('"type":"control_response"')) {
            timeline.mark("handshakeAnswered");
            void containerCpuNs(docker, workspace.id).then((ns) => (timeline.cpuAtHandshakeNs ??= ns), () => undefined);
          } else if (timeline.marks.has("promptWritten")) {
            timeline.mark("firstLineAfterPrompt");
            if (line.includes('"status":"requesting"')) timeline.mark("modelRequested");
            if (/"type":"(stream_event|assistant)"/.test(line)) timeline.mark("firstStreamedLine");
          }
        }
      });
      return child;
    },
    isCurrent: (workspace) => inner.isCurrent(workspace),
    stopWorkspace: (userId) => inner.stopWorkspace(userId),
    removeWorkspace: (userId) => inner.removeWorkspace(userId),
    deleteUserWorkspace: (userId) => inner.deleteUserWorkspace(userId),
    listWorkspaces: () => inner.listWorkspaces(),
    diskLimitBytes: () => inner.diskLimitBytes(),
    diskUsage: (workspace) => inner.diskUsage(workspace),
  };
}

/**
 * The steps of a first message, in order: [label, from mark, to mark]. Without a prewarm the SDK
 * writes its initialize request and the prompt at spawn, before the exec is even attached, so the
 * CLI's turn begins once the handshake is answered; with a prewarm, once the prompt is written.
 */
export const firstMessageSteps: [string, Mark | "promptReady", Mark][] = [
  ["ensureWorkspace (warm)", "ensureWorkspaceStart", "ensureWorkspaceEnd"],
  ["prepare exec (agent folders + transcript check)", "prepareExecStart", "prepareExecEnd"],
  ["prepare end → CLI spawn (start slot)", "prepareExecEnd", "spawnCalled"],
  ["docker exec create", "spawnCalled", "dockerExecCreated"],
  ["docker exec start (attach)", "dockerExecCreated", "dockerExecStarted"],
  ["CLI boot: attached → first stdout byte", "dockerExecStarted", "firstStdoutByte"],
  ["CLI boot: attached → initialize answered", "dockerExecStarted", "handshakeAnswered"],
  ["CLI turn set-up: prompt ready → model request", "promptReady", "modelRequested"],
  ["model request → first stream_event line", "modelRequested", "firstStreamedLine"],
  // The SDK's first agent event can come from a line before the first stream_event (the CLI's init).
  ["CLI turn: prompt ready → first agent event", "promptReady", "firstAgentEvent"],
];
