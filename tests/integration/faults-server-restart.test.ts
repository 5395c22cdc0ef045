import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Agent, Conversation, Message } from "../../lib/records";
import { loadConfig } from "../../server/config";
import { createSqliteStore } from "../../server/store/sqlite-store";
import type { PlatformStore } from "../../server/store/store";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";
import { collectRun, connectSocket, finishedOf, nextEvent, startServerProcess, type ServerProcess } from "./support/server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/**
 * Restart recovery on the real server process: a run outlives the socket that started it; a
 * server killed (SIGKILL) or stopped (SIGTERM) mid-run comes back on the same data, adopts the
 * user's running container, marks the cut-off reply interrupted with a sentence saying what to do,
 * and the next message in that conversation works and resumes the CLI's session (the stand-in's
 * "even numbers" answer needs the earlier sum question in the CLI's history).
 */
const docker = new Docker();
let dataDir: string;
let server: ServerProcess | undefined;
let port: number;
let store: PlatformStore;
let userId: string;
let token: string;
let agent: Agent;

const text = (message: Message) => message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");

async function startServer(): Promise<ServerProcess> {
  server = await startServerProcess({ dataDir, port: port || undefined });
  port = server.port;
  return server;
}

async function send(socket: Socket, conversation: Conversation, message: string, clientMessageId: string) {
  const ack = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: conversation.id, text: message, clientMessageId });
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, data: { duplicate: false } });
  return ack;
}

async function follow(socket: Socket, conversation: Conversation) {
  const ack = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
  expect(ack.ok).toBe(true);
  return ack;
}

/** Processes the previous server started in the workspace (CLI and tools carry its marker variable). */
async function markedProcesses(): Promise<string> {
  const exec = await docker.getContainer(workspaceContainerName(userId)).exec({
    Cmd: ["sh", "-c", 'grep -lsaF AGENT_PLATFORM_PROCESS_ID= /proc/[0-9]*/environ | sed -e "s#/environ##" -e "s#/proc/##" | while read p; do tr "\\0" " " < /proc/$p/cmdline; echo; done'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on("end", resolve));
  // Strip Docker's 8-byte frame headers.
  return Buffer.concat(chunks).toString("latin1").replace(/[\x00-\x08]/g, "");
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
  dataDir = mkdtempSync(path.join(tmpdir(), "faults-restart-"));
  await startServer();
  // The test reads and seeds the same SQLite file as the server, as a second connection (WAL).
  store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  const user = await store.createUser({ type: "guest" });
  userId = user.id;
  token = (await store.createGuestSession({ userId, ttlMs: 3_600_000 })).id;
  agent = await store.createAgent({ ownerId: userId, name: "Calculator", model: "claude-sonnet-4-5" });
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  await store?.close();
  if (userId) await removeTestWorkspaces(docker, userId);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a run and a server restart", () => {
  it("a run outlives the socket that started it, and its reply is stored", async () => {
    const conversation = await store.createConversation({ agentId: agent.id, ownerId: userId });
    const socket = await connectSocket(server!.url, token);
    await send(socket, conversation, "compute the sum of 1 to 100 in Python", "tab-1");
    // The tab closes right after sending.
    socket.disconnect();

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
    const later = await connectSocket(server!.url, token);
    const ack = await follow(later, conversation);
    expect(ack).toMatchObject({ ok: true, data: { activeRunId: null } });
    later.disconnect();
  });

  it("after a crash (SIGKILL) mid-run: adopts the container, marks the reply interrupted, and the conversation continues", async () => {
    const conversation = await store.createConversation({ agentId: agent.id, ownerId: userId });
    let socket = await connectSocket(server!.url, token);
    await follow(socket, conversation);
    const first = collectRun(socket, conversation.id);
    await send(socket, conversation, "compute the sum of 1 to 100 in Python", "k1");
    expect(finishedOf(await first), JSON.stringify(finishedOf(await first))).toMatchObject({ type: "run_finished", status: "complete" });
    const containerBefore = await docker.getContainer(workspaceContainerName(userId)).inspect();

    // A two-minute tool is running when the server dies without any chance to clean up.
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    await send(socket, conversation, "run a slow task", "k2");
    await toolStarted;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
    await server!.stop("SIGKILL");
    await disconnected;

    await startServer();
    socket = await connectSocket(server!.url, token);
    const followAck = await follow(socket, conversation);
    expect(followAck).toMatchObject({ ok: true, data: { activeRunId: null } });

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
    const containerAfter = await docker.getContainer(workspaceContainerName(userId)).inspect();
    expect(containerAfter.Id).toBe(containerBefore.Id);
    expect(containerAfter.State.StartedAt).toBe(containerBefore.State.StartedAt);
    expect(await markedProcesses()).not.toMatch(/sleep 120/);

    // The next message works, in the same CLI session: "the even numbers" only makes sense with the sum before it.
    const next = collectRun(socket, conversation.id);
    await send(socket, conversation, "now only the even numbers", "k3");
    const events = await next;
    expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "complete" });
    expect(events.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
    expect((await store.listMessages(conversation.id)).map((message) => message.status)).toEqual([
      "complete",
      "complete",
      "complete",
      "interrupted",
      "complete",
      "complete",
    ]);
    socket.disconnect();
  });

  it("on SIGTERM mid-run: tells the client, stores the reply as interrupted, and the next message works after the restart", async () => {
    const conversation = await store.createConversation({ agentId: agent.id, ownerId: userId });
    let socket = await connectSocket(server!.url, token);
    await follow(socket, conversation);
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    const finished = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "run_finished");
    const notice = new Promise((resolve) => socket.once("platform:notice", resolve));
    await send(socket, conversation, "run a slow task", "t1");
    await toolStarted;
    const stoppedAt = Date.now();
    expect(await server!.stop("SIGTERM")).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await expect(notice).resolves.toMatchObject({ kind: "shutting_down", message: expect.stringMatching(/reconnected automatically/) });
    // The run ends as interrupted before the socket closes, or the stored reply says so below.
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1_000))]);

    await startServer();
    socket = await connectSocket(server!.url, token);
    await follow(socket, conversation);
    const messages = await store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(text(messages[1]!)).toContain("Starting a task");
    expect((await store.listRunsByConversation(conversation.id))[0]).toMatchObject({ status: "interrupted" });

    const next = collectRun(socket, conversation.id);
    await send(socket, conversation, "compute the sum of 1 to 100 in Python", "t2");
    const events = await next;
    expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "complete" });
    expect((await store.listMessages(conversation.id)).at(-1)).toMatchObject({ role: "assistant", status: "complete" });
    socket.disconnect();
  });
});
