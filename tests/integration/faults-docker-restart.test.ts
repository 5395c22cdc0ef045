import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSessionResumes, sendAndComplete, startFaultScenario, type FaultScenario } from "./support/fault-scenario";
import { collectRun, finishedOf, nextEvent } from "./support/server-process";

/**
 * The Docker engine restarts while an agent works: every container on the machine stops with it.
 * The user sees a clear error, the server itself keeps running, the history is intact, and once the
 * engine is back the next message works (the stopped container starts again; the CLI resumes its
 * session from the volume).
 *
 * This restarts the HOST's dockerd, the way scripts/provision.sh starts it (setsid nohup dockerd,
 * same arguments), so it disturbs everything else using Docker on this machine. It is safe in
 * `npm test` because the integration project runs one file at a time (vitest.config.mts:
 * fileParallelism false). It runs only where it can restart the engine itself: as root, with a
 * dockerd process on this machine (not Docker Desktop, not a remote DOCKER_HOST); set
 * SKIP_DOCKER_RESTART_TEST=1 to leave a developer's engine alone.
 */
const run = promisify(execFile);

function localDockerdPid(): number | undefined {
  try {
    const pid = Number(execFileSync("pgrep", ["-x", "dockerd"]).toString().trim().split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const skipReason =
  process.env.SKIP_DOCKER_RESTART_TEST === "1"
    ? "SKIP_DOCKER_RESTART_TEST=1"
    : process.getuid?.() !== 0
      ? "not root: cannot restart the Docker engine"
      : process.env.DOCKER_HOST?.startsWith("tcp://")
        ? "the Docker engine is remote (DOCKER_HOST)"
        : localDockerdPid() === undefined
          ? "no dockerd process on this machine"
          : undefined;

async function engineAnswers(): Promise<boolean> {
  return run("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Stops dockerd (containers stop with it: no live-restore) and starts it again with the same arguments. */
async function restartDockerEngine(): Promise<void> {
  const pid = localDockerdPid()!;
  const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  process.kill(pid, "SIGTERM");
  await waitFor("dockerd exiting", () => !existsSync(`/proc/${pid}`), 60_000);
  let logFile = process.env.DOCKERD_LOG ?? "/var/log/dockerd.log";
  let log: number;
  try {
    log = openSync(logFile, "a");
  } catch {
    mkdirSync(path.resolve(__dirname, "../../.cache"), { recursive: true });
    logFile = path.resolve(__dirname, "../../.cache/dockerd.log");
    log = openSync(logFile, "a");
  }
  spawn("setsid", ["nohup", ...args], { detached: true, stdio: ["ignore", log, log] }).unref();
  await waitFor("the Docker engine answering `docker info` again", engineAnswers, 60_000);
}

let scenario: FaultScenario | undefined;

describe.skipIf(skipReason !== undefined)(`the Docker engine restarted mid-run${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(async () => {
    scenario = await startFaultScenario({ name: "faults-engine" });
  });

  afterAll(async () => {
    // Whatever happened above, leave the machine with an engine that answers.
    if (!(await engineAnswers()) && localDockerdPid() === undefined) {
      spawn("setsid", ["nohup", "dockerd"], { detached: true, stdio: "ignore" }).unref();
      await waitFor("the Docker engine answering", engineAnswers, 60_000).catch(() => undefined);
    }
    await scenario?.close();
  });

  it("ends the run with a clear error, the server survives, and the next message works once the engine is back", async () => {
    const { store, server, newConversation, openTab } = scenario!;
    const conversation = await newConversation();
    const tab = await openTab(conversation);
    const { socket, send } = tab;
    await sendAndComplete(tab, "compute the sum of 1 to 100 in Python", "d1");

    const cut = collectRun(socket, conversation.id, 180_000);
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    expect(await send("run a slow task", "d2")).toMatchObject({ ok: true });
    await toolStarted;
    await restartDockerEngine();
    const events = await cut;

    // A sentence that says what happened and what to do, not a hang and not a generic failure.
    const finished = finishedOf(events);
    expect(finished, JSON.stringify(finished)).toMatchObject({
      type: "run_finished",
      status: "failed",
      error: { code: expect.stringMatching(/^workspace_(lost|unavailable)$/), message: expect.stringMatching(/again|try/i) },
    });
    expect(server.child.exitCode).toBeNull();
    expect(socket.connected).toBe(true);

    const stored = await store.listMessages(conversation.id);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "failed"],
    ]);

    // The engine is back: the health check says so, and the next message works in the same session.
    await waitFor(
      "/health reporting the Docker engine ok",
      async () => {
        const report = (await (await fetch(`${server.url}/health`)).json()) as { checks: Record<string, { status: string }> };
        return report.checks.docker?.status === "ok";
      },
      60_000,
    );
    await expectSessionResumes(store, tab, "d3");
    socket.disconnect();
  }, 300_000);
});
