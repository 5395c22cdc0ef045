import { randomBytes, randomUUID } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AgentEvent } from "../../lib/agent-events";
import type { RunWaitEvent } from "../../lib/socket-events";
import { ClaudeRunner, type AgentTurnRequest } from "../../server/claude/claude-runner";
import { createModelStandIn, type ModelStandIn, type Script } from "../../server/model-stand-in";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import { sweepIdleWorkspaces } from "../../server/workspaces/workspace-idle-sweeper";
import type { WorkspaceRuntime } from "../../server/workspaces/workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/**
 * Admission control, run-time limits and agent-aware culling on the real parts: the real Claude
 * Code CLI in real workspace containers, against the scripted model stand-in.
 */
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const prefix = `itest-limits-${randomBytes(3).toString("hex")}`;
const activity = new WorkspaceActivity();
const runtime = new DockerWorkspaceRuntime(docker, { image, activity });

// Naps in Python: the CLI refuses a plain long `sleep` in Bash.
const napScripts: Script[] = [
  {
    id: "nap-briefly",
    match: (prompt) => /nap briefly/i.test(prompt),
    steps: [{ tool: { name: "Bash", input: { command: "python3 -c \"import time; time.sleep(6); print('rested')\"", description: "Nap" } } }, { text: "{{lastToolResult}}" }],
  },
  {
    id: "nap-long",
    match: (prompt) => /nap for a long time/i.test(prompt),
    steps: [{ tool: { name: "Bash", input: { command: "python3 -c \"import time; time.sleep(90); print('rested')\"", description: "Long nap" } } }, { text: "{{lastToolResult}}" }],
  },
];

let standIn: ModelStandIn;
const runners: ClaudeRunner[] = [];

function newRunner(options: { maxLiveClis?: number; maxTurnMs?: number; maxCliStarts?: number } = {}): ClaudeRunner {
  const runner = new ClaudeRunner({
    runtime,
    activity,
    credentials: { baseUrl: `http://host.docker.internal:${standIn.port}`, apiKey: "stand-in-key" },
    cliIdleMs: 10 * 60_000,
    defaultModel: "claude-sonnet-4-5",
    ...options,
  });
  runners.push(runner);
  return runner;
}

function chat(name: string, user: string): Omit<AgentTurnRequest, "prompt"> {
  return { userId: `${prefix}-${user}`, agentId: "a1", conversationId: `${prefix}-${name}`, claudeSessionId: randomUUID() };
}

interface LiveTurn {
  events: AgentEvent[];
  waits: RunWaitEvent[];
  firstEventAt?: number;
  done: ReturnType<ClaudeRunner["runAgentTurn"]>;
}

function start(runner: ClaudeRunner, request: Omit<AgentTurnRequest, "prompt">, prompt: string): LiveTurn {
  const turn: Partial<LiveTurn> & { events: AgentEvent[]; waits: RunWaitEvent[] } = { events: [], waits: [] };
  turn.done = runner.runAgentTurn(
    { ...request, prompt },
    (event) => {
      turn.firstEventAt ??= Date.now();
      turn.events.push(event);
    },
    (event) => turn.waits.push(event),
  );
  return turn as LiveTurn;
}

const queued = (turn: LiveTurn) => turn.waits.filter((event) => event.type === "run_queued");
const toolOutputs = (turn: LiveTurn) => turn.events.flatMap((event) => (event.type === "tool_result" ? [event.output] : []));

/** The sweeper, seeing only this file's workspaces: other tests' containers on this engine are not ours to stop. */
const ownWorkspaces = {
  listWorkspaces: async () => (await runtime.listWorkspaces()).filter((workspace) => workspace.userId.startsWith(prefix)),
  stopWorkspace: (userId: string) => runtime.stopWorkspace(userId),
  removeWorkspace: (userId: string) => runtime.removeWorkspace(userId),
} as unknown as WorkspaceRuntime;

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
  standIn = await createModelStandIn({ host: "0.0.0.0", port: 0, pacing: 0, scripts: napScripts });
  // Workspaces exist before the timed parts, so container creation does not blur what is measured.
  await Promise.all(["ann", "bob", "cat"].map((user) => runtime.ensureWorkspace(`${prefix}-${user}`)));
});

afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.shutdown()));
  await standIn?.close();
  await removeTestWorkspaces(docker, prefix);
});

