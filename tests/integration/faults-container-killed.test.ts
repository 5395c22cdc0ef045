import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Socket } from "socket.io-client";
import { loadConfig } from "../../server/config";
import { createSqliteStore } from "../../server/store/sqlite-store";
import type { PlatformStore } from "../../server/store/store";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";
import { collectRun, connectSocket, finishedOf, nextEvent, seedGuestWithAgent, startServerProcess, type ServerProcess } from "./support/server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/**
 * The user's container is killed (OOM killer, an operator, a crashed engine shim) while the agent
 * works, seen by a browser-like Socket.IO client of the real server process: the run ends with a
 * clear error, history is intact, and the next message works in a fresh container with the same
 * files and the same CLI session.
 */
const docker = new Docker();
let dataDir: string;
let server: ServerProcess;
let store: PlatformStore;
let seeded: { userId: string; token: string; agentId: string } | undefined;

beforeAll(async () => {
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
  dataDir = mkdtempSync(path.join(tmpdir(), "faults-container-"));
  server = await startServerProcess({ dataDir });
  store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  seeded = await seedGuestWithAgent(store);
});

afterAll(async () => {
  await server?.stop("SIGTERM");
  await store?.close();
  if (seeded) await removeTestWorkspaces(docker, seeded.userId);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a workspace container killed mid-run", () => {
  it("ends the run with a clear error, keeps the history, and the next message works", async () => {
    const { userId, token, agentId } = seeded!;
    onTestFailed(() => console.log(`server output (tail):\n${server.output().slice(-6000)}`));
    const conversation = await store.createConversation({ agentId, ownerId: userId });
    const socket: Socket = await connectSocket(server.url, token);
    await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    const send = (text: string, clientMessageId: string) =>
      socket.emitWithAck("conversation:send", { agentId, conversationId: conversation.id, text, clientMessageId });

    const first = collectRun(socket, conversation.id);
    expect(await send("compute the sum of 1 to 100 in Python", "c1")).toMatchObject({ ok: true });
    expect(finishedOf(await first), JSON.stringify(finishedOf(await first))).toMatchObject({ type: "run_finished", status: "complete" });

    const killedRun = collectRun(socket, conversation.id);
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    expect(await send("run a slow task", "c2")).toMatchObject({ ok: true });
    await toolStarted;
    await docker.getContainer(workspaceContainerName(userId)).kill();
    const events = await killedRun;

    // What the person sees: an error that says what happened and what to do, then the run's end.
    const error = events.find((envelope) => envelope.event.type === "error")?.event;
    expect(error).toMatchObject({ code: "workspace_lost", message: expect.stringMatching(/workspace stopped.*send your message again/i) });
    expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "failed", error: { code: "workspace_lost" } });

    const stored = await store.listMessages(conversation.id);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "failed"],
    ]);
    expect(stored[3]).toMatchObject({ error: { code: "workspace_lost" } });
    expect(stored[3]!.content.some((block) => block.type === "text" && block.text.includes("Starting a task"))).toBe(true);

    // The next message starts the workspace again and resumes the same CLI session from the volume.
    const next = collectRun(socket, conversation.id);
    expect(await send("now only the even numbers", "c3")).toMatchObject({ ok: true });
    const nextEvents = await next;
    expect(finishedOf(nextEvents), JSON.stringify(finishedOf(nextEvents))).toMatchObject({ type: "run_finished", status: "complete" });
    expect(nextEvents.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
    expect((await store.listMessages(conversation.id)).map((message) => message.status)).toEqual([
      "complete",
      "complete",
      "complete",
      "failed",
      "complete",
      "complete",
    ]);
    socket.disconnect();
  });
});
