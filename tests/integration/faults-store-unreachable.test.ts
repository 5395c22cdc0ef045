import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { loadConfig } from "../../server/config";
import { createFirestoreStore } from "../../server/store/firestore-store";
import { emulatorProjectId } from "../../server/store/store-config";
import type { PlatformStore } from "../../server/store/store";
import { collectRun, connectSocket, finishedOf, freePort, seedGuestWithAgent, startServerProcess, type ServerProcess } from "./support/server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/**
 * The store goes away for a moment under a running server (Firestore, on this test's own emulator
 * instance): a message sent meanwhile gets a clear error and nothing is half-stored; once the store
 * is back the next message works and the history is intact.
 *
 * The emulator keeps its data in memory, so "unreachable for a moment" is played as: export the
 * data, kill the emulator (connections are refused, as in an outage), then start it again on the
 * same port with that export. The server process is never told.
 */
const docker = new Docker();
let host: string;
let emulator: ChildProcess | undefined;
let workDir: string;
let server: ServerProcess;
let store: PlatformStore;
let seeded: { userId: string; token: string; agentId: string } | undefined;

async function answers(): Promise<boolean> {
  return fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) }).then(
    async (response) => (await response.text()).startsWith("Ok"),
    () => false,
  );
}

async function startEmulator(importFrom?: string): Promise<void> {
  // Its own process group: gcloud forks the Java emulator, and stopping must end both.
  emulator = spawn("gcloud", ["emulators", "firestore", "start", `--host-port=${host}`, "--quiet", ...(importFrom ? [`--import-data=${importFrom}`] : [])], {
    detached: true,
    stdio: "ignore",
  });
  const deadline = Date.now() + 90_000;
  while (!(await answers())) {
    if (emulator.exitCode !== null) throw new Error("the Firestore emulator exited while starting");
    if (Date.now() > deadline) throw new Error(`the Firestore emulator did not answer on ${host} within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function killEmulator(): Promise<void> {
  if (!emulator?.pid) return;
  try {
    process.kill(-emulator.pid, "SIGKILL");
  } catch {
    // already gone
  }
  const deadline = Date.now() + 15_000;
  while ((await answers()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  emulator = undefined;
}

/** Writes the emulator's data to a folder and returns the metadata file to import it from. */
async function exportData(): Promise<string> {
  const directory = mkdtempSync(path.join(workDir, "export-"));
  const response = await fetch(`http://${host}/emulator/v1/projects/${emulatorProjectId}:export`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database: `projects/${emulatorProjectId}/databases/(default)`, export_directory: directory }),
  });
  if (!response.ok) throw new Error(`export failed: ${response.status} ${await response.text()}`);
  const [exported] = readdirSync(directory);
  return path.join(directory, exported!, `${exported}.overall_export_metadata`);
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
  workDir = mkdtempSync(path.join(tmpdir(), "faults-store-"));
  host = `127.0.0.1:${await freePort()}`;
  await startEmulator();
  // firebase-admin reads the emulator's address from the environment (this test file's own process).
  process.env.FIRESTORE_EMULATOR_HOST = host;
  store = createFirestoreStore({ projectId: emulatorProjectId });
  // Seeding first also warms the new emulator up, so the server's first call meets no cold start.
  seeded = await seedGuestWithAgent(store);
  server = await startServerProcess({ dataDir: workDir, env: { STORE: "firestore", FIRESTORE_EMULATOR_HOST: host } });
});

afterAll(async () => {
  await server?.stop("SIGTERM");
  await store?.close().catch(() => undefined);
  await killEmulator();
  if (seeded) await removeTestWorkspaces(docker, seeded.userId);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the store unreachable for a moment", () => {
  it("refuses a message with a clear error while it is gone, and works again with the history intact once it is back", async () => {
    const { userId, token, agentId } = seeded!;
    const conversation = await store.createConversation({ agentId, ownerId: userId });
    const socket: Socket = await connectSocket(server.url, token);
    await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    const send = (text: string, clientMessageId: string) =>
      socket.emitWithAck("conversation:send", { agentId, conversationId: conversation.id, text, clientMessageId });

    const first = collectRun(socket, conversation.id);
    expect(await send("compute the sum of 1 to 100 in Python", "s1")).toMatchObject({ ok: true });
    expect(finishedOf(await first), JSON.stringify(finishedOf(await first))).toMatchObject({ type: "run_finished", status: "complete" });
    const before = await store.listMessages(conversation.id);
    expect(before.map((message) => message.status)).toEqual(["complete", "complete"]);

    const saved = await exportData();
    await killEmulator();

    const sentAt = Date.now();
    const refused = await socket.timeout(90_000).emitWithAck("conversation:send", {
      agentId,
      conversationId: conversation.id,
      text: "now only the even numbers",
      clientMessageId: "s2",
    });
    const waitedMs = Date.now() - sentAt;
    expect(refused, JSON.stringify(refused)).toMatchObject({ ok: false, error: { code: "store_unavailable", message: expect.stringMatching(/nothing was changed\. Try again/) } });
    // The connection itself survives the store's absence.
    expect(socket.connected).toBe(true);
    console.log(`store unreachable: the refusal arrived after ${waitedMs} ms: ${JSON.stringify(refused)}`);

    await startEmulator(saved);
    expect(await store.listMessages(conversation.id)).toEqual(before);

    const next = collectRun(socket, conversation.id);
    expect(await send("now only the even numbers", "s3")).toMatchObject({ ok: true, data: { duplicate: false } });
    const events = await next;
    expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "complete" });
    expect(events.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
    const after = await store.listMessages(conversation.id);
    expect(after.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(after.slice(0, 2)).toEqual(before);
    socket.disconnect();
  });
});
