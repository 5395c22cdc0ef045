import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, FollowAckData, SendAckData } from "../../lib/socket-events";
import { startClusterScenario, type ClusterScenario } from "./support/cluster-scenario";
import { connectSocket, nextEvent } from "./support/server-process";
import { until } from "./support/wait-until";

/**
 * Three real replicas on one real Redis: a person's limits are theirs, not a replica's; Redis
 * restarting mid-run costs no stored message, and /health and the logs say when it was down.
 */
let cluster: ClusterScenario;

beforeAll(async () => {
  // Two runs at once per person keeps the limits test to two live CLIs.
  cluster = await startClusterScenario({ name: "cluster-redis", replicas: 3, env: { MAX_CONCURRENT_RUNS_PER_USER: "2", MESSAGES_PER_MINUTE: "20" } });
});

afterAll(async () => {
  await cluster?.close();
});

async function health(url: string): Promise<{ status: number; body: { checks?: Record<string, { status: string; error?: string }> } }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as { checks?: Record<string, { status: string; error?: string }> } };
}

describe("limits across replicas", () => {
  it("30 messages in a minute spread over 3 replicas: the 21st to the 30th are refused, whichever replica they reach", async () => {
    const sockets = await Promise.all(cluster.replicas.map((replica) => connectSocket(replica.url, cluster.guest.token)));
    const codes: string[] = [];
    const conversations: string[] = [];
    for (let index = 0; index < 30; index += 1) {
      const conversation = await cluster.newConversation();
      conversations.push(conversation.id);
      const ack: Ack<SendAckData> = await sockets[index % 3]!.emitWithAck("conversation:send", {
        agentId: cluster.guest.agentId,
        conversationId: conversation.id,
        text: "run a slow task",
        clientMessageId: `limit-${index}`,
      });
      codes.push(ack.ok ? "ok" : ack.error.code);
      if (index === 20 && !ack.ok) expect(ack.error.message).toMatch(/You've sent 20 messages in the last minute.*MESSAGES_PER_MINUTE.*Try again in/);
    }
    // The first 20 were counted (the ones beyond two at once met the runs-at-once quota), the other 10 not.
    expect(codes.slice(0, 2)).toEqual(["ok", "ok"]);
    expect(codes.slice(0, 20).every((code) => code === "ok" || code === "quota_exceeded"), codes.join(",")).toBe(true);
    expect(codes.slice(20)).toEqual(Array(10).fill("rate_limited"));

    // The runs stop, from whichever replica: nothing is left running for the next test.
    const started = conversations.filter((_, index) => codes[index] === "ok");
    const runs = await Promise.all(started.map(async (conversationId) => (await cluster.store.listRunsByConversation(conversationId))[0]));
    expect(runs.filter((run) => run?.status === "running").length, JSON.stringify(runs)).toBeLessThanOrEqual(2);
    for (const conversationId of started) await sockets[2]!.emitWithAck("conversation:stop", { conversationId });
    for (const conversationId of started) {
      await until("the run to end", async () => (await cluster.store.listRunsByConversation(conversationId))[0]?.status !== "running", 60_000);
    }
    for (const socket of sockets) socket.disconnect();
  });
});

describe("Redis goes away", () => {
  it("restarted mid-run: the run finishes and is stored, the logs say Redis was down and back", async () => {
    const [one] = cluster.replicas;
    // The limits test used this minute's messages: a new person.
    const user = await cluster.store.createUser({ type: "guest" });
    const session = await cluster.store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
    const agent = await cluster.store.createAgent({ ownerId: user.id, name: "Timer", model: "claude-sonnet-4-5" });
    const conversation = await cluster.store.createConversation({ agentId: agent.id, ownerId: user.id });
    const socket = await connectSocket(one!.url, session.id);
    const follow: Ack<FollowAckData> = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    expect(follow.ok).toBe(true);
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    const sent: Ack<SendAckData> = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: conversation.id, text: "run a ten second task", clientMessageId: "redis-1" });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    await toolStarted;

    await cluster.redis.restart();
    await until(
      "the reply to be stored as complete",
      async () => {
        const messages = await cluster.store.listMessages(conversation.id);
        return messages.length === 2 && messages[1]!.status === "complete" ? messages : null;
      },
      90_000,
    );
    const messages = await cluster.store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(JSON.stringify(messages[1]!.content)).toContain("The ten-second task finished and printed: started");
    expect((await cluster.store.listRunsByConversation(conversation.id))[0]).toMatchObject({ status: "complete" });
    await until("the replica to log that Redis went away and came back", async () => /Redis is unreachable[\s\S]*Redis is reachable again/.test(one!.output()), 30_000);
    socket.disconnect();
    await cluster.store.deleteConversation(conversation.id);
  });

  it("/health says redis is down while it is, and ok once it is back", async () => {
    const [, two] = cluster.replicas;
    await until("a healthy redis check", async () => (await health(two!.url)).body.checks?.redis?.status === "ok", 30_000);
    await cluster.redis.kill();
    const down = await until(
      "/health to report redis down",
      async () => {
        const answer = await health(two!.url);
        return answer.body.checks?.redis?.status === "error" ? answer : null;
      },
      30_000,
    );
    expect(down.status).toBe(503);
    expect(down.body.checks?.redis?.error).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/? is \w+/);
    // A message sent meanwhile is refused with a sentence saying what to do, and nothing is stored.
    const user = await cluster.store.createUser({ type: "guest" });
    const session = await cluster.store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
    const agent = await cluster.store.createAgent({ ownerId: user.id, name: "Patient", model: "claude-sonnet-4-5" });
    const conversation = await cluster.store.createConversation({ agentId: agent.id, ownerId: user.id });
    const socket = await connectSocket(two!.url, session.id);
    const refused: Ack<SendAckData> = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: conversation.id, text: "hello", clientMessageId: "while-down" });
    expect(refused).toMatchObject({ ok: false, error: { code: "store_unavailable", message: expect.stringMatching(/Redis\) is not answering.*Try again in a few seconds/) } });
    expect(await cluster.store.listMessages(conversation.id)).toEqual([]);
    socket.disconnect();
    await cluster.redis.restart();
    await until("/health to be ok again", async () => (await health(two!.url)).status === 200, 30_000);
  });
});
