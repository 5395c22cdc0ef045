/**
 * New-person benchmark (issue #12): a person who has never used the platform sends their first
 * message, end to end through the production server (`node dist/server.js`), with the warm pool on
 * (WORKSPACE_WARM_POOL=2) and, for comparison, off (a cold container). Each round is a new guest
 * with one agent: socket connect → conversation:send → first agent event and run finished. The
 * server's warm pool refills in the background between arrivals, as on an idle machine; a round
 * waits until the pool reports a ready slot (agentdesk_warm_pool_ready) so each arrival is one the
 * pool covers. Each setting is measured twice: the message sent the moment the chat is open (the
 * worst case: the CLI boots on the message's path) and sent after `--typing-ms` (3000), as a
 * person who types it does (opening the chat has started the CLI by then). Real Docker, real CLI,
 * the offline demo model. Bounded: a fixed number of rounds, one arrival at a time.
 *
 *   npx tsx bench/new-person-bench.ts [--rounds 7] [--typing-ms 3000]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import type { RunEventEnvelope } from "../lib/socket-events";
import { createSqliteStore } from "../server/store/sqlite-store";
import { DEFAULT_WARM_POOL_PREFIX, POOL_LABEL } from "../server/workspaces/workspace-names";
import { connectSocket, seedGuestWithAgent, startServerProcess, type ServerProcess } from "../tests/integration/support/server-process";
import { removeTestWorkspaces } from "../tests/integration/support/test-workspaces";
import { numberFlag } from "./flags";
import { gaugeValue } from "./machine-sampler";
import { ensureProductionBuild, ensureServerBundle } from "./production-build";
import { printReport, type Figure } from "./stats";

const rounds = numberFlag("rounds", 7, { whole: true });
const typingMs = numberFlag("typing-ms", 3_000);
const prompt = "compute the sum of 1 to 100 in Python";
const docker = new Docker();

interface Arrival {
  firstEventMs: number;
  finishedMs: number;
  outcome: string;
}

async function poolReady(server: ServerProcess): Promise<number> {
  const text = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((response) => response.text());
  return gaugeValue(text, "agentdesk_warm_pool_ready") ?? 0;
}

/** One new guest's first message: send → first agent event, send → run_finished. */
async function arrive(server: ServerProcess, dataDir: string, userIds: string[], typing: number): Promise<Arrival> {
  const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  const guest = await seedGuestWithAgent(store, "Analyst");
  const conversation = await store.createConversation({ agentId: guest.agentId, ownerId: guest.userId });
  await store.close();
  userIds.push(guest.userId);
  const socket = await connectSocket(server.url, guest.token);
  try {
    await socket.timeout(10_000).emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    if (typing > 0) await new Promise((resolve) => setTimeout(resolve, typing));
    const started = performance.now();
    let firstEventMs = Number.NaN;
    const finished = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no run_finished within 120 s")), 120_000);
      socket.on("conversation:event", (envelope: RunEventEnvelope) => {
        if (envelope.conversationId !== conversation.id) return;
        // The first thing the agent says or does; the platform's own notices (queued, waking) are not.
        if (Number.isNaN(firstEventMs) && !["run_started", "run_queued", "workspace_starting", "run_finished"].includes(envelope.event.type)) firstEventMs = performance.now() - started;
        if (envelope.event.type === "run_finished") {
          clearTimeout(timer);
          resolve(envelope.event.status);
        }
      });
    });
    const ack = await socket
      .timeout(30_000)
      .emitWithAck("conversation:send", { agentId: guest.agentId, conversationId: conversation.id, text: prompt, clientMessageId: `bench-${conversation.id}` });
    if (!(ack as { ok?: boolean }).ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    const outcome = await finished;
    return { firstEventMs, finishedMs: performance.now() - started, outcome };
  } finally {
    socket.disconnect();
  }
}

async function measure(pool: number, typing: number): Promise<{ arrivals: Arrival[]; loadAverage: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-new-person-"));
  const userIds: string[] = [];
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ dataDir, mode: "production", entry: "bundle", env: { LOG_LEVEL: "warn", SCHEDULER_TICK_SECONDS: "0", WORKSPACE_WARM_POOL: String(pool) } });
    const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const arrivals: Arrival[] = [];
    for (let round = 0; round < rounds; round++) {
      if (pool > 0) {
        const deadline = Date.now() + 60_000;
        while ((await poolReady(server)) < 1) {
          if (Date.now() > deadline) throw new Error("the warm pool had no ready slot within 60 s");
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      // A moment of quiet between arrivals, so one person's run does not overlap the next one's.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      arrivals.push(await arrive(server, dataDir, userIds, typing));
    }
    return { arrivals, loadAverage };
  } finally {
    await server?.stop("SIGTERM");
    for (const userId of userIds) await removeTestWorkspaces(docker, userId);
    await removePoolSlots();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The slots the server's pool left (a stopped server leaves them for its next start). */
async function removePoolSlots(): Promise<void> {
  const filters = JSON.stringify({ label: [`${POOL_LABEL}=${DEFAULT_WARM_POOL_PREFIX}`] });
  for (const container of await docker.listContainers({ all: true, filters })) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
  for (const volume of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => undefined);
  for (const network of await docker.listNetworks({ filters })) await docker.getNetwork(network.Id).remove().catch(() => undefined);
}

async function main() {
  for (const check of [ensureProductionBuild(), ensureServerBundle()]) console.log(check.note);
  const series = [
    { name: "warm pool, sent at once", pool: 2, typing: 0, target: "≤ 1000 p50" },
    { name: `warm pool, sent after ${typingMs} ms typing`, pool: 2, typing: typingMs, target: "≤ 1000 p50" },
    { name: "no pool (cold), sent at once", pool: 0, typing: 0 },
    { name: `no pool (cold), sent after ${typingMs} ms typing`, pool: 0, typing: typingMs },
  ];
  const figures: Figure[] = [];
  const loadAverageAtStart: Record<string, string> = {};
  const outcomes: string[] = [];
  for (const entry of series) {
    const measured = await measure(entry.pool, entry.typing);
    loadAverageAtStart[entry.name] = measured.loadAverage;
    outcomes.push(...measured.arrivals.map((a) => a.outcome));
    figures.push({ name: `new person, ${entry.name}: send → first agent event`, unit: "ms", samples: measured.arrivals.map((a) => a.firstEventMs), target: entry.target });
    figures.push({ name: `new person, ${entry.name}: send → run finished`, unit: "ms", samples: measured.arrivals.map((a) => a.finishedMs) });
  }
  printReport("new-person", figures, { rounds, typingMs, loadAverageAtStart, outcomes });
  if (outcomes.some((outcome) => outcome !== "complete")) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
