import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, inject } from "vitest";
import type { TestProject } from "vitest/node";

/**
 * Vitest globalSetup: starts the real Firestore emulator once for the integration project (or
 * reuses one already running) and stops it afterwards only if it started it here. Tests read the
 * address with inject("firestoreEmulatorHost").
 */

declare module "vitest" {
  export interface ProvidedContext {
    firestoreEmulatorHost: string;
  }
}

const run = promisify(execFile);
const script = path.resolve(__dirname, "../../../scripts/firestore-emulator.sh");

export const defaultEmulatorHost = "127.0.0.1:8080";

export interface RunningEmulator {
  host: string;
  /** True when this call started it, so the caller should stop it when done. */
  startedHere: boolean;
}

export async function startFirestoreEmulator(host = process.env.FIRESTORE_EMULATOR_HOST ?? defaultEmulatorHost): Promise<RunningEmulator> {
  const env = { ...process.env, FIRESTORE_EMULATOR_HOST: host };
  const running = await run("bash", [script, "status"], { env }).then(
    () => true,
    () => false,
  );
  if (!running) await run("bash", [script, "start"], { env, timeout: 120_000 });
  return { host, startedHere: !running };
}

export async function stopFirestoreEmulator(host: string): Promise<void> {
  await run("bash", [script, "stop"], { env: { ...process.env, FIRESTORE_EMULATOR_HOST: host } });
}

/**
 * For a test file or describe block: the emulator the globalSetup provides, else one started (or
 * reused) in its beforeAll and stopped in its afterAll only if it was started there. Sets
 * FIRESTORE_EMULATOR_HOST, which firebase-admin reads when a client is made. host() answers once
 * the beforeAll has run.
 */
export function useFirestoreEmulator(): { host(): string } {
  let host = "";
  let stopWhenDone = false;
  beforeAll(async () => {
    const provided = inject("firestoreEmulatorHost");
    if (provided) {
      host = provided;
    } else {
      const emulator = await startFirestoreEmulator();
      host = emulator.host;
      stopWhenDone = emulator.startedHere;
    }
    process.env.FIRESTORE_EMULATOR_HOST = host;
  });
  afterAll(async () => {
    if (stopWhenDone) await stopFirestoreEmulator(host);
  });
  return {
    host: () => {
      if (!host) throw new Error("the Firestore emulator is not started yet: call host() in a test or hook, not while collecting");
      return host;
    },
  };
}

/** Deletes every document of one emulator project (a project per test keeps tests apart). */
export async function clearEmulatorProject(host: string, projectId: string): Promise<void> {
  const response = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: "DELETE" });
  if (!response.ok) throw new Error(`clearing emulator project ${projectId} failed: ${response.status} ${await response.text()}`);
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startFirestoreEmulator();
  project.provide("firestoreEmulatorHost", emulator.host);
  return async () => {
    if (emulator.startedHere) await stopFirestoreEmulator(emulator.host);
  };
}
