import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, FollowAckData, RunEventEnvelope, SendAckData } from "../../lib/socket-events";
import type { Message } from "../../lib/records";
import { connectFollowingTab, startClusterScenario, type ClusterScenario } from "./support/cluster-scenario";
import { collectRun, connectSocket, finishedOf, nextEvent } from "./support/server-process";
import { until } from "./support/wait-until";
import { markedProcessesIn } from "./support/test-workspaces";

/**
 * Two replicas of the real server behind the real nginx, sharing a real Redis and one store, with
 * the real CLI in a real container: rooms, run events, messages and Stop work across replicas,
 * and a replica killed mid-run loses nothing a person sent or received.
 */
const leaseSeconds = 6;
let cluster: ClusterScenario;

const text = (message: Message) => message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
const seqs = (events: RunEventEnvelope[]) => events.map((envelope) => envelope.seq);

async function follow(url: string, conversationId: string) {
  const socket = await connectSocket(url, cluster.guest.token);
  const ack: Ack<FollowAckData> = await socket.emitWithAck("conversation:follow", { conversationId, afterSeq: -1 });
  expect(ack.ok, JSON.stringify(ack)).toBe(true);
  return socket;
}

async function send(url: string, conversationId: string, textToSend: string, clientMessageId: string): Promise<SendAckData> {
  const socket = await connectSocket(url, cluster.guest.token);
  try {
    const ack: Ack<SendAckData> = await socket.emitWithAck("conversation:send", { agentId: cluster.guest.agentId, conversationId, text: textToSend, clientMessageId });
    if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    return ack.data;
  } finally {
    socket.disconnect();
  }
}

/** Command lines of the processes in the guest's workspace that the given replica started. */
const processesOf = (instanceId: string) => markedProcessesIn(cluster.docker, cluster.guest.userId, `AGENTDESK_SERVER_INSTANCE=${instanceId}`, { exact: true });

beforeAll(async () => {
  cluster = await startClusterScenario({ name: "cluster", replicas: 2, env: { RUN_LEASE_SECONDS: String(leaseSeconds) } });
});

afterAll(async () => {
  await cluster?.close();
});

