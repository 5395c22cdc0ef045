import { EventEmitter } from "node:events";
import type { Options, Query, SDKUserMessage } from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it, vi } from "vitest";

import type { AgentEvent } from "../../lib/agent-events";
import { AppError } from "../../lib/errors";
import type { RunWaitEvent } from "../../lib/socket-events";
import { ClaudeRunner, type AgentTurnRequest } from "../../server/claude/claude-runner";
import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import type { WorkspaceHandle, WorkspaceRuntime } from "../../server/workspaces/workspace-runtime";

vi.mock("../../server/logger", () => ({ logger: { warn: () => undefined, debug: () => undefined, error: () => undefined, info: () => undefined } }));

const sessionId = "7f41411b-0d51-4fcb-8e37-f6af11f13d91";

/** How the fake CLI answers a prompt: normally, by hanging until interrupted, or by crashing. */
type Reply = "answer" | "hang" | "hang-and-ignore-interrupt" | "crash" | "model-down";

interface FakeCli {
  queries: { options: Options; closed: boolean; boot: () => void }[];
  sdk: { query: (params: { prompt: string | AsyncIterable<SDKUserMessage>; options?: Options }) => Query };
}

/** `holdBoot`: each CLI answers its initialize handshake only when the test calls its `boot()`. */
function fakeCli(reply: (prompt: string) => Reply, options: { holdBoot?: boolean } = {}): FakeCli {
  const cli: FakeCli = { queries: [], sdk: { query: () => undefined as unknown as Query } };
  cli.sdk.query = ({ prompt, options: queryOptions = {} }) => {
    let boot = () => undefined as void;
    const booted = options.holdBoot ? new Promise<void>((resolve) => (boot = resolve)) : Promise.resolve();
    const record = { options: queryOptions, closed: false, boot: () => boot() };
    cli.queries.push(record);
    const events = new EventEmitter();
    let interrupted = false;
    async function* run() {
      await Promise.race([booted, new Promise((resolve) => events.once("close", resolve))]);
      if (record.closed) return;
      for await (const message of prompt as AsyncIterable<SDKUserMessage>) {
        if (record.closed) return;
        const text = String(message.message.content);
        yield { type: "system", subtype: "init", session_id: sessionId, model: "m", tools: ["Bash"] };
        const mode = reply(text);
        if (mode === "crash") throw new Error("Claude Code process exited with code 137");
        if (mode === "model-down") {
          const failure = "API Error: Connection refused (ECONNREFUSED)";
          yield { type: "result", subtype: "success", is_error: true, result: failure, api_error_status: null, terminal_reason: "api_error", session_id: sessionId };
          continue;
        }
        if (mode === "hang" || mode === "hang-and-ignore-interrupt") {
          // An interrupt that arrived before the CLI got this far still stops it, as with the real CLI.
          if (!(mode === "hang" && interrupted)) {
            await new Promise<void>((resolve) => {
              events.once("close", resolve);
              if (mode === "hang") events.once("interrupt", resolve);
            });
          }
          interrupted = false;
          if (record.closed) return;
          yield { type: "result", subtype: "error_during_execution", is_error: true, terminal_reason: "aborted_tools", session_id: sessionId, total_cost_usd: 0 };
          continue;
        }
        yield { type: "stream_event", parent_tool_use_id: null, event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: `re: ${text}` } } };
        yield { type: "assistant", parent_tool_use_id: null, message: { content: [{ type: "text", text: `re: ${text}` }] } };
        yield { type: "result", subtype: "success", is_error: false, result: `re: ${text}`, session_id: sessionId, num_turns: 1, total_cost_usd: 0.01 };
      }
    }
    const generator = run();
    return Object.assign(generator, {
      initializationResult: () => booted.then(() => ({})),
      interrupt: async () => {
        interrupted = true;
        events.emit("interrupt");
        return undefined;
      },
      close: () => {
        record.closed = true;
        events.emit("close");
      },
    }) as unknown as Query;
  };
  return cli;
}

