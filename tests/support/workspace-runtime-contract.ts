import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";

import { endServerProcesses } from "../../server/workspaces/server-processes";
import { adoptWorkspaces } from "../../server/workspaces/workspace-adoption";
import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import { sweepIdleWorkspaces } from "../../server/workspaces/workspace-idle-sweeper";
import type { WorkspaceHandle, WorkspaceRuntime } from "../../server/workspaces/workspace-runtime";

/** A runtime on the real engine. Called once per server the test stands for, so two calls are two servers. */
export type WorkspaceRuntimeFactory = (options?: { activity?: WorkspaceActivity; instanceId?: string }) => WorkspaceRuntime | Promise<WorkspaceRuntime>;

/** Where runtimes may honestly differ; everything else every runtime must do alike. */
export interface WorkspaceRuntimeTraits {
  /** WORKSPACE_MEMORY_MB the factory's runtimes are made with: the memory test allocates well past it. */
  memoryMb: number;
  /** The per-workspace process limit the factory's runtimes set, or null where the runtime cannot set one. */
  pidsLimit: number | null;
  /**
   * True when stopping keeps the workspace (a stopped container) and the next ensure starts that
   * same one ("started", same id); false when stopping deletes it (a pod) and the next ensure
   * creates a new one ("created").
   */
  stopKeepsWorkspace: boolean;
  /** True when exec's `user` option runs a command as another uid:gid (Docker's exec User); false where any other user is refused. */
  execAsAnyUser: boolean;
  /**
   * True when the kernel kills only the process that went over the memory limit and the workspace
   * keeps running; false where the whole workspace is killed with it (cgroup v2 memory.oom.group).
   */
  memoryKillSparesWorkspace: boolean;
}

export interface WorkspaceRuntimeFixture {
  /** Every user id the contract uses starts with this, so a test file can sweep up after a crash. */
  userIdPrefix: string;
}

