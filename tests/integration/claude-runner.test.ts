import { randomBytes, randomUUID } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { agentEventSchema, type AgentEvent } from "../../lib/agent-events";
import { ClaudeRunner, type AgentTurnRequest } from "../../server/claude/claude-runner";
import { createModelStandIn, type ModelStandIn, type Script } from "../../server/model-stand-in";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

// Real Docker, the real Claude Code CLI in the workspace image, and the scripted model stand-in.
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const prefix = `itest-claude-${randomBytes(3).toString("hex")}`;
const runtime = new DockerWorkspaceRuntime(docker, { image });

const testScripts: Script[] = [
  {
    id: "find-alice-secret",
    match: (prompt) => /find alice's secret/i.test(prompt),
    steps: [
      {
        tool: {
          name: "Bash",
          input: { command: "find / -xdev -name 'alice-secret*' 2>/dev/null; ls -A /workspace; echo searched", description: "Search" },
        },
      },
      { text: "{{lastToolResult}}" },
    ],
  },
  {
    id: "print-environment",
    match: (prompt) => /print your environment/i.test(prompt),
    steps: [{ tool: { name: "Bash", input: { command: "env", description: "Print the environment" } } }, { text: "done" }],
  },
];

let standIn: ModelStandIn;
let runner: ClaudeRunner;

function newRunner(options: { cliIdleMs?: number } = {}): ClaudeRunner {
  return new ClaudeRunner({
    runtime,
    credentials: { baseUrl: `http://host.docker.internal:${standIn.port}`, apiKey: "stand-in-key" },
    cliIdleMs: options.cliIdleMs ?? 10 * 60_000,
    defaultModel: "claude-sonnet-4-5",
  });
}

function conversation(name: string, agentId = "a1", user = "main"): Omit<AgentTurnRequest, "prompt"> {
  return { userId: `${prefix}-${user}`, agentId, conversationId: `${prefix}-${name}`, claudeSessionId: randomUUID() };
}

interface TurnRecord {
  events: AgentEvent[];
  outcome: Awaited<ReturnType<ClaudeRunner["runAgentTurn"]>>;
  toolOutputs: string[];
  text: string;
}

async function turn(
  request: Omit<AgentTurnRequest, "prompt">,
  prompt: string,
  options: { using?: ClaudeRunner; onEvent?: (event: AgentEvent) => void } = {},
): Promise<TurnRecord> {
  const events: AgentEvent[] = [];
  const outcome = await (options.using ?? runner).runAgentTurn({ ...request, prompt }, (event) => {
    events.push(event);
    options.onEvent?.(event);
  });
  for (const event of events) expect(agentEventSchema.safeParse(event).success).toBe(true);
  return {
    events,
    outcome,
    toolOutputs: events.flatMap((e) => (e.type === "tool_result" ? [e.output] : [])),
    text: outcome.result?.text ?? "",
  };
}

const removeTestResources = () => removeTestWorkspaces(docker, prefix);

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
  standIn = await createModelStandIn({ host: "0.0.0.0", port: 0, pacing: 0, scripts: testScripts });
  runner = newRunner();
});

afterAll(async () => {
  await runner?.shutdown();
  await standIn?.close();
  await removeTestResources();
});

