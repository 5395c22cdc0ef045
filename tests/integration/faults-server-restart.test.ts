import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../lib/records";
import { expectSessionResumes, sendAndComplete, startFaultScenario, type ConversationTab, type FaultScenario } from "./support/fault-scenario";
import { nextEvent } from "./support/server-process";
import { markedProcessesIn } from "./support/test-workspaces";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";

/**
 * Restart recovery on the real server process: a run outlives the socket that started it; a
 * server killed (SIGKILL) or stopped (SIGTERM) mid-run comes back on the same data, adopts the
 * user's running container, marks the cut-off reply interrupted with a sentence saying what to do,
 * and the next message in that conversation works and resumes the CLI's session (the stand-in's
 * "even numbers" answer needs the earlier sum question in the CLI's history).
 */
let scenario: FaultScenario;

const text = (message: Message) => message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");

async function send(tab: ConversationTab, message: string, clientMessageId: string) {
  const ack = await tab.send(message, clientMessageId);
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, data: { duplicate: false } });
  return ack;
}

/** Processes the previous server started in the workspace (CLI and tools carry its marker variable). */
const markedProcesses = () => markedProcessesIn(scenario.docker, scenario.guest.userId, "AGENT_PLATFORM_PROCESS_ID=");

beforeAll(async () => {
  scenario = await startFaultScenario({ name: "faults-restart" });
});

afterAll(async () => {
  await scenario?.close("SIGKILL");
});

describe("a run and a server restart", () => {
  it("a run outlives the socket that started it, and its reply is stored", async () => {
    const { store } = scenario;
    const conversation = await scenario.newConversation();
    const tab = await scenario.openTab(conversation);
    await send(tab, "compute the sum of 1 to 100 in Python", "tab-1");
    // The tab closes right after sending.
    tab.socket.disconnect();

    const deadline = Date.now() + 120_000;
    let messages = await store.listMessages(conversation.id);
    while (messages.at(-1)?.status === "streaming" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      messages = await store.listMessages(conversation.id);
    }
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(text(messages[1]!)).toContain("5050");
    const [run] = await store.listRunsByConversation(conversation.id);
    expect(run).toMatchObject({ status: "complete" });

    // Another tab opening the conversation later sees the finished reply and no run in progress.
    const later = await scenario.openTab(conversation);
    expect(later.followAck).toMatchObject({ ok: true, data: { activeRunId: null } });
    later.socket.disconnect();
  });

  it("after a crash (SIGKILL) mid-run: adopts the container, marks the reply interrupted, and the conversation continues", async () => {
    const { store, docker, guest } = scenario;
    const conversation = await scenario.newConversation();
    let tab = await scenario.openTab(conversation);
    const socket = tab.socket;
    await sendAndComplete(tab, "compute the sum of 1 to 100 in Python", "k1");
    const containerBefore = await docker.getContainer(workspaceContainerName(guest.userId)).inspect();

    // A two-minute tool is running when the server dies without any chance to clean up.
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    await send(tab, "run a slow task", "k2");
    await toolStarted;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
    await scenario.server.stop("SIGKILL");
    await disconnected;

    await scenario.restartServer();
    tab = await scenario.openTab(conversation);
    expect(tab.followAck).toMatchObject({ ok: true, data: { activeRunId: null } });

    const messages = await store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(text(messages[1]!)).toContain("5050");
    expect(text(messages[3]!)).toContain("Starting a task that takes about two minutes.");
    const runs = await store.listRunsByConversation(conversation.id);
    expect(runs[0]).toMatchObject({ status: "interrupted", error: { code: "interrupted", message: expect.stringMatching(/restarted.*send a message to continue/i) } });
    expect((await store.getConversation(conversation.id)).status).toBe("idle");

    // The running container was adopted (same container, same start), and nothing the dead server
    // started in it is left running to write into the conversation's transcript.
    const containerAfter = await docker.getContainer(workspaceContainerName(guest.userId)).inspect();
    expect(containerAfter.Id).toBe(containerBefore.Id);
    expect(containerAfter.State.StartedAt).toBe(containerBefore.State.StartedAt);
    expect(await markedProcesses()).not.toMatch(/sleep 120/);

    // The next message works, in the same CLI session.
    await expectSessionResumes(store, tab, "k3");
    tab.socket.disconnect();
  });

  it("on SIGTERM mid-run: tells the client, stores the reply as interrupted, and the next message works after the restart", async () => {
    const { store } = scenario;
    const conversation = await scenario.newConversation();
    let tab = await scenario.openTab(conversation);
    const socket = tab.socket;
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    const finished = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "run_finished");
    const notice = new Promise((resolve) => socket.once("platform:notice", resolve));
    await send(tab, "run a slow task", "t1");
    await toolStarted;
    const stoppedAt = Date.now();
    expect(await scenario.server.stop("SIGTERM")).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await expect(notice).resolves.toMatchObject({ kind: "shutting_down", message: expect.stringMatching(/reconnected automatically/) });
    // The run ends as interrupted before the socket closes, or the stored reply says so below.
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1_000))]);

    await scenario.restartServer();
    tab = await scenario.openTab(conversation);
    const messages = await store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(text(messages[1]!)).toContain("Starting a task");
    expect((await store.listRunsByConversation(conversation.id))[0]).toMatchObject({ status: "interrupted" });

    await sendAndComplete(tab, "compute the sum of 1 to 100 in Python", "t2");
    expect((await store.listMessages(conversation.id)).at(-1)).toMatchObject({ role: "assistant", status: "complete" });
    tab.socket.disconnect();
  });
});