/** What every WorkspaceRuntime promises, run against the Docker runtime and the Kubernetes one alike. */
export function describeWorkspaceRuntimeContract(
  name: string,
  makeRuntime: WorkspaceRuntimeFactory,
  traits: WorkspaceRuntimeTraits,
  fixture: WorkspaceRuntimeFixture,
): void {
  describe(`${name} workspace runtime contract`, () => {
    const usedUserIds = new Set<string>();
    const userId = (label: string) => {
      const id = `${fixture.userIdPrefix}-${label}`;
      usedUserIds.add(id);
      return id;
    };
    let shared: Promise<WorkspaceRuntime> | undefined;
    const runtime = () => (shared ??= Promise.resolve(makeRuntime()));
    const ensure = async (label: string) => (await runtime()).ensureWorkspace(userId(label));

    afterAll(async () => {
      if (usedUserIds.size === 0) return;
      const cleaner = await runtime();
      await Promise.all([...usedUserIds].map((id) => cleaner.deleteUserWorkspace(id).catch(() => undefined)));
    });

    describe("ensureWorkspace", () => {
      it("creates a missing workspace, then reuses it while it runs", async () => {
        const rt = await runtime();
        const created = await ensure("create");
        expect(created).toMatchObject({ userId: userId("create"), provisioning: "created" });
        expect(created.id).not.toBe("");
        expect(created.name).not.toBe("");
        expect(await rt.isCurrent(created)).toBe(true);

        const reused = await rt.ensureWorkspace(created.userId);
        expect(reused).toEqual({ ...created, provisioning: "reused" });
      });

      it("gives concurrent first visits one workspace, even from two server processes", async () => {
        const rt = await runtime();
        const otherServer = await makeRuntime();
        const ann = userId("concurrent");
        const handles = await Promise.all([
          ...Array.from({ length: 6 }, () => rt.ensureWorkspace(ann)),
          ...Array.from({ length: 3 }, () => otherServer.ensureWorkspace(ann)),
        ]);
        expect(new Set(handles.map((h) => h.id)).size).toBe(1);
        expect((await rt.listWorkspaces()).filter((w) => w.userId === ann)).toHaveLength(1);

        const warm = await rt.ensureWorkspace(ann);
        expect(warm.provisioning).toBe("reused");
        expect(warm.id).toBe(handles[0]?.id);
      });

      it("brings a stopped workspace back with the files, and old handles stop being current", async () => {
        const rt = await runtime();
        const bob = userId("persist");
        const first = await rt.ensureWorkspace(bob);
        await rt.ensureAgentPaths(first, "a1");
        await rt.exec(first, ["sh", "-c", "echo kept > /workspace/agent-a1/notes.txt"]);

        await rt.stopWorkspace(bob);
        expect(await rt.isCurrent(first)).toBe(false);
        await expect(rt.exec(first, ["true"])).rejects.toMatchObject({ code: "workspace_lost" });
        const stale = await rt.spawn(first, ["true"]).exited;
        expect(stale.exitCode).not.toBe(0);
        expect(stale.error).toBeInstanceOf(Error);
        expect((await rt.listWorkspaces()).filter((w) => w.userId === bob && w.state === "running")).toEqual([]);
        if (traits.stopKeepsWorkspace) expect((await rt.listWorkspaces()).find((w) => w.userId === bob)).toMatchObject({ id: first.id, state: "stopped" });

        const restarted = await rt.ensureWorkspace(bob);
        if (traits.stopKeepsWorkspace) {
          expect(restarted.provisioning).toBe("started");
          expect(restarted.id).toBe(first.id);
        } else {
          expect(restarted.provisioning).toBe("created");
          expect(restarted.id).not.toBe(first.id);
        }
        expect(restarted.generation).not.toBe(first.generation);
        expect(await rt.isCurrent(first)).toBe(false);
        expect(await rt.isCurrent(restarted)).toBe(true);
        expect((await rt.exec(restarted, ["cat", "/workspace/agent-a1/notes.txt"])).stdout).toBe("kept\n");

        await rt.removeWorkspace(bob);
        expect(await rt.isCurrent(restarted)).toBe(false);
        expect((await rt.listWorkspaces()).filter((w) => w.userId === bob && w.state === "running")).toEqual([]);
        const recreated = await rt.ensureWorkspace(bob);
        expect(recreated.provisioning).toBe("created");
        expect(recreated.id).not.toBe(first.id);
        expect(recreated.id).not.toBe(restarted.id);
        const read = await rt.exec(recreated, ["cat", "/workspace/agent-a1/notes.txt"]);
        expect(read.stdout).toBe("kept\n");
      });
    });

    it("gives each agent its own folder and Claude config directory owned by the workspace user", async () => {
      const rt = await runtime();
      const handle = await ensure("agents");
      const paths = await rt.ensureAgentPaths(handle, "agent_1");
      expect(paths).toEqual({ workdir: "/workspace/agent-agent_1", claudeConfigDir: "/workspace/.claude-agents/agent_1" });
      const listing = await rt.exec(handle, ["stat", "-c", "%U %n", paths.workdir, paths.claudeConfigDir]);
      expect(listing.stdout.trim().split("\n")).toEqual(["claude /workspace/agent-agent_1", "claude /workspace/.claude-agents/agent_1"]);
      // Twice is fine: every turn prepares the folder again.
      expect(await rt.ensureAgentPaths(handle, "agent_1")).toEqual(paths);
      await expect(rt.ensureAgentPaths(handle, "../etc")).rejects.toMatchObject({ code: "bad_request" });
    });

    describe("exec", () => {
      it("runs argv as given, never through a shell", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        const literal = await rt.exec(handle, ["echo", "$HOME", "a;b", "`id`", "*", "two words"]);
        expect(literal).toEqual({ exitCode: 0, stdout: "$HOME a;b `id` * two words\n", stderr: "", timedOut: false });
        const args = await rt.exec(handle, ["printf", "%s|", "two words", "", "x"]);
        expect(args.stdout).toBe("two words||x|");
      });

      it("passes stdin through and reports exit codes", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        const result = await rt.exec(handle, ["sh", "-c", "cat; echo oops >&2; exit 3"], { stdin: "hello\n" });
        expect(result).toEqual({ exitCode: 3, stdout: "hello\n", stderr: "oops\n", timedOut: false });
        expect((await rt.exec(handle, ["false"])).exitCode).toBe(1);
        const binary = Buffer.from([0, 1, 2, 250, 255, 10]);
        expect((await rt.exec(handle, ["od", "-An", "-tu1"], { stdin: binary })).stdout.trim().split(/\s+/)).toEqual(["0", "1", "2", "250", "255", "10"]);
        const missing = await rt.exec(handle, ["no-such-program-here"]);
        expect(missing.exitCode).not.toBe(0);
        expect(missing.timedOut).toBe(false);
      });

      it("collects all of a chatty command's output, stdout and stderr apart", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        const result = await rt.exec(handle, ["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; head -c 70000 /dev/zero | tr '\\0' y >&2"]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toBe("x".repeat(300_000));
        expect(result.stderr).toBe("y".repeat(70_000));
      });

      it("runs in the given directory with the given environment, as the workspace user by default", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        const result = await rt.exec(handle, ["sh", "-c", 'pwd; printf "%s\\n" "$GREETING"; id -u; id -g'], {
          cwd: "/tmp",
          env: { GREETING: "hello there; $(id)" },
        });
        expect(result.stdout.split("\n")).toEqual(["/tmp", "hello there; $(id)", "1000", "1000", ""]);
      });

      it("runs as the uid:gid asked for, or refuses one it cannot run as", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        expect((await rt.exec(handle, ["id", "-u"], { user: "1000:1000" })).stdout).toBe("1000\n");
        if (traits.execAsAnyUser) {
          expect((await rt.exec(handle, ["sh", "-c", "id -u; id -g"], { user: "1001:1002" })).stdout).toBe("1001\n1002\n");
        } else {
          // Never silently as the workspace user: a caller asking for another one is told.
          await expect(rt.exec(handle, ["id", "-u"], { user: "1001:1002" })).rejects.toThrow(/1001:1002/);
        }
      });

      it("kills a command that runs past its timeout", async () => {
        const rt = await runtime();
        const handle = await ensure("exec");
        const started = Date.now();
        const slow = await rt.exec(handle, ["sleep", "31"], { timeoutMs: 300 });
        expect(slow.timedOut).toBe(true);
        expect(slow.exitCode).not.toBe(0);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(await countProcesses(rt, handle, "sleep 31")).toBe(0);
        expect((await rt.exec(handle, ["true"], { timeoutMs: 30_000 })).timedOut).toBe(false);
      });
    });

    describe("spawn", () => {
      it("streams stdin in and stdout/stderr out line by line while it runs, and ends when stdin ends", async () => {
        const rt = await runtime();
        const handle = await ensure("spawn");
        const echo = rt.spawn(handle, ["python3", "-u", "-c", ECHO_LINES_SCRIPT]);
        const stdout = collect(echo.stdout);
        const stderr = collect(echo.stderr);
        const exitEvent = once(echo, "exit");

        echo.stdin.write("one\n");
        await stdout.waitFor("echo: one\n");
        // The answer came while the process still runs and before the next line was written.
        expect(echo.exitCode).toBeNull();
        expect(stdout.text()).toBe("echo: one\n");
        echo.stdin.write("two\n");
        await stdout.waitFor("echo: two\n");
        await stderr.waitFor("seen: two\n");
        expect(echo.exitCode).toBeNull();

        echo.stdin.end();
        const exit = await echo.exited;
        expect(exit).toMatchObject({ exitCode: 0, signal: null });
        expect(exit.error).toBeUndefined();
        expect(await exitEvent).toEqual([0, null]);
        expect(echo.exitCode).toBe(0);
        expect(echo.killed).toBe(false);
        expect(stdout.text()).toBe("echo: one\necho: two\n");
        expect(stderr.text()).toBe("seen: one\nseen: two\n");
      });

      it("carries bytes both ways unchanged", async () => {
        const rt = await runtime();
        const handle = await ensure("spawn");
        const bytes = randomBytes(256 * 1024);
        const cat = rt.spawn(handle, ["cat"]);
        const stdout = collect(cat.stdout);
        cat.stdin.end(bytes);
        expect((await cat.exited).exitCode).toBe(0);
        expect(Buffer.compare(stdout.bytes(), bytes)).toBe(0);
      });

      it("reports the exit code, and runs in the given directory with the given environment", async () => {
        const rt = await runtime();
        const handle = await ensure("spawn");
        const reader = rt.spawn(handle, ["sh", "-c", 'read line; echo "got $line"; exit 7']);
        const stdout = collect(reader.stdout);
        reader.stdin.end("x\n");
        expect((await reader.exited).exitCode).toBe(7);
        expect(stdout.text()).toBe("got x\n");
        expect(reader.exitCode).toBe(7);

        const placed = rt.spawn(handle, ["sh", "-c", 'pwd; printf "%s\\n" "$GREETING"; id -u; printenv LEFT_OUT || echo left-out'], {
          cwd: "/tmp",
          env: { GREETING: "hi there", LEFT_OUT: undefined },
        });
        const placedOut = collect(placed.stdout);
        placed.stdin.end();
        expect((await placed.exited).exitCode).toBe(0);
        expect(placedOut.text()).toBe("/tmp\nhi there\n1000\nleft-out\n");
      });

      it("kills a spawned process with everything it started", async () => {
        const rt = await runtime();
        const handle = await ensure("spawn");
        const tree = rt.spawn(handle, ["sh", "-c", "sleep 312 & sleep 312 & wait"]);
        await waitFor("both children running", async () => (await countProcesses(rt, handle, "sleep 312")) === 2);
        expect(tree.kill("SIGKILL")).toBe(true);
        expect(tree.killed).toBe(true);
        const exit = await tree.exited;
        expect(exit.exitCode).not.toBe(0);
        expect(await countProcesses(rt, handle, "sleep 312")).toBe(0);
        expect(tree.kill("SIGKILL")).toBe(false);

        // The SDK ends the CLI with a plain SIGTERM.
        const polite = rt.spawn(handle, ["sleep", "313"]);
        await waitFor("sleep 313 running", async () => (await countProcesses(rt, handle, "sleep 313")) === 1);
        polite.kill();
        expect((await polite.exited).exitCode).not.toBe(0);
        expect(await countProcesses(rt, handle, "sleep 313")).toBe(0);
      });
    });

    describe("after a server restart", () => {
      it("a second runtime finds the running workspace by label and adopts it", async () => {
        const rt = await runtime();
        const dana = userId("adopt");
        const handle = await rt.ensureWorkspace(dana);
        const orphan = rt.spawn(handle, ["sleep", "314"]);
        await waitFor("sleep 314 running", async () => (await countProcesses(rt, handle, "sleep 314")) === 1);

        const restartedServer = await makeRuntime();
        expect((await restartedServer.listWorkspaces()).find((w) => w.userId === dana)).toMatchObject({ id: handle.id, name: handle.name, state: "running" });
        expect(await restartedServer.isCurrent(handle)).toBe(true);
        const adopted = await restartedServer.ensureWorkspace(dana);
        expect(adopted).toEqual({ ...handle, provisioning: "reused" });
        expect((await restartedServer.exec(adopted, ["echo", "hello"])).stdout).toBe("hello\n");

        // The previous server's processes in a workspace whose run was cut off are ended on adoption.
        const activity = new WorkspaceActivity();
        const result = await adoptWorkspaces(restartedServer, activity, [dana]);
        expect(result.adopted).toBeGreaterThanOrEqual(1);
        expect(result.endedProcesses).toBeGreaterThanOrEqual(1);
        expect(activity.markOf(dana)).toBeDefined();
        expect((await orphan.exited).exitCode).not.toBe(0);
        expect(await countProcesses(rt, handle, "sleep 314")).toBe(0);
      });

      it("marks spawned processes with the server's instance id, so exactly a dead server's processes can be ended", async () => {
        const gone = await makeRuntime({ instanceId: `${fixture.userIdPrefix}-replica-1` });
        const alive = await makeRuntime({ instanceId: `${fixture.userIdPrefix}-replica-10` });
        const eve = userId("instances");
        const handle = await gone.ensureWorkspace(eve);
        const fromGone = gone.spawn(handle, ["sleep", "315"]);
        const fromAlive = alive.spawn(handle, ["sleep", "316"]);
        await waitFor("both sleeps running", async () => (await countProcesses(alive, handle, "sleep 315")) + (await countProcesses(alive, handle, "sleep 316")) === 2);

        expect(await endServerProcesses(alive, eve, `${fixture.userIdPrefix}-replica-1`)).toBe(1);
        expect((await fromGone.exited).exitCode).not.toBe(0);
        expect(fromAlive.exitCode).toBeNull();
        expect(await countProcesses(alive, handle, "sleep 316")).toBe(1);
        fromAlive.kill("SIGKILL");
        await fromAlive.exited;
      });
    });

    it("lists workspaces and deletes a user's workspace with their files", async () => {
      const rt = await runtime();
      const carol = userId("delete");
      const handle = await rt.ensureWorkspace(carol);
      await rt.exec(handle, ["sh", "-c", "echo gone > /workspace/notes.txt"]);
      expect((await rt.listWorkspaces()).find((w) => w.userId === carol)).toMatchObject({ id: handle.id, state: "running" });

      await rt.deleteUserWorkspace(carol);
      expect((await rt.listWorkspaces()).some((w) => w.userId === carol)).toBe(false);
      expect(await rt.isCurrent(handle)).toBe(false);
      // Deleting what is already gone is fine: account deletion may be retried.
      await rt.deleteUserWorkspace(carol);

      const fresh = await rt.ensureWorkspace(carol);
      expect(fresh.provisioning).toBe("created");
      expect((await rt.exec(fresh, ["ls", "-A", "/workspace"])).stdout).toBe("");
    });

    it("stops idle workspaces but not busy ones", async () => {
      let now = Date.now();
      const activity = new WorkspaceActivity(() => now);
      const sweptRuntime = await makeRuntime({ activity });
      const idle = await sweptRuntime.ensureWorkspace(userId("idle"));
      const busy = await sweptRuntime.ensureWorkspace(userId("busy"));
      const release = activity.beginRun(busy.userId);
      now += 31 * 60_000;
      const swept = await sweepIdleWorkspaces({ runtime: sweptRuntime, activity, idleMs: 30 * 60_000 });
      expect(swept).toContain(idle.userId);
      expect(swept).not.toContain(busy.userId);
      expect(await sweptRuntime.isCurrent(idle)).toBe(false);
      expect(await sweptRuntime.isCurrent(busy)).toBe(true);
      release();
    });

    describe("limits", () => {
      it("kills a process over the memory limit", async () => {
        const rt = await runtime();
        const handle = await ensure("memory");
        // Multiplying writes every byte, so the pages really count against the limit.
        const hogMb = traits.memoryMb + 1024;
        const hog = rt.exec(handle, ["python3", "-c", `x = b'x' * (${hogMb} * 1024 * 1024); print(len(x))`], { timeoutMs: 60_000 });
        if (traits.memoryKillSparesWorkspace) {
          const result = await hog;
          expect(result.exitCode).toBe(137);
          expect(result.stdout).toBe("");
          expect(result.timedOut).toBe(false);
          expect(await rt.isCurrent(handle)).toBe(true);
          expect((await rt.exec(handle, ["echo", "still here"])).stdout).toBe("still here\n");
        } else {
          // The whole workspace is killed with the process: the exec ends non-zero or the workspace is lost.
          const result = await hog.catch((error: unknown) => error);
          if (result instanceof Error) {
            expect(result).toMatchObject({ code: "workspace_lost" });
          } else {
            expect(result).toMatchObject({ stdout: "", timedOut: false });
            expect((result as { exitCode: number | null }).exitCode).not.toBe(0);
          }
          const again = await rt.ensureWorkspace(handle.userId);
          expect((await rt.exec(again, ["echo", "back again"])).stdout).toBe("back again\n");
        }
      });

      it.skipIf(traits.pidsLimit === null)(
        `stops a fork loop at the pids limit${traits.pidsLimit === null ? " (skipped: this runtime sets no per-workspace process limit)" : ""}`,
        async () => {
          const rt = await runtime();
          const handle = await ensure("pids");
          const result = await rt.exec(handle, ["python3", "-c", FORK_LOOP_SCRIPT], { timeoutMs: 60_000 });
          expect(result.stdout).toMatch(/^limited at \d+ 11$/m);
          expect(Number(/limited at (\d+)/.exec(result.stdout)?.[1])).toBeLessThan(traits.pidsLimit!);
          expect((await rt.exec(handle, ["echo", "ok"])).stdout).toBe("ok\n");
        },
      );
    });

    describe("isolation", () => {
      it("runs as uid 1000 without capabilities, privilege escalation, the Docker socket or a service-account token", async () => {
        const rt = await runtime();
        const handle = await ensure("isolation");
        const whoami = await rt.exec(handle, ["sh", "-c", "id -u; stat -c %u /workspace; test -S /var/run/docker.sock && echo socket || echo no-socket"]);
        expect(whoami.stdout.trim().split("\n")).toEqual(["1000", "1000", "no-socket"]);

        const status = await rt.exec(handle, ["grep", "-E", "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):", "/proc/self/status"]);
        expect(Object.fromEntries(status.stdout.trim().split("\n").map((line) => line.split(/:\s+/)))).toEqual({
          CapInh: "0000000000000000",
          CapPrm: "0000000000000000",
          CapEff: "0000000000000000",
          CapBnd: "0000000000000000",
          CapAmb: "0000000000000000",
          NoNewPrivs: "1",
          Seccomp: "2",
        });

        const secrets = await rt.exec(handle, [
          "sh",
          "-c",
          'for p in /var/run/docker.sock /run/docker.sock /var/run/secrets/kubernetes.io /run/secrets/kubernetes.io; do test -e "$p" && echo "$p"; done; env | grep -E "^DOCKER_HOST=" ; true',
        ]);
        expect(secrets.stdout).toBe("");

        // Spawned processes (the CLI and its tools) are the same user.
        const spawned = rt.spawn(handle, ["id", "-u"]);
        const out = collect(spawned.stdout);
        spawned.stdin.end();
        await spawned.exited;
        expect(out.text()).toBe("1000\n");
      });

      it("writes only to the workspace, temporary folders and the user's home", async () => {
        const rt = await runtime();
        const handle = await ensure("isolation");
        const allowed = await rt.exec(handle, ["sh", "-c", "touch /workspace/probe /tmp/probe && echo ok"]);
        expect(allowed.stdout).toBe("ok\n");

        const refused = await rt.exec(handle, [
          "sh",
          "-c",
          'for p in /probe /etc/probe /usr/probe /usr/local/bin/probe /var/lib/probe /opt/probe /root/probe /bin/probe; do touch "$p" 2>/dev/null && echo "$p"; done; ' +
            'for f in /etc/passwd /usr/local/bin/claude /usr/bin/python3; do [ -w "$f" ] && echo "$f"; done; true',
        ]);
        expect(refused.stdout).toBe("");

        // Everything writable outside /proc, /sys and /dev: only scratch space, never the system.
        // The home folder is the image's, in the workspace's own writable layer; it does not outlive the workspace.
        const writable = await rt.exec(
          handle,
          ["sh", "-c", "find / \\( -path /proc -o -path /sys -o -path /dev -o -path /workspace -o -path /tmp \\) -prune -o -writable -print 2>/dev/null; true"],
          { timeoutMs: 120_000 },
        );
        const outside = writable.stdout
          .split("\n")
          .filter((p) => p !== "" && !/^\/(workspace|tmp|var\/tmp|run\/lock|var\/lock|home\/claude)(\/|$)/.test(p));
        expect(outside).toEqual([]);
      });

      it("keeps one user's files and processes out of another user's workspace", async () => {
        const rt = await runtime();
        const alice = await ensure("alice");
        const mallory = await ensure("mallory");
        await rt.exec(alice, ["sh", "-c", "echo secret > /workspace/alice-secret.txt"]);
        const aliceSleep = rt.spawn(alice, ["sleep", "317"]);
        await waitFor("alice's sleep running", async () => (await countProcesses(rt, alice, "sleep 317")) === 1);

        const search = await rt.exec(mallory, ["sh", "-c", "find / -xdev -name 'alice-secret*' 2>/dev/null; ls -A /workspace"]);
        expect(search.stdout).not.toContain("alice-secret");
        expect(await countProcesses(rt, mallory, "sleep 317")).toBe(0);
        expect(alice.id).not.toBe(mallory.id);
        aliceSleep.kill("SIGKILL");
        await aliceSleep.exited;
      });
    });
  });
}

