import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
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

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startFirestoreEmulator();
  project.provide("firestoreEmulatorHost", emulator.host);
  return async () => {
    if (emulator.startedHere) await stopFirestoreEmulator(emulator.host);
  };
}
