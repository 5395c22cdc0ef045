import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirestoreStore } from "../../server/store/firestore-store";
import { emulatorProjectId } from "../../server/store/store-config";
import { expectSessionResumes, sendAndComplete, startFaultScenario, type FaultScenario } from "./support/fault-scenario";
import { freePort } from "./support/server-process";

/**
 * The store goes away for a moment under a running server (Firestore, on this test's own emulator
 * instance): a message sent meanwhile gets a clear error and nothing is half-stored; once the store
 * is back the next message works and the history is intact.
 *
 * The emulator keeps its data in memory, so "unreachable for a moment" is played as: export the
 * data, kill the emulator (connections are refused, as in an outage), then start it again on the
 * same port with that export. The server process is never told.
 */
let host: string;
let emulator: ChildProcess | undefined;
let scenario: FaultScenario | undefined;

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
  const directory = mkdtempSync(path.join(scenario!.dataDir, "export-"));
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
  host = `127.0.0.1:${await freePort()}`;
  await startEmulator();
  // firebase-admin reads the emulator's address from the environment (this test file's own process).
  process.env.FIRESTORE_EMULATOR_HOST = host;
  scenario = await startFaultScenario({
    name: "faults-store",
    openStore: () => createFirestoreStore({ projectId: emulatorProjectId }),
    env: { STORE: "firestore", FIRESTORE_EMULATOR_HOST: host },
  });
});

afterAll(async () => {
  await scenario?.close();
  await killEmulator();
});

describe("the store unreachable for a moment", () => {
  it("refuses a message with a clear error while it is gone, and works again with the history intact once it is back", async () => {
    const { store, guest, newConversation, openTab } = scenario!;
    const conversation = await newConversation();
    const tab = await openTab(conversation);
    const { socket } = tab;
    await sendAndComplete(tab, "compute the sum of 1 to 100 in Python", "s1");
    const before = await store.listMessages(conversation.id);
    expect(before.map((message) => message.status)).toEqual(["complete", "complete"]);

    const saved = await exportData();
    await killEmulator();

    const sentAt = Date.now();
    const refused = await socket.timeout(90_000).emitWithAck("conversation:send", {
      agentId: guest.agentId,
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

    await expectSessionResumes(store, tab, "s3");
    socket.disconnect();
  });
});