const ECHO_LINES_SCRIPT = [
  "import sys",
  "for line in sys.stdin:",
  "    print('echo: ' + line.strip(), flush=True)",
  "    print('seen: ' + line.strip(), file=sys.stderr, flush=True)",
].join("\n");

const FORK_LOOP_SCRIPT = [
  "import subprocess",
  "procs = []",
  "try:",
  "    for _ in range(1000): procs.append(subprocess.Popen(['sleep', '60']))",
  "    print('no limit', len(procs))",
  "except OSError as error:",
  "    print('limited at', len(procs), error.errno)",
  "finally:",
  "    for p in procs: p.kill()",
].join("\n");

/** How many processes in the workspace have exactly this command line. */
async function countProcesses(runtime: WorkspaceRuntime, handle: WorkspaceHandle, args: string): Promise<number> {
  const result = await runtime.exec(handle, ["ps", "-eo", "args="]);
  return result.stdout.split("\n").filter((line) => line.trim() === args).length;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface CollectedStream {
  text(): string;
  bytes(): Buffer;
  /** Resolves once the output so far contains `expected`; fails with what came instead. */
  waitFor(expected: string, timeoutMs?: number): Promise<void>;
}

function collect(stream: Readable): CollectedStream {
  const chunks: Buffer[] = [];
  const waiters = new Set<() => void>();
  stream.on("data", (chunk: Buffer | string) => {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    for (const wake of waiters) wake();
  });
  const bytes = () => Buffer.concat(chunks);
  const text = () => bytes().toString("utf8");
  return {
    text,
    bytes,
    waitFor: (expected, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!text().includes(expected)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${JSON.stringify(expected)}; got ${JSON.stringify(text())}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
