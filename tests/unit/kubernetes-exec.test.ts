import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { KubeConfig } from "@kubernetes/client-node";
import { Pod } from "kubernetes-models/v1";

import { podExecCommand } from "@/server/workspaces/kubernetes-exec";
import { USER_ID_ANNOTATION, workspaceClaimName, workspacePod, workspacePodName } from "@/server/workspaces/kubernetes-objects";
import { KubernetesWorkspaceRuntime } from "@/server/workspaces/kubernetes-workspace-runtime";
import { SERVER_INSTANCE_VARIABLE } from "@/server/workspaces/server-processes";
import { PROCESS_MARKER_VARIABLE } from "@/server/workspaces/workspace-process-base";
import type { WorkspaceHandle } from "@/server/workspaces/workspace-runtime";

/**
 * The Kubernetes runtime's exec and stream plumbing on client-node's REAL code path (its Exec and
 * WebSocketHandler, the `ws` client, its CoreV1Api over HTTP) against a real socket: a stand-in
 * API server on 127.0.0.1 that speaks the exec WebSocket subprotocol (v5.channel.k8s.io, v4 on
 * request), one channel byte before each frame (0 stdin, 1 stdout, 2 stderr, 3 the metav1.Status
 * that carries the exit code, 255 v5's close-stream signal), plus just enough of /api/v1 (pods and
 * claims) for the calls the runtime makes. Nothing is mocked inside the process.
 *
 * No real Kubernetes API server was run: none can run on these machines. The stand-in's answers
 * follow the API's documented shapes; the workspace-runtime contract suite runs against a real
 * cluster when KUBECONFIG is set.
 */

const NAMESPACE = "agentdesk-workspaces";
const TOKEN = "stand-in-token";
const STATUS_CHANNEL = 3;

interface ExecFrame {
  channel: number;
  payload: Buffer;
}

/** One exec the runtime opened: what it asked for, what it sent, and controls for the "process". */
class StandInProcess {
  /** Every frame the client sent, in order, channel byte split off. */
  readonly frames: ExecFrame[] = [];
  readonly argv: string[];
  /** Unwrapped from the runtime's `sh -c` wrapper when present (see podExecCommand). */
  readonly command: string[];
  readonly cwd: string;
  readonly env: Record<string, string> = {};
  stdinClosed = false;
  ended = false;
  private readonly stdinListeners: ((chunk: Buffer) => void)[] = [];
  private readonly endListeners: (() => void)[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly query: URLSearchParams,
    readonly authorization: string | undefined,
  ) {
    this.argv = query.getAll("command");
    if (this.argv[1] === "-c" && this.argv[3] === "agentdesk-exec") {
      this.cwd = this.argv[4] ?? "";
      const separator = this.argv.indexOf("--", 5);
      for (const assignment of this.argv.slice(5, separator)) {
        const at = assignment.indexOf("=");
        this.env[assignment.slice(0, at)] = assignment.slice(at + 1);
      }
      this.command = this.argv.slice(separator + 1);
    } else {
      this.cwd = "";
      this.command = this.argv;
    }
    socket.on("message", (data: Buffer) => {
      const frame = { channel: data[0]!, payload: data.subarray(1) };
      this.frames.push(frame);
      if (frame.channel === 0) for (const listener of this.stdinListeners) listener(frame.payload);
      if (frame.channel === 255 && frame.payload[0] === 0) this.closeStdin();
    });
    // With v4 hanging up is the client's only way to end stdin.
    socket.on("close", () => this.closeStdin());
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get stdinBytes(): Buffer {
    return Buffer.concat(this.frames.filter((frame) => frame.channel === 0).map((frame) => frame.payload));
  }

  onStdin(listener: (chunk: Buffer) => void): void {
    this.stdinListeners.push(listener);
  }

  onStdinEnd(listener: () => void): void {
    if (this.stdinClosed) listener();
    else this.endListeners.push(listener);
  }

  stdout(data: string | Buffer): void {
    this.send(1, data);
  }

  stderr(data: string | Buffer): void {
    this.send(2, data);
  }

  /** The status frame, shaped as the API server sends it, then the close. */
  exit(code: number): void {
    if (this.ended) return;
    this.ended = true;
    const status =
      code === 0
        ? { metadata: {}, status: "Success" }
        : {
            metadata: {},
            status: "Failure",
            message: `command terminated with non-zero exit code: error executing command [${this.command.join(" ")}], exit code ${code}`,
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: String(code) }] },
          };
    this.send(STATUS_CHANNEL, JSON.stringify(status));
    this.socket.close(1000);
  }

  /** The stream breaks without a status (the pod went away). */
  hangUp(): void {
    this.ended = true;
    this.socket.terminate();
  }

  private send(channel: number, data: string | Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  }

  private closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    for (const listener of this.endListeners.splice(0)) listener();
  }
}