function fakeRuntime(options: { transcriptExists?: boolean; ensureFails?: boolean } = {}) {
  let generation = 1;
  let alive = true;
  const runtime = {
    ensureWorkspace: vi.fn(async (userId: string): Promise<WorkspaceHandle> => {
      if (options.ensureFails) throw new AppError("workspace_unavailable", "The container engine did not answer.");
      if (!alive) {
        alive = true;
        generation += 1;
      }
      return { userId, id: "container-1", name: `agent-ws-${userId}`, generation: String(generation), provisioning: "reused" };
    }),
    ensureAgentPaths: vi.fn(async (_: WorkspaceHandle, agentId: string) => ({
      workdir: `/workspace/agent-${agentId}`,
      claudeConfigDir: `/workspace/.claude-agents/${agentId}`,
    })),
    exec: vi.fn(async () => ({ exitCode: 0, stdout: options.transcriptExists ? `/x/${sessionId}.jsonl\n` : "", stderr: "", timedOut: false })),
    isCurrent: vi.fn(async (handle: WorkspaceHandle) => alive && handle.generation === String(generation)),
    diskLimitBytes: vi.fn(async () => 2_048 * 1024 * 1024),
  };
  return {
    runtime: runtime as unknown as WorkspaceRuntime,
    mocks: runtime,
    killWorkspace: () => {
      alive = false;
    },
  };
}

const request: Omit<AgentTurnRequest, "prompt"> = { userId: "ann", agentId: "a1", conversationId: "conv-1", claudeSessionId: sessionId };

async function collect(runner: ClaudeRunner, prompt: string, overrides: Partial<AgentTurnRequest> = {}) {
  const events: AgentEvent[] = [];
  const outcome = await runner.runAgentTurn({ ...request, ...overrides, prompt }, (event) => events.push(event));
  return { events, outcome };
}