describe("Claude runner with the real CLI", () => {
  it("keeps the conversation's context across turns, in one process and after a new one resumes", async () => {
    const chat = conversation("sum");
    const first = await turn(chat, "compute the sum of 1 to 100 in Python");
    expect(first.outcome.status).toBe("completed");
    expect(first.outcome.reusedProcess).toBe(false);
    expect(first.toolOutputs).toEqual(["5050"]);
    expect(first.text).toContain("5050");
    expect(first.events[0]).toMatchObject({ type: "session_started", sessionId: chat.claudeSessionId });
    expect(first.events.at(-1)).toMatchObject({ type: "result", subtype: "success", sessionId: chat.claudeSessionId });
    expect(first.events.some((e) => e.type === "text_delta")).toBe(true);
    expect(first.events.map((e) => e.type).filter((t) => t === "tool_use" || t === "tool_result")).toEqual(["tool_use", "tool_result"]);

    const followUp = await turn(chat, "now only the even numbers");
    expect(followUp.outcome.reusedProcess).toBe(true);
    expect(followUp.toolOutputs).toEqual(["2550"]);

    await runner.closeConversation(chat.conversationId);
    expect(runner.liveProcessCount).toBe(0);
    const resumed = await turn(chat, "now only the even numbers");
    expect(resumed.outcome.reusedProcess).toBe(false);
    expect(resumed.toolOutputs).toEqual(["2550"]);
    expect(resumed.outcome.result?.sessionId).toBe(chat.claudeSessionId);

    // Without the earlier turns the stand-in cannot know which numbers are meant.
    const fresh = await turn(conversation("no-history"), "now only the even numbers");
    expect(fresh.toolOutputs).toEqual([]);
    expect(fresh.text).not.toContain("2550");
  });

  it("ends an idle CLI process and resumes in a new one on the next message", async () => {
    const quickIdle = newRunner({ cliIdleMs: 500 });
    const chat = conversation("idle");
    expect((await turn(chat, "compute the sum of 1 to 100 in Python", { using: quickIdle })).toolOutputs).toEqual(["5050"]);
    expect(quickIdle.liveProcessCount).toBe(1);
    await waitFor(() => quickIdle.liveProcessCount === 0, 10_000);
    const next = await turn(chat, "now only the even numbers", { using: quickIdle });
    expect(next.outcome.reusedProcess).toBe(false);
    expect(next.toolOutputs).toEqual(["2550"]);
    await quickIdle.shutdown();
  });

  it("gives the agent's commands the workspace's environment, nothing of the server's", async () => {
    process.env.PLATFORM_HOST_ONLY_SENTINEL = "server-secret";
    const chat = conversation("env", "a1", "env");
    const printed = await turn(chat, "print your environment");
    delete process.env.PLATFORM_HOST_ONLY_SENTINEL;
    const environment = printed.toolOutputs[0] ?? "";
    expect(environment).toContain("HOME=/home/claude");
    expect(environment).toContain("CLAUDE_CONFIG_DIR=/workspace/.claude-agents/a1");
    expect(environment).not.toContain("server-secret");
    expect(environment).not.toContain(process.cwd());
  });

  it("keeps the agent's files and the conversation across re-creating the container", async () => {
    const chat = conversation("files", "writer", "files");
    expect((await turn(chat, "compute the sum of 1 to 100 in Python")).toolOutputs).toEqual(["5050"]);
    const written = await turn(chat, "create a file named hello.txt with content Hello from the agent");
    expect(written.outcome.status).toBe("completed");
    const workspace = await runtime.ensureWorkspace(chat.userId);
    expect((await runtime.exec(workspace, ["cat", "/workspace/agent-writer/hello.txt"])).stdout).toBe("Hello from the agent");

    // As in normal operation, the conversation's CLI has ended (CLI_IDLE_MINUTES is shorter than
    // WORKSPACE_IDLE_MINUTES) before its container goes; a container killed mid-write is the
    // workspace-lost test's subject, not this one's.
    await runner.closeConversation(chat.conversationId);
    await runtime.removeWorkspace(chat.userId);
    const recreated = await runtime.ensureWorkspace(chat.userId);
    expect(recreated.provisioning).toBe("created");
    expect((await runtime.exec(recreated, ["cat", "/workspace/agent-writer/hello.txt"])).stdout).toBe("Hello from the agent");

    const read = await turn(chat, "read hello.txt");
    expect(read.outcome.status).toBe("completed");
    expect(read.text).toContain("Hello from the agent");
    // The transcript lives on the volume too, so the new container's CLI resumes with the history.
    expect((await turn(chat, "now only the even numbers")).toolOutputs).toEqual(["2550"]);
  });

  it("does not let one user's agent see another user's files", async () => {
    const alice = conversation("alice", "a1", "alice");
    const mallory = conversation("mallory", "a1", "mallory");
    await turn(alice, "create a file named alice-secret.txt with content top secret");
    const search = await turn(mallory, "find alice's secret");
    expect(search.toolOutputs[0]).toContain("searched");
    expect(search.toolOutputs[0]).not.toContain("alice-secret");
    const steal = await turn(mallory, `read /workspace/agent-a1/alice-secret.txt`);
    expect(steal.text).not.toContain("top secret");
  });

  it("lets a memory hog fail its own tool call, not the platform", async () => {
    const chat = conversation("memory", "a1", "memory");
    const hog = await turn(chat, "allocate 3 GB of memory");
    expect(hog.outcome.status).toBe("completed");
    expect(hog.events.find((e) => e.type === "tool_result")).toMatchObject({ isError: true });
    expect(hog.toolOutputs[0]).not.toContain("allocated 3 GB");
    const after = await turn(chat, "compute the sum of 1 to 100 in Python");
    expect(after.toolOutputs).toEqual(["5050"]);
  });

  it("stops a fork loop at the pids limit", async () => {
    const chat = conversation("fork", "a1", "fork");
    const bomb = await turn(chat, "run a fork bomb");
    expect(bomb.outcome.status).toBe("completed");
    const report = bomb.toolOutputs[0] ?? "";
    expect(report).toMatch(/then the system refused/);
    expect(Number(/started (\d+) processes/.exec(report)?.[1])).toBeLessThan(512);
    expect((await turn(chat, "compute the sum of 1 to 100 in Python")).toolOutputs).toEqual(["5050"]);
  });

  it("stops a running turn within 2 seconds and keeps the conversation usable", async () => {
    const chat = conversation("stop", "a1", "stop");
    let stopRequestedAt = 0;
    const slow = turn(chat, "run a slow task", {
      onEvent: (event) => {
        if (event.type === "tool_use") {
          stopRequestedAt = Date.now();
          void runner.interruptTurn(chat.conversationId);
        }
      },
    });
    const stopped = await slow;
    const stopMs = Date.now() - stopRequestedAt;
    expect(stopRequestedAt).toBeGreaterThan(0);
    expect(stopMs).toBeLessThan(2_000);
    expect(stopped.outcome.status).toBe("interrupted");
    expect(stopped.events.at(-1)).toMatchObject({ type: "result", subtype: "interrupted", isError: false });

    const workspace = await runtime.ensureWorkspace(chat.userId);
    const leftovers = await runtime.exec(workspace, ["sh", "-c", "ps -eo args | grep -c '^sleep 120' || true"]);
    expect(leftovers.stdout.trim()).toBe("0");

    const next = await turn(chat, "compute the sum of 1 to 100 in Python");
    expect(next.toolOutputs).toEqual(["5050"]);
  });

  it("reports a killed workspace as workspace_lost, and the next message works", async () => {
    const chat = conversation("killed", "a1", "killed");
    await turn(chat, "compute the sum of 1 to 100 in Python");
    const workspace = await runtime.ensureWorkspace(chat.userId);
    const lost = await turn(chat, "run a slow task", {
      onEvent: (event) => {
        if (event.type === "tool_use") void docker.getContainer(workspace.id).kill();
      },
    });
    expect(lost.outcome.status).toBe("failed");
    expect(lost.events.at(-1)).toMatchObject({ type: "error", code: "workspace_lost" });

    const next = await turn(chat, "now only the even numbers");
    expect(next.outcome.status).toBe("completed");
    expect(next.toolOutputs).toEqual(["2550"]);
  });

  it("runs two agents of one user at the same time without mixing them up", async () => {
    const first = conversation("twin-1", "twin1", "twins");
    const second = conversation("twin-2", "twin2", "twins");
    const [a, b] = await Promise.all([turn(first, "compute the sum of 1 to 100 in Python"), turn(second, "compute the sum of 1 to 100 in Python")]);
    expect(a.toolOutputs).toEqual(["5050"]);
    expect(b.toolOutputs).toEqual(["5050"]);
    expect(a.outcome.result?.sessionId).toBe(first.claudeSessionId);
    expect(b.outcome.result?.sessionId).toBe(second.claudeSessionId);
    const [a2, b2] = await Promise.all([turn(first, "now only the even numbers"), turn(second, "now only the even numbers")]);
    expect(a2.toolOutputs).toEqual(["2550"]);
    expect(b2.toolOutputs).toEqual(["2550"]);

    const workspace = await runtime.ensureWorkspace(first.userId);
    const transcripts = await runtime.exec(workspace, ["sh", "-c", "ls /workspace/.claude-agents/*/projects/*/"]);
    expect(transcripts.stdout).toContain(`${first.claudeSessionId}.jsonl`);
    expect(transcripts.stdout).toContain(`${second.claudeSessionId}.jsonl`);
  });

  it("refuses a second message while the agent is still answering", async () => {
    const chat = conversation("busy", "a1", "busy");
    const running = turn(chat, "run a slow task", {
      onEvent: (event) => {
        if (event.type === "tool_use") void runner.interruptTurn(chat.conversationId);
      },
    });
    await expect(runner.runAgentTurn({ ...chat, prompt: "hello" }, () => undefined)).rejects.toMatchObject({ code: "conflict" });
    await running;
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