interface RecordedRequest {
  method: string;
  path: string;
  body?: Record<string, unknown>;
  authorization?: string;
}

type StoredObject = Record<string, unknown> & { metadata: Record<string, unknown>; status?: Record<string, unknown> };

/** The API server stand-in: pods and claims in memory, exec over WebSocket, nothing more. */
class KubernetesApiStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly execs: StandInProcess[] = [];
  readonly pods = new Map<string, StoredObject & { readsUntilRunning?: number; readsUntilGone?: number }>();
  readonly claims = new Map<string, StoredObject>();
  /** Exec subprotocols offered, best first. */
  protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
  /** A created pod reads as Pending this many times before it runs. */
  readsUntilRunning = 2;
  /** When set, a created pod waits with this reason (ErrImagePull ...) instead of running. */
  waitingReason: string | undefined;
  /** Runs before a pod is stored: lets a test play another server that created it first. */
  beforePodCreate: ((name: string) => void) | undefined;
  onExec: (process: StandInProcess) => void = () => undefined;
  private readonly server = http.createServer((request, response) => void this.answer(request, response));
  private readonly sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => this.protocols.find((protocol) => offered.has(protocol)) ?? false,
  });

  async start(): Promise<string> {
    this.server.on("upgrade", (request, socket, head) => {
      const url = new URL(request.url ?? "/", "http://stand-in");
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      const pod = match ? this.pods.get(match[2]!) : undefined;
      if (!pod || pod.status?.phase !== "Running") {
        const body = JSON.stringify(statusBody(404, "NotFound", `pods "${match?.[2]}" not found`));
        socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (ws) => {
        const process = new StandInProcess(ws, url.searchParams, request.headers.authorization);
        this.execs.push(process);
        // Empty frames, as an API server may send when a channel opens: a client must ignore them.
        ws.send(Buffer.from([1]));
        ws.send(Buffer.from([2]));
        this.onExec(process);
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  reset(): void {
    this.requests.length = 0;
    this.execs.length = 0;
    this.pods.clear();
    this.claims.clear();
    this.protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
    this.readsUntilRunning = 2;
    this.waitingReason = undefined;
    this.beforePodCreate = undefined;
    this.onExec = () => undefined;
  }

  /** A pod another server left running (what a restarted server adopts). */
  seedRunningPod(userId: string): StoredObject {
    const pod = this.store(plainObject(workspacePod(userId, podSettings)));
    this.run(pod);
    return pod;
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? "/", "http://stand-in");
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : undefined;
    this.requests.push({ method: request.method ?? "", path: url.pathname, body, authorization: request.headers.authorization });
    const reply = (code: number, value: unknown) => {
      response.writeHead(code, { "Content-Type": "application/json" });
      response.end(JSON.stringify(value));
    };
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|persistentvolumeclaims)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match || match[1] !== NAMESPACE) return reply(404, statusBody(404, "NotFound", "no such path"));
    const [, , resource, name] = match;
    const objects = resource === "pods" ? this.pods : this.claims;
    const kind = resource === "pods" ? "Pod" : "PersistentVolumeClaim";

    if (request.method === "GET" && name === undefined) {
      const wanted = (url.searchParams.get("labelSelector") ?? "").split(",").filter(Boolean).map((pair) => pair.split("="));
      const items = [...objects.values()].filter((item) => wanted.every(([key, value]) => (item.metadata.labels as Record<string, string>)[key!] === value));
      return reply(200, { apiVersion: "v1", kind: `${kind}List`, metadata: { resourceVersion: "1" }, items });
    }
    if (request.method === "POST" && name === undefined && body) {
      const objectName = (body.metadata as { name: string }).name;
      if (resource === "pods") this.beforePodCreate?.(objectName);
      if (objects.has(objectName)) return reply(409, statusBody(409, "AlreadyExists", `${resource} "${objectName}" already exists`));
      return reply(201, this.store(body as StoredObject, objects));
    }
    const stored = name === undefined ? undefined : objects.get(name);
    if (!stored) return reply(404, statusBody(404, "NotFound", `${resource} "${name}" not found`));
    if (request.method === "DELETE") {
      stored.metadata.deletionTimestamp = new Date().toISOString();
      if (resource === "pods") (stored as { readsUntilGone?: number }).readsUntilGone = 1;
      else objects.delete(name!);
      return reply(200, stored);
    }
    if (request.method === "GET" && resource === "pods") {
      const pod = stored as StoredObject & { readsUntilRunning?: number; readsUntilGone?: number };
      // The kubelet confirms a deletion a moment later, and starts a new pod a moment later.
      if (pod.readsUntilGone !== undefined && pod.readsUntilGone-- <= 0) {
        objects.delete(name!);
        for (const exec of this.execs.filter((candidate) => !candidate.ended)) exec.hangUp();
        return reply(404, statusBody(404, "NotFound", `pods "${name}" not found`));
      }
      if (pod.status?.phase === "Pending" && pod.readsUntilRunning !== undefined && pod.readsUntilRunning-- <= 0) {
        if (this.waitingReason) {
          pod.status = { ...pod.status, containerStatuses: [{ name: "workspace", ready: false, restartCount: 0, image: "", imageID: "", state: { waiting: { reason: this.waitingReason, message: "pull access denied" } } }] };
        } else this.run(pod);
      }
    }
    if (request.method === "GET") return reply(200, stored);
    return reply(405, statusBody(405, "MethodNotAllowed", "not in the stand-in"));
  }

  private store(body: StoredObject, objects: Map<string, StoredObject> = this.pods): StoredObject {
    const stored: StoredObject & { readsUntilRunning?: number } = {
      ...body,
      metadata: { ...body.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString(), resourceVersion: "1" },
      status: { phase: objects === this.pods ? "Pending" : "Bound" },
      readsUntilRunning: this.readsUntilRunning,
    };
    objects.set(stored.metadata.name as string, stored);
    return stored;
  }

  private run(pod: StoredObject): void {
    const startedAt = new Date().toISOString();
    pod.status = {
      phase: "Running",
      startTime: startedAt,
      containerStatuses: [{ name: "workspace", ready: true, restartCount: 0, image: podSettings.image, imageID: "", state: { running: { startedAt } } }],
    };
  }
}

const podSettings = {
  namespace: NAMESPACE,
  image: "agent-platform/workspace:latest",
  limits: { memoryMb: 1024, cpus: 1 },
  requests: { memoryMb: 256, cpus: 0.1 },
  tmpfsMb: 256,
};

function statusBody(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function plainObject<T>(value: T): StoredObject {
  return JSON.parse(JSON.stringify(value)) as StoredObject;
}

/** What the runtime's processes do inside the stand-in's "workspace". */
function scriptedWorkspace(standIn: KubernetesApiStandIn) {
  return (process: StandInProcess) => {
    const [program] = process.command;
    if (process.argv[3] === "kill-marked") {
      const [, , , , markerEntry, signal] = process.argv;
      const target = standIn.execs.find((candidate) => !candidate.ended && `${PROCESS_MARKER_VARIABLE}=${candidate.env[PROCESS_MARKER_VARIABLE]}` === markerEntry);
      target?.exit(128 + (signal === "KILL" ? 9 : 15));
      process.exit(0);
      return;
    }
    switch (program) {
      case "true":
      case "mkdir":
        process.exit(0);
        return;
      case "fail":
        process.stderr("nope\n");
        process.exit(2);
        return;
      case "echo-lines": {
        let pending = "";
        process.onStdin((chunk) => {
          pending += chunk.toString("utf8");
          for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
            process.stdout(`got:${pending.slice(0, newline)}\n`);
            pending = pending.slice(newline + 1);
          }
        });
        process.onStdinEnd(() => {
          process.stderr("bye\n");
          process.exit(3);
        });
        return;
      }
      case "echo-bytes":
        process.onStdin((chunk) => process.stdout(chunk));
        process.onStdinEnd(() => process.exit(0));
        return;
      case "cat":
        process.onStdinEnd(() => {
          process.stdout(process.stdinBytes);
          process.exit(0);
        });
        return;
      case "hang-up":
        process.stdout("partial");
        setTimeout(() => process.hangUp(), 20);
        return;
      default:
        // "sleep" and anything else: runs until killed.
        return;
    }
  };
}

function lines(stream: Readable): () => Promise<string> {
  const iterator = createInterface({ input: stream })[Symbol.asyncIterator]();
  return async () => {
    const next = await iterator.next();
    return next.done ? "<end>" : next.value;
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const standIn = new KubernetesApiStandIn();
let kubeConfig: KubeConfig;

function newRuntime(instanceId = "instance-1"): KubernetesWorkspaceRuntime {
  return new KubernetesWorkspaceRuntime(kubeConfig, {
    namespace: NAMESPACE,
    image: podSettings.image,
    instanceId,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    pollIntervalMs: 5,
    readinessTimeoutMs: 5_000,
    deletionTimeoutMs: 5_000,
  });
}

beforeAll(async () => {
  const server = await standIn.start();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "stand-in", server, skipTLSVerify: true }],
    users: [{ name: "platform", token: TOKEN }],
    contexts: [{ name: "stand-in", cluster: "stand-in", user: "platform", namespace: NAMESPACE }],
    currentContext: "stand-in",
  });
});

