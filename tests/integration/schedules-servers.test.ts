import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { agentConfigOf, type Agent, type Schedule, type ScheduleFire } from "@/lib/records";
import { loadConfig } from "@/server/config";
import { createDockerClient } from "@/server/platform";
import { nextRunAt } from "@/server/schedules/schedule-rules";
import { createFirestoreStore } from "@/server/store/firestore-store";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import { clearEmulatorProject, useFirestoreEmulator } from "./setup/firestore-emulator";
import { removeTestWorkspaces } from "./support/test-workspaces";
import { until } from "./support/wait-until";

/**
 * Real server processes (the platform backend: store, scheduler, runner, workspaces, sockets) on
 * one store, ticking on real time with a real every-minute cron: two of them run a due slot
 * exactly once (the fire's create is the lease), and after both stop, a restarted server on the
 * same data fires the schedule again. Once on a SQLite file, once on the Firestore emulator.
 */

const projectRoot = path.resolve(__dirname, "../..");
const docker = createDockerClient(loadConfig({ ...process.env, NODE_ENV: "test" }));
const userIds: string[] = [];
const dataDirs: string[] = [];

interface PlatformProcess {
  name: string;
  child: ChildProcess;
  instanceId: string;
  output(): string;
  stop(): Promise<void>;
}

// Fixed ports below the ephemeral range: a port picked as free could be taken by something the
// child binds to port 0 (the egress proxy) before the child listens on it.
const ports: Record<string, { http: number; standIn: number }> = {
  "server A": { http: 3311, standIn: 3312 },
  "server B": { http: 3313, standIn: 3314 },
  "server C": { http: 3315, standIn: 3316 },
};