describe("admission control with one live CLI allowed", () => {
  it("queues other users' runs fairly, tells their position, lets Stop leave the queue, and never culls a busy workspace", async () => {
    const runner = newRunner({ maxLiveClis: 1 });
    const ann = start(runner, chat("ann-1", "ann"), "nap briefly");
    await waitFor(() => ann.events.some((event) => event.type === "tool_use"), 90_000);

    const bob = start(runner, chat("bob-1", "bob"), "compute the sum of 1 to 100 in Python");
    await waitFor(() => queued(bob).length > 0, 30_000);
    const cat = start(runner, chat("cat-1", "cat"), "compute the sum of 1 to 100 in Python");
    await waitFor(() => queued(cat).length > 0, 30_000);
    expect(queued(bob)[0]).toEqual({ type: "run_queued", position: 1, message: "Waiting for a free slot — you're next in line." });
    expect(queued(cat)[0]).toEqual({ type: "run_queued", position: 2, message: "Waiting for a free slot — you're 2nd in line." });
    expect(runner.queuedTurnCount).toBe(2);
    expect(runner.liveProcessCount).toBe(1);

    // Running and queued runs both keep their workspaces, however long ago they were last touched.
    expect(await sweepIdleWorkspaces({ runtime: ownWorkspaces, activity, idleMs: 1 })).toEqual([]);

    // Bob stops while waiting: he leaves the queue, and Cat moves up and hears so.
    expect(await runner.interruptTurn(chat("bob-1", "bob").conversationId)).toBe(true);
    const bobOutcome = await bob.done;
    expect(bobOutcome.status).toBe("interrupted");
    expect(bob.events.some((event) => event.type === "tool_use")).toBe(false);
    await waitFor(() => queued(cat).length > 1, 5_000);
    expect(queued(cat)[1]).toMatchObject({ position: 1 });
    expect(runner.queuedTurnCount).toBe(1);

    const annOutcome = await ann.done;
    const annEndedAt = Date.now();
    expect(annOutcome.status).toBe("completed");
    expect(toolOutputs(ann)).toEqual(["rested"]);
    const catOutcome = await cat.done;
    expect(catOutcome.status).toBe("completed");
    expect(toolOutputs(cat)).toEqual(["5050"]);
    expect(cat.firstEventAt!).toBeGreaterThanOrEqual(annEndedAt);
    // Ann's CLI, idle once her turn ended, made room: the cap still holds.
    expect(runner.liveProcessCount).toBe(1);
    expect(runner.queuedTurnCount).toBe(0);
  });

  it("ends the least recently used idle CLI to make room, without queueing", async () => {
    const runner = newRunner({ maxLiveClis: 1 });
    const annChat = chat("ann-2", "ann");
    const first = start(runner, annChat, "compute the sum of 1 to 100 in Python");
    expect((await first.done).status).toBe("completed");
    expect(runner.liveProcessCount).toBe(1);

    const bob = start(runner, chat("bob-2", "bob"), "compute the sum of 1 to 100 in Python");
    const bobOutcome = await bob.done;
    expect(bobOutcome.status).toBe("completed");
    expect(toolOutputs(bob)).toEqual(["5050"]);
    expect(queued(bob)).toEqual([]);
    expect(runner.liveProcessCount).toBe(1);

    // Ann's process was the one ended: her next message starts a new one and resumes her transcript.
    const again = start(runner, annChat, "now only the even numbers");
    const againOutcome = await again.done;
    expect(againOutcome.reusedProcess).toBe(false);
    expect(toolOutputs(again)).toEqual(["2550"]);
  });
});

describe("CLI starts limited by the CPU (one start slot)", () => {
  it("counts a prewarmed CLI as starting only until it has answered the SDK's handshake, before any message", async () => {
    const runner = newRunner({ maxCliStarts: 1 });
    await runner.prewarmConversation(chat("prewarm-boot", "ann"));
    expect(runner.startsInProgress).toBe(1);
    await waitFor(() => runner.startsInProgress === 0, 30_000);
    expect(runner.liveProcessCount).toBe(1);
  });

  it("boots one CLI at a time when three people send at once, tells the waiting ones their place, and answers all three", async () => {
    const runner = newRunner({ maxCliStarts: 1 });
    let mostStarting = 0;
    const sampler = setInterval(() => (mostStarting = Math.max(mostStarting, runner.startsInProgress)), 5);
    const turns = ["ann", "bob", "cat"].map((user) => start(runner, chat(`burst-${user}`, user), "compute the sum of 1 to 100 in Python"));
    const outcomes = await Promise.all(turns.map((turn) => turn.done));
    clearInterval(sampler);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["completed", "completed", "completed"]);
    expect(turns.map(toolOutputs)).toEqual([["5050"], ["5050"], ["5050"]]);
    expect(mostStarting).toBe(1);
    expect(turns.filter((turn) => queued(turn).length > 0).length).toBeGreaterThanOrEqual(1);
    for (const turn of turns.filter((candidate) => queued(candidate).length > 0)) {
      expect(queued(turn)[0]?.message).toMatch(/^Waiting for a free slot — you're (next|2nd) in line\.$/);
    }
  });

  it("ends a prewarm that is still booting when someone's message needs its start slot", async () => {
    const runner = newRunner({ maxCliStarts: 1 });
    await runner.prewarmConversation(chat("prewarm-yields", "ann"));
    expect(runner.startsInProgress).toBe(1);
    const bob = start(runner, chat("sent-while-prewarming", "bob"), "compute the sum of 1 to 100 in Python");
    const outcome = await bob.done;
    expect(outcome.status).toBe("completed");
    expect(toolOutputs(bob)).toEqual(["5050"]);
    // Only Bob's CLI is alive: Ann's prewarm gave up its slot instead of making Bob wait for it.
    await waitFor(() => runner.liveProcessCount === 1, 10_000);
    expect(queued(bob)).toEqual([]);
  });
});

describe("run duration limit", () => {
  it("stops a run that goes on too long and says which limit and how to change it", async () => {
    const runner = newRunner({ maxTurnMs: 8_000 });
    const turn = start(runner, chat("long", "ann"), "nap for a long time");
    const startedAt = Date.now();
    const outcome = await turn.done;
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(outcome.status).toBe("failed");
    expect(outcome.error?.code).toBe("run_time_limit");
    expect(outcome.error?.message).toContain("stopped after 8 seconds");
    expect(outcome.error?.message).toContain("MAX_RUN_MINUTES");
    expect(turn.events).toContainEqual(expect.objectContaining({ type: "error", code: "run_time_limit" }));
    expect(toolOutputs(turn)).not.toContain("rested");
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
