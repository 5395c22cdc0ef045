import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import type { Socket } from "socket.io-client";
import { expect } from "vitest";
import type { Conversation, Message } from "../../../lib/records";
import type { Ack, FollowAckData, RunEventEnvelope, SendAckData } from "../../../lib/socket-events";
import { loadConfig } from "../../../server/config";
import { createSqliteStore } from "../../../server/store/sqlite-store";
import type { PlatformStore } from "../../../server/store/store";
import { collectRun, connectSocket, finishedOf, seedGuestWithAgent, startServerProcess, type ServerProcess } from "./server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./test-workspaces";

/**
 * What every fault test starts from: the real server process on a fresh data directory, the test's
 * own connection to the same store, and a guest with one agent written straight into it.
 */
export interface FaultScenario {
  readonly docker: Docker;
  readonly dataDir: string;
  readonly store: PlatformStore;
  readonly guest: { userId: string; token: string; agentId: string };
  /** The server process running now (a new one after restartServer()). */
  readonly server: ServerProcess;
  /** Starts the server again on the same port and data, once the last one has ended. */
  restartServer(): Promise<ServerProcess>;
  /** A new conversation of the guest with their agent, in the store. */
  newConversation(): Promise<Conversation>;
  /** A browser tab of the guest: a socket to the running server that follows the conversation from its start. */
  openTab(conversation: Conversation): Promise<ConversationTab>;
  /** Stops the server, closes the store, removes the guest's workspace and the data directory. */
  close(signal?: NodeJS.Signals): Promise<void>;
}

export interface ConversationTab {
  conversationId: string;
  socket: Socket;
  followAck: Ack<FollowAckData>;
  /** Sends a message to the conversation, as the composer does. */
  send(text: string, clientMessageId: string): Promise<Ack<SendAckData>>;
}

export interface FaultScenarioOptions {
  /** Prefix of the temporary data directory. */
  name: string;
  /** The store the test reads and seeds; by default the server's SQLite file, as a second connection (WAL). */
  openStore?(dataDir: string): PlatformStore;
  /** Extra environment for the server process (store choice, emulator address). */
  env?: Record<string, string>;
}

export async function startFaultScenario(options: FaultScenarioOptions): Promise<FaultScenario> {
  const docker = new Docker();
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
  const dataDir = mkdtempSync(path.join(tmpdir(), `${options.name}-`));
  const store = options.openStore?.(dataDir) ?? createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  // Seeding before the server starts also warms a remote store up, so the server's first call meets no cold start.
  let guest: FaultScenario["guest"];
  let server: ServerProcess;
  try {
    guest = await seedGuestWithAgent(store);
    server = await startServerProcess({ dataDir, env: options.env });
  } catch (error) {
    await store.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    docker,
    dataDir,
    store,
    guest,
    get server() {
      return server;
    },
    async restartServer() {
      server = await startServerProcess({ dataDir, port: server.port, env: options.env });
      return server;
    },
    newConversation: () => store.createConversation({ agentId: guest.agentId, ownerId: guest.userId }),
    async openTab(conversation) {
      const socket = await connectSocket(server.url, guest.token);
      const followAck: Ack<FollowAckData> = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
      if (!followAck.ok) throw new Error(`following the conversation failed: ${JSON.stringify(followAck)}`);
      return {
        conversationId: conversation.id,
        socket,
        followAck,
        send: (text, clientMessageId) =>
          socket.emitWithAck("conversation:send", { agentId: guest.agentId, conversationId: conversation.id, text, clientMessageId }),
      };
    },
    async close(signal = "SIGTERM") {
      await server.stop(signal);
      // The store may be the one that went away; its workspace and files still have to go.
      await store.close().catch(() => undefined);
      await removeTestWorkspaces(docker, guest.userId);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends a message from the tab and waits for its run, which must complete; returns the run's events. */
export async function sendAndComplete(tab: ConversationTab, text: string, clientMessageId: string): Promise<RunEventEnvelope[]> {
  const run = collectRun(tab.socket, tab.conversationId);
  const ack = await tab.send(text, clientMessageId);
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true, data: { duplicate: false } });
  const events = await run;
  expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "complete" });
  return events;
}

/**
 * The conversation goes on where it was: "now only the even numbers" only makes sense with the sum
 * of 1 to 100 asked before it in the CLI's session, and the history so far stays as it was, with
 * the new question and its reply after it.
 */
export async function expectSessionResumes(store: PlatformStore, tab: ConversationTab, clientMessageId: string): Promise<void> {
  const shown = (messages: Message[]) => messages.map(({ role, status, content }) => ({ role, status, content }));
  const before = await store.listMessages(tab.conversationId);
  const events = await sendAndComplete(tab, "now only the even numbers", clientMessageId);
  expect(events.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
  const after = await store.listMessages(tab.conversationId);
  expect(shown(after.slice(0, before.length))).toEqual(shown(before));
  expect(after.slice(before.length).map((message) => [message.role, message.status])).toEqual([
    ["user", "complete"],
    ["assistant", "complete"],
  ]);
}