async function startPlatformProcess(name: keyof typeof ports & string, env: Record<string, string>): Promise<PlatformProcess> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/support/platform-server.ts"], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: "test",
      PORT: String(ports[name]!.http),
      MODEL_STAND_IN_PORT: String(ports[name]!.standIn),
      SCHEDULER_TICK_SECONDS: "1",
      LOG_LEVEL: "info",
      ANTHROPIC_API_KEY: "",
      ANTHROPIC_BASE_URL: "",
      CLAUDE_CODE_OAUTH_TOKEN: "",
      AUTH_SECRET: "schedules-servers-test-secret-0123456789abcdef",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ready = output.split("\n").find((line) => line.includes('"platform ready"'));
    if (ready) {
      const { instanceId } = JSON.parse(ready) as { instanceId: string };
      return {
        name,
        child,
        instanceId,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not start:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** An owner with an agent that computes a sum every minute, written straight into the store. */
async function seedEveryMinuteAgent(store: PlatformStore): Promise<{ agent: Agent; schedule: Schedule; firstSlot: Date }> {
  const user = await store.createUser({ type: "guest" });
  userIds.push(user.id);
  const created = await store.createAgent({ ownerId: user.id, name: "Every minute", model: "claude-sonnet-4-5" });
  await store.addAgentVersion({ agentId: created.id, version: 1, config: agentConfigOf(created), createdBy: user.id });
  const schedule: Schedule = { id: "every-minute", cron: "* * * * *", timezone: "UTC", prompt: "compute the sum of 1 to 100 in Python", enabled: true, missedRunPolicy: "skip" };
  const agent = await store.updateAgent(created.id, { schedules: [schedule] }, 1);
  const version = await store.addAgentVersion({ agentId: agent.id, version: agent.version, config: agentConfigOf(agent), createdBy: user.id });
  return { agent, schedule, firstSlot: nextRunAt(schedule, new Date(version.createdAt))! };
}

/** How the store makes record ids (runs included): 16 random bytes, base64url. */
const recordIdFormat = /^[A-Za-z0-9_-]{22}$/;

const finished = new Set<ScheduleFire["status"]>(["complete", "failed", "interrupted"]);

async function fireOfSlot(store: PlatformStore, agentId: string, slot: Date): Promise<ScheduleFire | undefined> {
  return (await store.listScheduleFires(agentId, { limit: 50 })).find((fire) => fire.slot === slot.toISOString());
}

/** Two servers on one store: the slot runs once, on one of them; the other says it was taken. */
async function expectExactlyOnce(store: PlatformStore, env: Record<string, string>): Promise<{ agent: Agent; firstSlot: Date }> {
  const { agent, firstSlot } = await seedEveryMinuteAgent(store);
  const [a, b] = await Promise.all([startPlatformProcess("server A", env), startPlatformProcess("server B", env)]);
  try {
    const fire = await until(
      `the ${firstSlot.toISOString()} slot to run`,
      async () => {
        const candidate = await fireOfSlot(store, agent.id, firstSlot);
        return candidate && finished.has(candidate.status) ? candidate : null;
      },
      75_000 + 90_000,
    );
    // Both servers have ticked past the slot by now (1 s ticks).
    await until("both servers to have seen the slot", async () => Date.now() > firstSlot.getTime() + 8_000, 60_000);

    expect(fire).toMatchObject({ status: "complete", runId: expect.stringMatching(recordIdFormat) });
    const [holder, other] = fire.claimedBy === a.instanceId ? [a, b] : [b, a];
    expect([a.instanceId, b.instanceId]).toContain(fire.claimedBy);
    expect(holder.output()).toMatch(new RegExp(`"slot":"${firstSlot.toISOString()}".*"starting a scheduled run"`));
    expect(other.output()).toMatch(new RegExp(`"slot":"${firstSlot.toISOString()}".*"scheduled slot already taken`));
    expect(other.output()).not.toMatch(new RegExp(`"slot":"${firstSlot.toISOString()}".*"starting a scheduled run"`));

    // Exactly one run and one conversation for the slot.
    const runsForSlot = (await store.listRunsByAgent(agent.id)).filter(
      (run) => run.trigger === "schedule" && Date.parse(run.startedAt) >= firstSlot.getTime() && Date.parse(run.startedAt) < firstSlot.getTime() + 60_000,
    );
    expect(runsForSlot.map((run) => run.id)).toEqual([fire.runId]);
    const run = runsForSlot[0]!;
    const reply = (await store.listMessages(run.conversationId)).at(-1)!;
    expect(reply.content).toContainEqual({ type: "text", text: expect.stringContaining("5050") });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  return { agent, firstSlot };
}

afterAll(async () => {
  for (const userId of userIds) await removeTestWorkspaces(docker, userId);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe("schedules across server processes, on a SQLite file", () => {
  it("two servers run a due slot exactly once; a restarted server fires the schedule again", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "schedules-servers-"));
    dataDirs.push(dataDir);
    const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
    try {
      const { agent, firstSlot } = await expectExactlyOnce(store, { DATA_DIR: dataDir });

      // Both stopped. A new server process on the same data dir picks the schedule up again.
      const stoppedAt = Date.now();
      const restarted = await startPlatformProcess("server C", { DATA_DIR: dataDir });
      try {
        const again = await until(
          "a fire after the restart",
          async () => {
            const fires = await store.listScheduleFires(agent.id, { limit: 50 });
            return fires.find((fire) => Date.parse(fire.slot) > Math.max(stoppedAt - 1_000, firstSlot.getTime()) && fire.claimedBy === restarted.instanceId && finished.has(fire.status));
          },
          75_000 + 90_000,
        );
        expect(again).toMatchObject({ status: "complete", runId: expect.stringMatching(recordIdFormat) });
        expect(await store.getRun(again.runId!)).toMatchObject({ trigger: "schedule", scheduleId: "every-minute", status: "complete" });
      } finally {
        await restarted.stop();
      }
      // Every fire that ran has its own run: nothing ran twice.
      const fires = await store.listScheduleFires(agent.id, { limit: 50 });
      const runIds = fires.flatMap((fire) => (fire.runId ? [fire.runId] : []));
      expect(new Set(runIds).size).toBe(runIds.length);
      const scheduledRuns = (await store.listRunsByAgent(agent.id)).filter((run) => run.trigger === "schedule");
      expect(scheduledRuns.map((run) => run.id).sort()).toEqual([...runIds].sort());
    } finally {
      await store.close();
    }
  }, 420_000);
});

describe("schedules across server processes, on the Firestore emulator", () => {
  const emulator = useFirestoreEmulator();

  it("two servers run a due slot exactly once", async () => {
    const host = emulator.host();
    const projectId = `demo-schedules-${randomBytes(6).toString("hex")}`;
    const dataDir = mkdtempSync(path.join(tmpdir(), "schedules-servers-fs-"));
    dataDirs.push(dataDir);
    const store = createFirestoreStore({ projectId });
    try {
      await expectExactlyOnce(store, { DATA_DIR: dataDir, STORE: "firestore", FIRESTORE_EMULATOR_HOST: host, GOOGLE_CLOUD_PROJECT: projectId });
    } finally {
      await store.close();
      // Best effort: a project left behind harms no other test, and must not hide why this one failed.
      await clearEmulatorProject(host, projectId).catch(() => undefined);
    }
  }, 300_000);
});