describe("two replicas behind nginx", () => {
  it("a tab on replica 1 and a second tab on replica 2 see the same run's events, in order, exactly once", async () => {
    const [one, two] = cluster.replicas;
    const conversation = await cluster.newConversation();
    const tabOne = await follow(one!.url, conversation.id);
    const tabTwo = await follow(two!.url, conversation.id);
    const runOne = collectRun(tabOne, conversation.id);
    const runTwo = collectRun(tabTwo, conversation.id);
    await send(one!.url, conversation.id, "compute the sum of 1 to 100 in Python", "r1");
    const [eventsOne, eventsTwo] = await Promise.all([runOne, runTwo]);

    expect(finishedOf(eventsOne)).toMatchObject({ type: "run_finished", status: "complete" });
    expect(seqs(eventsTwo)).toEqual(seqs(eventsOne));
    expect(eventsTwo.map((envelope) => envelope.event)).toEqual(eventsOne.map((envelope) => envelope.event));
    // Strictly increasing: in order, none twice.
    expect(seqs(eventsOne).every((seq, index, all) => index === 0 || seq > all[index - 1]!)).toBe(true);
    expect(eventsOne.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("5050") });
    tabOne.disconnect();
    tabTwo.disconnect();
  });

  it("a REST send landing on replica 2 runs where the conversation lives (replica 1) and streams to the tab on replica 1", async () => {
    const [one, two] = cluster.replicas;
    const conversation = await cluster.newConversation();
    // The conversation's CLI starts on replica 1: that is its home from now on.
    await send(one!.url, conversation.id, "compute the sum of 1 to 100 in Python", "h1");
    await until("the first reply to be stored", async () => (await cluster.store.listMessages(conversation.id)).at(-1)?.status === "complete", 120_000);
    const tab = await follow(one!.url, conversation.id);
    const run = collectRun(tab, conversation.id);

    const response = await fetch(`${two!.url}/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${cluster.guest.token}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "now only the even numbers", clientMessageId: "h2" }),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const events = await run;
    expect(finishedOf(events)).toMatchObject({ type: "run_finished", status: "complete" });
    // The follow-up needs the earlier question in the CLI's session: it ran in replica 1's CLI.
    expect(events.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
    const runs = await cluster.store.listRunsByConversation(conversation.id);
    expect(runs.map((stored) => stored.instanceId)).toEqual([cluster.instanceIdOf(0), cluster.instanceIdOf(0)]);
    tab.disconnect();
  });

  it("Stop sent to the other replica stops the run", async () => {
    const [one, two] = cluster.replicas;
    const conversation = await cluster.newConversation();
    const tab = await follow(one!.url, conversation.id);
    const toolStarted = nextEvent(tab, conversation.id, (envelope) => envelope.event.type === "tool_use");
    const finished = nextEvent(tab, conversation.id, (envelope) => envelope.event.type === "run_finished");
    await send(one!.url, conversation.id, "run a slow task", "s1");
    await toolStarted;

    const stopper = await connectSocket(two!.url, cluster.guest.token);
    const stopped: Ack<{ stopped: boolean }> = await stopper.emitWithAck("conversation:stop", { conversationId: conversation.id });
    expect(stopped).toEqual({ ok: true, data: { stopped: true } });
    expect((await finished).event).toMatchObject({ type: "run_finished", status: "interrupted" });
    stopper.disconnect();
    tab.disconnect();
  });
});

describe("a replica dies mid-run", () => {
  it("the follower, reconnected through nginx, sees the run end as interrupted within the lease; the reply is kept and the next message resumes the conversation", async () => {
    const conversation = await cluster.newConversation();
    const tab = connectFollowingTab(cluster.nginx.url, cluster.guest.token, conversation.id);
    await tab.ready;
    const first = collectRun(tab.socket, conversation.id);
    await send(cluster.nginx.url, conversation.id, "compute the sum of 1 to 100 in Python", "d1");
    expect(finishedOf(await first)).toMatchObject({ status: "complete" });

    const toolStarted = nextEvent(tab.socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    const interrupted = nextEvent(tab.socket, conversation.id, (envelope) => envelope.event.type === "run_finished", 120_000);
    await send(cluster.nginx.url, conversation.id, "run a slow task", "d2");
    await toolStarted;
    const [running] = await cluster.store.listRunsByConversation(conversation.id);
    const ownerIndex = [0, 1].find((index) => cluster.instanceIdOf(index) === running!.instanceId)!;
    expect(ownerIndex, `run owned by ${running!.instanceId}`).toBeGreaterThanOrEqual(0);

    // The tool runs in the workspace under the owning replica's mark.
    // (tool_use is streamed before the CLI has started the command, so wait for it to appear.)
    await until("the tool to run under the owning replica's mark", async () => /sleep 120/.test(await processesOf(running!.instanceId!)), 30_000);
    const killedAt = Date.now();
    await cluster.replicas[ownerIndex]!.stop("SIGKILL");
    const finished = await interrupted;
    const noticedAfterMs = Date.now() - killedAt;
    expect(finished.event).toMatchObject({
      type: "run_finished",
      status: "interrupted",
      error: { code: "interrupted", message: expect.stringMatching(/send a message to continue/) },
    });
    // Within one lease after it lapsed, plus a sweep interval.
    expect(noticedAfterMs).toBeLessThan((leaseSeconds * 2 + 5) * 1_000);

    const messages = await cluster.store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(text(messages[3]!)).toContain("Starting a task that takes about two minutes.");
    expect(await cluster.store.getRun(running!.id)).toMatchObject({ status: "interrupted", error: { code: "interrupted" } });
    // Nothing the dead replica started (its CLI, the two-minute tool) is left running in the workspace.
    expect(await processesOf(cluster.instanceIdOf(ownerIndex))).toBe("");

    // The next message goes to the surviving replica, which takes the conversation over and
    // resumes its Claude session: "even numbers" only makes sense after the earlier sum.
    const next = collectRun(tab.socket, conversation.id);
    await send(cluster.nginx.url, conversation.id, "now only the even numbers", "d3");
    const events = await next;
    expect(finishedOf(events)).toMatchObject({ type: "run_finished", status: "complete" });
    expect(events.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
    const runs = await cluster.store.listRunsByConversation(conversation.id);
    expect(runs[0]!.instanceId).toBe(cluster.instanceIdOf(1 - ownerIndex));
    tab.socket.disconnect();

    // The killed replica comes back while the other one has a live run: it leaves that run alone.
    const live = await cluster.newConversation();
    const liveTab = await follow(cluster.replicas[1 - ownerIndex]!.url, live.id);
    const liveTool = nextEvent(liveTab, live.id, (envelope) => envelope.event.type === "tool_use");
    await send(cluster.replicas[1 - ownerIndex]!.url, live.id, "run a slow task", "l1");
    await liveTool;
    await cluster.restartReplica(ownerIndex);
    // Longer than a lease: the live run's lease is renewed, so nobody recovers it.
    await new Promise((resolve) => setTimeout(resolve, (leaseSeconds + 3) * 1_000));
    const [liveRun] = await cluster.store.listRunsByConversation(live.id);
    expect(liveRun).toMatchObject({ status: "running", instanceId: cluster.instanceIdOf(1 - ownerIndex) });
    const stopped = nextEvent(liveTab, live.id, (envelope) => envelope.event.type === "run_finished");
    const stopAck: Ack<{ stopped: boolean }> = await liveTab.emitWithAck("conversation:stop", { conversationId: live.id });
    expect(stopAck).toEqual({ ok: true, data: { stopped: true } });
    expect((await stopped).event).toMatchObject({ status: "interrupted" });
    liveTab.disconnect();
  });
});