afterAll(() => standIn.stop());

beforeEach(() => {
  standIn.reset();
  standIn.onExec = scriptedWorkspace(standIn);
});

describe("the command wrapper, run by the real /bin/sh", () => {
  it("changes folder, sets the environment (marker included) and becomes the command itself", () => {
    const argv = podExecCommand(["sh", "-c", 'printf "%s|%s|" "$PWD" "$GREETING"; tr "\\0" "\\n" </proc/$$/environ | grep -c "^MARK=m-1$"'], {
      cwd: "/tmp",
      env: { GREETING: "hello 'world' $HOME `x`", MARK: "m-1", UNSET: undefined },
    });
    expect(execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" })).toBe("/tmp|hello 'world' $HOME `x`|1\n");
  });

  it("passes arguments through untouched, even ones that look like options or assignments", () => {
    const argv = podExecCommand(["printf", "%s\\n", "--", "A=B", "-c", "$(id)"]);
    expect(execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" })).toBe("--\nA=B\n-c\n$(id)\n");
  });

  it("refuses what it cannot express safely", () => {
    expect(() => podExecCommand([])).toThrow(/program/);
    expect(() => podExecCommand(["true"], { cwd: "relative" })).toThrow(/absolute/);
    expect(() => podExecCommand(["true"], { env: { "BAD-NAME": "x" } })).toThrow(/environment variable/);
  });
});

describe("exec and spawn over the exec WebSocket", () => {
  let runtime: KubernetesWorkspaceRuntime;
  let workspace: WorkspaceHandle;

  beforeEach(async () => {
    runtime = newRuntime();
    standIn.seedRunningPod("user-1");
    workspace = await runtime.ensureWorkspace("user-1");
  });

  it("runs a command to completion: exit 0 from a Success status, the non-zero code from NonZeroExitCode", async () => {
    expect(await runtime.exec(workspace, ["true"])).toEqual({ exitCode: 0, stdout: "", stderr: "", timedOut: false });
    expect(await runtime.exec(workspace, ["fail"])).toEqual({ exitCode: 2, stdout: "", stderr: "nope\n", timedOut: false });

    const [ok, failed] = standIn.execs;
    expect(ok!.query.get("container")).toBe("workspace");
    expect(ok!.query.get("tty")).toBe("false");
    expect(ok!.query.get("stdin")).toBe("false");
    expect(ok!.query.get("stdout")).toBe("true");
    expect(ok!.query.get("stderr")).toBe("true");
    expect(ok!.protocol).toBe("v5.channel.k8s.io");
    expect(ok!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(ok!.env[PROCESS_MARKER_VARIABLE]).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed!.env[PROCESS_MARKER_VARIABLE]).not.toBe(ok!.env[PROCESS_MARKER_VARIABLE]);
  });

  it("sends exec's stdin on channel 0, then the v5 close frame, and collects what came back", async () => {
    const result = await runtime.exec(workspace, ["cat"], { stdin: "line one\nline two\n", cwd: "/workspace/agent-a", env: { FOO: "bar" } });
    expect(result).toEqual({ exitCode: 0, stdout: "line one\nline two\n", stderr: "", timedOut: false });
    const [process] = standIn.execs;
    expect(process!.query.get("stdin")).toBe("true");
    expect(process!.frames.map((frame) => frame.channel)).toEqual([0, 255]);
    expect(process!.frames[1]!.payload).toEqual(Buffer.from([0]));
    expect(process!.cwd).toBe("/workspace/agent-a");
    expect(process!.env.FOO).toBe("bar");
  });

  it("streams spawn's stdout line by line as it arrives, stdin in order, stderr apart, the exit code from channel 3", async () => {
    const child = runtime.spawn(workspace, ["echo-lines"], { cwd: "/workspace/agent-a", env: { CLAUDE_CONFIG_DIR: "/workspace/.claude-agents/a" } });
    const stderr = readAll(child.stderr);
    const nextLine = lines(child.stdout);

    // Each answer is sent only after its line was written, which the test does only after reading
    // the previous answer: output held back until the end would stall here.
    child.stdin.write("one\n");
    expect(await nextLine()).toBe("got:one");
    expect(child.exitCode).toBeNull();
    child.stdin.write("two\n");
    expect(await nextLine()).toBe("got:two");
    child.stdin.end();

    const exit = await child.exited;
    expect(exit).toEqual({ exitCode: 3, signal: null, error: undefined });
    expect(child.exitCode).toBe(3);
    expect(await nextLine()).toBe("<end>");
    expect((await stderr).toString("utf8")).toBe("bye\n");

    const [process] = standIn.execs;
    expect(process!.frames).toEqual([
      { channel: 0, payload: Buffer.from("one\n") },
      { channel: 0, payload: Buffer.from("two\n") },
      { channel: 255, payload: Buffer.from([0]) },
    ]);
    expect(process!.command).toEqual(["echo-lines"]);
    expect(process!.cwd).toBe("/workspace/agent-a");
    expect(process!.env).toMatchObject({ CLAUDE_CONFIG_DIR: "/workspace/.claude-agents/a", [SERVER_INSTANCE_VARIABLE]: "instance-1" });
    expect(process!.env[PROCESS_MARKER_VARIABLE]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("carries binary stdin and stdout byte for byte (file uploads and downloads)", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const child = runtime.spawn(workspace, ["echo-bytes"]);
    const stdout = readAll(child.stdout);
    child.stdin.end(bytes);
    expect((await child.exited).exitCode).toBe(0);
    expect(await stdout).toEqual(bytes);
    expect(standIn.execs[0]!.stdinBytes).toEqual(bytes);
  });

  it("kill() runs the marker-kill script through a second exec, and the process ends with that signal's code", async () => {
    const child = runtime.spawn(workspace, ["sleep", "infinity"]);
    await waitFor(() => standIn.execs.length === 1);
    const marker = standIn.execs[0]!.env[PROCESS_MARKER_VARIABLE];

    expect(child.kill("SIGTERM")).toBe(true);
    const exit = await child.exited;
    expect(exit.exitCode).toBe(143);
    expect(child.killed).toBe(true);
    expect(child.kill()).toBe(false);

    const kill = standIn.execs[1]!;
    expect(kill.argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(kill.argv.slice(3)).toEqual(["kill-marked", `${PROCESS_MARKER_VARIABLE}=${marker}`, "TERM"]);
    expect(kill.query.get("stdin")).toBe("false");
  });

  it("a kill before the stream opened is sent once it has", async () => {
    const child = runtime.spawn(workspace, ["sleep", "infinity"]);
    child.kill("SIGKILL");
    expect((await child.exited).exitCode).toBe(137);
    expect(standIn.execs[1]!.argv.at(-1)).toBe("KILL");
  });

  it("exec's timeout kills the command by its marker and says so", async () => {
    const result = await runtime.exec(workspace, ["sleep", "infinity"], { timeoutMs: 100 });
    expect(result).toMatchObject({ exitCode: 137, timedOut: true });
    expect(standIn.execs[1]!.argv.slice(3)).toEqual(["kill-marked", `${PROCESS_MARKER_VARIABLE}=${standIn.execs[0]!.env[PROCESS_MARKER_VARIABLE]}`, "KILL"]);
  });

  it("a stream that breaks without a status is no clean exit: 255 and an error", async () => {
    const child = runtime.spawn(workspace, ["hang-up"]);
    const errors: Error[] = [];
    child.on("error", (error: Error) => errors.push(error));
    const stdout = readAll(child.stdout);
    const exit = await child.exited;
    expect(exit.exitCode).toBe(255);
    expect(exit.error?.message).toMatch(/without an exit status/);
    expect(errors).toHaveLength(1);
    expect((await stdout).toString("utf8")).toBe("partial");
  });

  it("an exec into a pod that is gone is workspace_lost (the 404 of the WebSocket handshake)", async () => {
    standIn.pods.clear();
    await expect(runtime.exec(workspace, ["true"])).rejects.toMatchObject({ code: "workspace_lost" });
    const child = runtime.spawn(workspace, ["true"]);
    const exit = await child.exited;
    expect(exit.exitCode).toBe(255);
    expect(exit.error).toMatchObject({ code: "workspace_lost" });
  });

  it("refuses stdin on a server that speaks only v4 (it could not end stdin without losing the output); stdin-less exec still works", async () => {
    standIn.protocols = ["v4.channel.k8s.io"];
    expect((await runtime.exec(workspace, ["true"])).exitCode).toBe(0);
    expect(standIn.execs[0]!.protocol).toBe("v4.channel.k8s.io");

    const child = runtime.spawn(workspace, ["echo-lines"]);
    child.stdin.write("never sent\n");
    const exit = await child.exited;
    expect(exit.exitCode).toBe(255);
    expect(exit.error?.message).toMatch(/v5\.channel\.k8s\.io \(Kubernetes 1\.30 or later\)/);
    expect(standIn.execs[1]!.frames).toEqual([]);
  });

  it("refuses to run a command as anyone but the workspace user", () => {
    expect(() => runtime.spawn(workspace, ["id"], { user: "0:0" })).toThrow(/1000:1000/);
    expect(() => runtime.spawn(workspace, ["id"], { user: "1000:1000" })).not.toThrow();
  });
});

describe("the pod lifecycle against the same stand-in", () => {
  let runtime: KubernetesWorkspaceRuntime;

  beforeEach(() => {
    runtime = newRuntime();
  });

  afterEach(() => {
    expect(standIn.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  const creates = (resource: string) => standIn.requests.filter((request) => request.method === "POST" && request.path.endsWith(`/${resource}`));

  it("creates the claim and the pod, waits until it runs and a readiness exec answers", async () => {
    const handle = await runtime.ensureWorkspace("Ann@Example.com");
    const pod = standIn.pods.get(workspacePodName("Ann@Example.com"))!;
    expect(handle).toEqual({
      userId: "Ann@Example.com",
      id: pod.metadata.uid,
      name: workspacePodName("Ann@Example.com"),
      generation: `${pod.metadata.uid}@${new Date(pod.status!.startTime as string).toISOString()}`,
      provisioning: "created",
    });

    // What reached the API server (after client-node's serializer) is a valid Pod with every security setting.
    const [claimRequest] = creates("persistentvolumeclaims");
    const [podRequest] = creates("pods");
    expect((claimRequest!.body!.metadata as { name: string }).name).toBe(workspaceClaimName("Ann@Example.com"));
    expect(() => new Pod(podRequest!.body as never).validate()).not.toThrow();
    expect(podRequest!.body).toEqual(plainObject(workspacePod("Ann@Example.com", podSettings)));
    expect(standIn.execs.map((exec) => exec.command)).toEqual([["true"]]);

    expect(await runtime.listWorkspaces()).toEqual([{ userId: "Ann@Example.com", id: pod.metadata.uid, name: handle.name, state: "running" }]);
    expect(await runtime.isCurrent(handle)).toBe(true);
  });

  it("reuses a running pod without an exec, and adopts one another server left running", async () => {
    standIn.seedRunningPod("user-1");
    const handle = await newRuntime("instance-2").ensureWorkspace("user-1");
    expect(handle.provisioning).toBe("reused");
    expect(await runtime.ensureWorkspace("user-1")).toEqual(handle);
    expect(standIn.execs).toEqual([]);
    expect(creates("pods")).toEqual([]);
    expect((await runtime.listWorkspaces()).map((summary) => [summary.userId, summary.state])).toEqual([["user-1", "running"]]);
  });

  it("stop deletes the pod and keeps the claim; the next message's ensure creates a new pod on it", async () => {
    const first = await runtime.ensureWorkspace("user-1");
    await runtime.stopWorkspace("user-1");
    expect(standIn.pods.size).toBe(0);
    expect(standIn.claims.has(workspaceClaimName("user-1"))).toBe(true);
    expect(await runtime.isCurrent(first)).toBe(false);
    expect((await runtime.listWorkspaces()).map((summary) => [summary.userId, summary.state])).toEqual([["user-1", "stopped"]]);

    const second = await runtime.ensureWorkspace("user-1");
    expect(second.provisioning).toBe("created");
    expect(second.id).not.toBe(first.id);
    expect(creates("persistentvolumeclaims")).toHaveLength(1);
    expect(await runtime.isCurrent(second)).toBe(true);
  });

  it("uses the pod another server created between its read and its create (409 AlreadyExists)", async () => {
    standIn.beforePodCreate = (name) => {
      standIn.beforePodCreate = undefined;
      expect(name).toBe(workspacePodName("user-1"));
      standIn.seedRunningPod("user-1");
    };
    const handle = await runtime.ensureWorkspace("user-1");
    expect(handle.id).toBe(standIn.pods.get(workspacePodName("user-1"))!.metadata.uid);
    expect(creates("pods")).toHaveLength(1);
  });

  it("concurrent ensures for one user share one attempt", async () => {
    const [a, b] = await Promise.all([runtime.ensureWorkspace("user-1"), runtime.ensureWorkspace("user-1")]);
    expect(a).toEqual(b);
    expect(creates("pods")).toHaveLength(1);
  });

  it("deleting the account removes the pod and the claim", async () => {
    await runtime.ensureWorkspace("user-1");
    await runtime.deleteUserWorkspace("user-1");
    expect(standIn.pods.size).toBe(0);
    expect(standIn.claims.size).toBe(0);
    expect(await runtime.listWorkspaces()).toEqual([]);
  });

  it("a pod whose image cannot be pulled fails fast with a sentence naming WORKSPACE_IMAGE", async () => {
    standIn.waitingReason = "ErrImagePull";
    await expect(runtime.ensureWorkspace("user-1")).rejects.toMatchObject({
      code: "workspace_unavailable",
      message: expect.stringMatching(/ErrImagePull: the cluster's nodes must be able to pull agent-platform\/workspace:latest \(WORKSPACE_IMAGE\)/),
    });
  });

  it("prepares an agent's folders through exec", async () => {
    const handle = await runtime.ensureWorkspace("user-1");
    const paths = await runtime.ensureAgentPaths(handle, "agent-a");
    expect(standIn.execs.at(-1)!.command).toEqual(["mkdir", "-p", paths.workdir, paths.claudeConfigDir]);
    expect(standIn.pods.get(workspacePodName("user-1"))!.metadata.annotations).toEqual({ [USER_ID_ANNOTATION]: "user-1" });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