describe("Claude runner", () => {
  it("streams a turn's events and keeps the CLI process for the next turn", async () => {
    const cli = fakeCli(() => "answer");
    const { runtime } = fakeRuntime();
    const runner = new ClaudeRunner({ runtime, credentials: { apiKey: "k" }, cliIdleMs: 60_000, sdk: cli.sdk });

    const first = await collect(runner, "hello");
    expect(first.events.map((e) => e.type)).toEqual(["session_started", "text_delta", "text", "result"]);
    expect(first.outcome).toMatchObject({ status: "completed", reusedProcess: false, result: { text: "re: hello", costUsd: 0.01 } });

    const second = await collect(runner, "again");
    expect(second.outcome).toMatchObject({ status: "completed", reusedProcess: true });
    expect(cli.queries).toHaveLength(1);
    expect(cli.queries[0]?.options).toMatchObject({ sessionId, cwd: "/workspace/agent-a1", includePartialMessages: true, permissionMode: "bypassPermissions" });
    await runner.shutdown();
  });

  it("creates the Claude session on the first turn and resumes it when its transcript exists", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({ runtime: fakeRuntime({ transcriptExists: true }).runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    await collect(runner, "hello");
    expect(cli.queries[0]?.options).toMatchObject({ resume: sessionId });
    expect(cli.queries[0]?.options.sessionId).toBeUndefined();
    await runner.shutdown();
  });

  it("passes only the platform's environment and the agent's settings to the CLI", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({
      runtime: fakeRuntime().runtime,
      credentials: { apiKey: "sk-test", baseUrl: "http://host.docker.internal:3199" },
      cliIdleMs: 60_000,
      defaultModel: "claude-sonnet-4-5",
      sdk: cli.sdk,
    });
    await collect(runner, "hello", { instructions: "Answer briefly.", maxTurns: 5 });
    const options = cli.queries[0]?.options;
    expect(options?.env).toEqual(
      expect.objectContaining({
        ANTHROPIC_API_KEY: "sk-test",
        ANTHROPIC_BASE_URL: "http://host.docker.internal:3199",
        CLAUDE_CONFIG_DIR: "/workspace/.claude-agents/a1",
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      }),
    );
    expect(options?.env?.PATH).toBeUndefined();
    expect(options).toMatchObject({ model: "claude-sonnet-4-5", maxTurns: 5, systemPrompt: { type: "preset", preset: "claude_code", append: "Answer briefly." } });
    await runner.shutdown();
  });

  it("starts a new process when the agent's settings change between turns", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    await collect(runner, "hello", { model: "model-a" });
    const second = await collect(runner, "hello", { model: "model-b" });
    expect(second.outcome.reusedProcess).toBe(false);
    expect(cli.queries).toHaveLength(2);
    expect(cli.queries[0]?.closed).toBe(true);
    await runner.shutdown();
  });

  it("ends a stopped turn as interrupted", async () => {
    const cli = fakeCli((prompt) => (prompt === "slow" ? "hang" : "answer"));
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    const turn = collect(runner, "slow");
    await vi.waitFor(() => expect(runner.isTurnRunning("conv-1")).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await runner.interruptTurn("conv-1")).toBe(true);
    const { outcome, events } = await turn;
    expect(outcome.status).toBe("interrupted");
    expect(events.at(-1)).toMatchObject({ type: "result", subtype: "interrupted", isError: false });
    expect((await collect(runner, "next")).outcome.reusedProcess).toBe(true);
    await runner.shutdown();
  });

  it("ends the turn anyway when the CLI ignores the stop, and resumes in a new process", async () => {
    const cli = fakeCli((prompt) => (prompt === "stuck" ? "hang-and-ignore-interrupt" : "answer"));
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, interruptGraceMs: 100, sdk: cli.sdk });
    const turn = collect(runner, "stuck");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stoppedAt = Date.now();
    await runner.interruptTurn("conv-1");
    const { outcome } = await turn;
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(outcome.status).toBe("interrupted");
    expect(cli.queries[0]?.closed).toBe(true);
    const next = await collect(runner, "next");
    expect(next.outcome).toMatchObject({ status: "completed", reusedProcess: false });
    await runner.shutdown();
  });

  it("reports workspace_lost when the workspace died under the CLI", async () => {
    const { runtime, killWorkspace } = fakeRuntime();
    const cli = fakeCli((prompt) => {
      if (prompt !== "doomed") return "answer";
      killWorkspace();
      return "crash";
    });
    const runner = new ClaudeRunner({ runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    const { outcome, events } = await collect(runner, "doomed");
    expect(outcome.status).toBe("failed");
    expect(events.at(-1)).toMatchObject({ type: "error", code: "workspace_lost" });
    const next = await collect(runner, "again");
    expect(next.outcome).toMatchObject({ status: "completed", reusedProcess: false });
    await runner.shutdown();
  });

  it("fails a turn whose model cannot be reached, and says so", async () => {
    const cli = fakeCli(() => "model-down");
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    const { outcome, events } = await collect(runner, "hello");
    expect(outcome).toMatchObject({ status: "failed", error: { code: "model_unavailable" } });
    expect(events.map((e) => e.type)).toEqual(["session_started", "error", "result"]);
    await runner.shutdown();
  });

  it("turns a workspace that cannot start into an error event", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({ runtime: fakeRuntime({ ensureFails: true }).runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    const { outcome, events } = await collect(runner, "hello");
    expect(outcome.status).toBe("failed");
    expect(events).toEqual([{ type: "error", code: "workspace_unavailable", message: "The container engine did not answer." }]);
    expect(runner.isTurnRunning("conv-1")).toBe(false);
  });

  it("refuses bad ids and a second message while one is being answered", async () => {
    const cli = fakeCli((prompt) => (prompt === "slow" ? "hang" : "answer"));
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    await expect(collect(runner, "x", { agentId: "../a" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(collect(runner, "x", { claudeSessionId: "not-a-uuid" })).rejects.toMatchObject({ code: "bad_request" });
    const slow = collect(runner, "slow");
    await expect(collect(runner, "x")).rejects.toMatchObject({ code: "conflict" });
    await runner.interruptTurn("conv-1");
    await slow;
    await runner.shutdown();
  });

  it("marks the workspace busy while a turn runs", async () => {
    const cli = fakeCli((prompt) => (prompt === "slow" ? "hang" : "answer"));
    const activity = new WorkspaceActivity();
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, activity, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    const slow = collect(runner, "slow");
    expect(activity.isBusy("ann")).toBe(true);
    await runner.interruptTurn("conv-1");
    await slow;
    expect(activity.isBusy("ann")).toBe(false);
    await runner.shutdown();
  });

  it("starts the CLI ahead of the first message when asked to prewarm", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, sdk: cli.sdk });
    await Promise.all([runner.prewarmConversation(request), runner.prewarmConversation(request)]);
    expect(cli.queries).toHaveLength(1);
    const first = await collect(runner, "hello");
    expect(first.outcome).toMatchObject({ status: "completed", reusedProcess: true });
    expect(cli.queries).toHaveLength(1);
    await runner.shutdown();
  });

  it("closes a CLI process after it has been idle", async () => {
    const cli = fakeCli(() => "answer");
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 50, sdk: cli.sdk });
    await collect(runner, "hello");
    expect(runner.liveProcessCount).toBe(1);
    await vi.waitFor(() => expect(runner.liveProcessCount).toBe(0), { timeout: 2_000 });
    expect(cli.queries[0]?.closed).toBe(true);
  });

  it("does not end a CLI for being idle while it answers a turn that outlasts the idle time", async () => {
    const cli = fakeCli((prompt) => (prompt === "slow" ? "hang" : "answer"));
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 30, sdk: cli.sdk });
    await runner.prewarmConversation(request);
    const slow = collect(runner, "slow");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(cli.queries).toHaveLength(1);
    expect(cli.queries[0]?.closed).toBe(false);
    expect(runner.liveProcessCount).toBe(1);
    await runner.interruptTurn("conv-1");
    expect((await slow).outcome).toMatchObject({ status: "interrupted", reusedProcess: true });
    await runner.shutdown();
  });

  it("ends the least recently used idle CLI for a turn waiting for a slot, never one answering a turn", async () => {
    const cli = fakeCli((prompt) => (prompt === "slow" ? "hang" : "answer"));
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, maxLiveClis: 3, sdk: cli.sdk });
    const chat = (name: string, claudeSessionId: string) => ({ conversationId: name, claudeSessionId });
    const busy = chat("busy", "00000000-0000-4000-8000-000000000001");
    const older = chat("older", "00000000-0000-4000-8000-000000000002");
    const newer = chat("newer", "00000000-0000-4000-8000-000000000003");
    const next = chat("next", "00000000-0000-4000-8000-000000000004");
    const queryOf = (c: { claudeSessionId: string }) => cli.queries.find((query) => query.options.sessionId === c.claudeSessionId);

    const slow = collect(runner, "slow", busy);
    await vi.waitFor(() => expect(queryOf(busy)).toBeDefined());
    await collect(runner, "hello", older);
    await collect(runner, "hello", newer);
    expect(runner.liveProcessCount).toBe(3);

    const waits: RunWaitEvent[] = [];
    const outcome = await runner.runAgentTurn({ ...request, ...next, prompt: "hello" }, () => undefined, (event) => waits.push(event));
    expect(outcome.status).toBe("completed");
    expect(waits.filter((event) => event.type === "run_queued")).toEqual([]);
    expect(queryOf(older)?.closed).toBe(true);
    expect(queryOf(newer)?.closed).toBe(false);
    expect(queryOf(busy)?.closed).toBe(false);
    expect(runner.isTurnRunning("busy")).toBe(true);
    expect(runner.liveProcessCount).toBe(3);

    await runner.interruptTurn("busy");
    expect((await slow).outcome.status).toBe("interrupted");
    await runner.shutdown();
  });

  it("lets only MAX_CLI_STARTS CLIs boot at once: the next start waits, told its place, until one has booted", async () => {
    const cli = fakeCli(() => "answer", { holdBoot: true });
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, maxLiveClis: 10, maxCliStarts: 1, sdk: cli.sdk });
    const first = collect(runner, "hello", { conversationId: "first" });
    await vi.waitFor(() => expect(cli.queries).toHaveLength(1));
    expect(runner.startsInProgress).toBe(1);
    const waits: RunWaitEvent[] = [];
    const second = runner.runAgentTurn({ ...request, conversationId: "second", claudeSessionId: "00000000-0000-4000-8000-000000000002", prompt: "hi" }, () => undefined, (event) => waits.push(event));
    await vi.waitFor(() => expect(waits).toContainEqual(expect.objectContaining({ type: "run_queued", position: 1 })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cli.queries).toHaveLength(1);
    expect(runner.busy).toBe(true);

    cli.queries[0]!.boot();
    await vi.waitFor(() => expect(cli.queries).toHaveLength(2));
    cli.queries[1]!.boot();
    expect((await first).outcome.status).toBe("completed");
    expect((await second).status).toBe("completed");
    expect(runner.startsInProgress).toBe(0);
    expect(runner.liveProcessCount).toBe(2);
    await runner.shutdown();
  });

  it("prewarms only with a start slot free, and a prewarm still booting gives its slot to a message that waits", async () => {
    const cli = fakeCli(() => "answer", { holdBoot: true });
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, maxLiveClis: 10, maxCliStarts: 1, sdk: cli.sdk });
    await runner.prewarmConversation({ ...request, conversationId: "opened" });
    expect(cli.queries).toHaveLength(1);
    expect(runner.startsInProgress).toBe(1);

    const waits: RunWaitEvent[] = [];
    const sent = runner.runAgentTurn({ ...request, conversationId: "sent", claudeSessionId: "00000000-0000-4000-8000-000000000002", prompt: "hi" }, () => undefined, (event) => waits.push(event));
    // The prewarm is ended at once and the message's CLI starts in its slot.
    await vi.waitFor(() => expect(cli.queries).toHaveLength(2));
    expect(cli.queries[0]!.closed).toBe(true);
    // With the slot taken by a real message, another prewarm starts nothing.
    await runner.prewarmConversation({ ...request, conversationId: "also-opened", claudeSessionId: "00000000-0000-4000-8000-000000000003" });
    expect(cli.queries).toHaveLength(2);
    cli.queries[1]!.boot();
    expect((await sent).status).toBe("completed");
    expect(runner.liveProcessCount).toBe(1);
    await runner.shutdown();
  });

  it("keeps idle CLIs (and their fast follow-ups) when a message waits only for a start slot, not for memory", async () => {
    const cli = fakeCli(() => "answer", { holdBoot: true });
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, maxLiveClis: 10, maxCliStarts: 1, sdk: cli.sdk });
    const idle = collect(runner, "hello", { conversationId: "idle" });
    await vi.waitFor(() => expect(cli.queries).toHaveLength(1));
    cli.queries[0]!.boot();
    await idle;
    const booting = collect(runner, "hello", { conversationId: "booting", claudeSessionId: "00000000-0000-4000-8000-000000000002" });
    await vi.waitFor(() => expect(cli.queries).toHaveLength(2));
    const waiting = collect(runner, "hello", { conversationId: "waiting", claudeSessionId: "00000000-0000-4000-8000-000000000003" });
    await vi.waitFor(() => expect(runner.queuedTurnCount).toBe(1));
    expect(cli.queries[0]!.closed).toBe(false);
    cli.queries[1]!.boot();
    await vi.waitFor(() => expect(cli.queries).toHaveLength(3));
    cli.queries[2]!.boot();
    await Promise.all([booting, waiting]);
    expect(cli.queries.map((query) => query.closed)).toEqual([false, false, false]);
    expect(runner.liveProcessCount).toBe(3);
    await runner.shutdown();
  });

  it("keeps a prewarm that booted, for the message that follows in its own conversation", async () => {
    const cli = fakeCli(() => "answer", { holdBoot: true });
    const runner = new ClaudeRunner({ runtime: fakeRuntime().runtime, credentials: {}, cliIdleMs: 60_000, maxLiveClis: 10, maxCliStarts: 1, sdk: cli.sdk });
    await runner.prewarmConversation(request);
    const sent = collect(runner, "hello");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cli.queries[0]!.closed).toBe(false);
    cli.queries[0]!.boot();
    expect((await sent).outcome).toMatchObject({ status: "completed", reusedProcess: true });
    expect(cli.queries).toHaveLength(1);
    await runner.shutdown();
  });
});
