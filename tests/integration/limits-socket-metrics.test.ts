import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { handleMetricsRequest } from "../../server/metrics/metrics-http";
import { collectRun, startTestPlatform, type TestPlatform } from "./support/test-platform";

/**
 * Limits and metrics as a person and an operator meet them, on the real platform: a socket client
 * chatting with an agent in a real container (real CLI, offline demo model), a workspace woken after
 * it was stopped, the messages-per-minute refusal, and /metrics counting what happened.
 */
let testPlatform: TestPlatform;
let url: string;
let token: string;
let userId: string;
let sleeperToken: string;
let sleeperId: string;

beforeAll(async () => {
  testPlatform = await startTestPlatform({
    name: "limits-socket",
    env: { MODEL_STAND_IN_PORT: "3273", MESSAGES_PER_MINUTE: "2" },
    // /metrics as server.ts serves it, without a token: this machine only.
    handleRequest: (req, res) => {
      if (req.url === "/metrics") void handleMetricsRequest(req, res, undefined);
      else res.writeHead(404).end();
    },
  });
  url = testPlatform.url;
  ({ userId, token } = await testPlatform.newGuest());
  ({ userId: sleeperId, token: sleeperToken } = await testPlatform.newGuest());
});

afterAll(async () => {
  await testPlatform.close();
});

function connected(as = token): Promise<Socket> {
  return testPlatform.connectSocket(as);
}

async function scrape(): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

/** The value of one sample, e.g. value(text, 'agentdesk_runs_started_total{trigger="chat"}'); 0 when absent. */
function value(text: string, sample: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe("limits over the socket, and /metrics", () => {
  it("wakes a stopped workspace with a notice, refuses the third message in a minute, and counts it all in /metrics", async () => {
    const { store, conversations, runtime } = testPlatform.platform.services;
    const before = await scrape();
    for (const name of [
      "agentdesk_sockets_connected",
      "agentdesk_workspaces",
      "agentdesk_live_clis",
      "agentdesk_live_cli_cap",
      "agentdesk_run_queue_length",
      "agentdesk_runs_started_total",
      "agentdesk_runs_finished_total",
      "agentdesk_run_duration_seconds",
      "agentdesk_run_first_event_seconds",
      "agentdesk_docker_api_errors_total",
      "agentdesk_limit_refusals_total",
      "agentdesk_process_resident_memory_bytes",
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }

    // Two messages in a row are fine (two conversations run at once); the third within the minute is refused.
    const agent = await store.createAgent({ ownerId: userId, name: "Calculator", model: "claude-sonnet-4-5" });
    const [first, second, third] = await Promise.all([1, 2, 3].map(() => conversations.createConversation({ userId }, agent.id)));
    const socket = await connected();
    for (const conversation of [first!, second!]) await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    const runs = [collectRun(socket, first!.id), collectRun(socket, second!.id)];
    const send = (conversationId: string, clientMessageId: string) =>
      socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId, text: "compute the sum of 1 to 100 in Python", clientMessageId });
    expect(await send(first!.id, "m1")).toMatchObject({ ok: true });
    expect(await send(second!.id, "m2")).toMatchObject({ ok: true });
    const refused = await send(third!.id, "m3");
    expect(refused).toMatchObject({ ok: false, error: { code: "rate_limited", message: expect.stringMatching(/MESSAGES_PER_MINUTE\)\. Try again in (\d+ seconds?|1 minute)\./) } });
    expect(await store.listMessages(third!.id)).toEqual([]);
    // The session survives the refusal, and the runs already going finish.
    expect(await socket.emitWithAck("platform:ping", { sentAt: Date.now() })).toMatchObject({ ok: true });
    for (const run of runs) expect((await run).at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
    const during = await scrape();
    expect(value(during, "agentdesk_sockets_connected")).toBeGreaterThanOrEqual(1);
    expect(value(during, "agentdesk_live_clis")).toBeGreaterThanOrEqual(2);
    expect(value(during, 'agentdesk_workspaces{state="running"}')).toBeGreaterThanOrEqual(1);

    // The idle sweeper's doing, done by hand: the next message must wake the workspace, and say so.
    const sleepyAgent = await store.createAgent({ ownerId: sleeperId, name: "Sleepy", model: "claude-sonnet-4-5" });
    const sleepyChat = await conversations.createConversation({ userId: sleeperId }, sleepyAgent.id);
    await runtime.ensureWorkspace(sleeperId);
    const sleeperSocket = await connected(sleeperToken);
    await sleeperSocket.emitWithAck("conversation:follow", { conversationId: sleepyChat.id, afterSeq: -1 });
    // Culled after the chat was opened (so no prewarm is waking it when the message comes), and
    // removed, not only stopped: a stopped container can start within the notice's 300 ms on an
    // idle engine, a removed one is created again, which takes longer everywhere.
    await runtime.removeWorkspace(sleeperId);
    const wakeRun = collectRun(sleeperSocket, sleepyChat.id);
    await sleeperSocket.emitWithAck("conversation:send", { agentId: sleepyAgent.id, conversationId: sleepyChat.id, text: "compute the sum of 1 to 100 in Python", clientMessageId: "w1" });
    const events = await wakeRun;
    const types = events.map((envelope) => envelope.event.type);
    expect(types).toContain("workspace_starting");
    expect(types.indexOf("workspace_starting")).toBeLessThan(types.indexOf("text_delta"));
    expect(events.find((envelope) => envelope.event.type === "workspace_starting")?.event).toMatchObject({ message: expect.stringMatching(/^Waking up your workspace/) });
    expect(events.at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
    sleeperSocket.disconnect();

    const after = await scrape();
    const chatStarted = 'agentdesk_runs_started_total{trigger="chat"}';
    const chatComplete = 'agentdesk_runs_finished_total{trigger="chat",status="complete"}';
    const refusals = 'agentdesk_limit_refusals_total{limit="messages_per_minute"}';
    expect(value(after, chatStarted) - value(before, chatStarted)).toBe(3);
    expect(value(after, chatComplete) - value(before, chatComplete)).toBe(3);
    expect(value(after, refusals) - value(before, refusals)).toBe(1);
    expect(value(after, 'agentdesk_run_duration_seconds_count{status="complete"}') - value(before, 'agentdesk_run_duration_seconds_count{status="complete"}')).toBe(3);
    expect(value(after, "agentdesk_run_first_event_seconds_count") - value(before, "agentdesk_run_first_event_seconds_count")).toBe(3);
    socket.disconnect();
  });
});
