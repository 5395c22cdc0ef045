/**
 * Replicas benchmark (issue 10, "Bench"): the conversation load of bench/load-conversations.ts
 * (20 guest users × 5 conversations, "compute the sum of 1 to 100 in Python", all sent at once)
 * against (a) one server process without Redis — rooms and run events in its memory — and then
 * (b) three replicas sharing one real redis-server and one SQLite store behind the real nginx, in
 * the same run on the same machine. Both run server/server.ts in production mode from the .next
 * build (built first when missing or older than the sources).
 *
 *   npx tsx bench/replicas-load.ts [--conversations 100] [--per-user 5] [--replicas 3] [--timeout-s 900] [--settle-s 120]
 *
 * Each user has two tabs. The sending tab connects straight to replica (user mod N), so the
 * conversations, and their CLIs, are spread over the replicas: nginx hashes the client address
 * and every client here is 127.0.0.1, so through nginx all would land on one replica. The second
 * tab only follows, through nginx (the single server: straight to it), and the bench asks every
 * replica's /metrics which one it reached: for most users that is not the conversation's home, so
 * its events cross Redis (the streams adapter). The host's live-CLI cap
 * (server/limits/live-cli-cap.ts, or MAX_LIVE_CLIS) is divided among the replicas, as
 * `npm run cluster` does, so three replicas never run more CLIs than one. Before each load the
 * bench waits (at most --settle-s) for the CPUs to quieten. Loopback only; one message per
 * conversation; one deadline per load.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { resolveLiveCliCap } from "../server/limits/live-cli-cap";
import { createSqliteStore } from "../server/store/sqlite-store";
import type { PlatformStore } from "../server/store/store";
import { startClusterScenario } from "../tests/integration/support/cluster-scenario";
import { connectSocket, startServerProcess, type ServerProcess } from "../tests/integration/support/server-process";
import {
  loadTimings,
  readServerMetrics,
  relaySamples,
  removeLoadWorkspaces,
  runConversationLoad,
  seedLoadUsers,
  tallyOutcomes,
  type LoadOutcomes,
  type LoadTab,
  type LoadUser,
} from "./conversation-load";
import { numberFlag } from "./flags";
import { busyPercent, cpuTimes, loadAverage } from "./machine-sampler";
import { ensureProductionBuild } from "./production-build";
import { machineDescription, processRssMiB, tail, type Tail } from "./stats";

const conversations = numberFlag("conversations", 100, { whole: true });
const perUser = numberFlag("per-user", 5, { whole: true });
const replicaCount = numberFlag("replicas", 3, { whole: true });
const timeoutMs = numberFlag("timeout-s", 900, { whole: true }) * 1000;
const settleMs = numberFlag("settle-s", 120, { whole: true }) * 1000;
if (conversations % perUser !== 0) throw new Error(`--conversations (${conversations}) must be a multiple of --per-user (${perUser})`);
const users = conversations / perUser;
const configuredCap = process.env.MAX_LIVE_CLIS ? Number(process.env.MAX_LIVE_CLIS) : undefined;
const hostCap = resolveLiveCliCap(configuredCap);
const perReplicaCap = Math.max(1, Math.floor(hostCap / replicaCount));
// Schedules off: nothing but the load runs.
const commonEnv = { LOG_LEVEL: "warn", SCHEDULER_TICK_SECONDS: "0" };
const docker = new Docker();
const MiB = 2 ** 20;

/** What a configuration puts up: server processes, the store they share, and where followers connect. */
interface Deployment {
  label: string;
  replicas: ServerProcess[];
  instanceIdOf(index: number): string;
  store: PlatformStore;
  /** nginx in front of the replicas, or the one server itself. */
  followerUrl: string;
  followersVia: "nginx" | "the server";
  redisUrl?: string;
  maxLiveClisPerReplica: number;
  close(): Promise<void>;
}

async function startSingleServer(): Promise<Deployment> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-replicas-single-"));
  const server = await startServerProcess({
    dataDir,
    mode: "production",
    env: { ...commonEnv, REDIS_URL: "", INSTANCE_ID: "bench-single", MAX_LIVE_CLIS: String(hostCap) },
  });
  const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  return {
    label: "1 replica, in-process",
    replicas: [server],
    instanceIdOf: () => "bench-single",
    store,
    followerUrl: server.url,
    followersVia: "the server",
    maxLiveClisPerReplica: hostCap,
    async close() {
      await server.stop("SIGTERM");
      await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startReplicas(): Promise<Deployment> {
  const cluster = await startClusterScenario({ name: "bench-replicas", replicas: replicaCount, env: { ...commonEnv, MAX_LIVE_CLIS: String(perReplicaCap) } });
  return {
    label: `${replicaCount} replicas, Redis + nginx`,
    replicas: cluster.replicas,
    instanceIdOf: cluster.instanceIdOf,
    store: cluster.store,
    followerUrl: cluster.nginx.url,
    followersVia: "nginx",
    redisUrl: cluster.redis.url,
    maxLiveClisPerReplica: perReplicaCap,
    close: () => cluster.close(),
  };
}

const socketCounts = (deployment: Deployment) => Promise.all(deployment.replicas.map(async (replica) => (await readServerMetrics(replica.url)).socketsConnected));

/** Sending tabs straight to replica (user mod N); following tabs to the deployment's front, one at a time, so the replica each reached can be read off the socket counts. */
async function connectTabs(deployment: Deployment, seeded: LoadUser[]): Promise<LoadTab[]> {
  const tabs: LoadTab[] = [];
  for (const [u, user] of seeded.entries()) {
    const replica = u % deployment.replicas.length;
    tabs.push({ user, socket: await connectSocket(deployment.replicas[replica]!.url, user.token), sends: true, replica });
  }
  let before = await socketCounts(deployment);
  for (const user of seeded) {
    const socket = await connectSocket(deployment.followerUrl, user.token);
    const after = await socketCounts(deployment);
    const grew = after.flatMap((count, index) => (count === before[index]! + 1 ? [index] : []));
    const changed = after.filter((count, index) => count !== before[index]).length;
    tabs.push({ user, socket, sends: false, replica: grew.length === 1 && changed === 1 ? grew[0] : undefined });
    before = after;
  }
  return tabs;
}

async function redisMemoryMiB(redis: Redis): Promise<{ used: number; peak: number; rss: number }> {
  const info = await redis.info("memory");
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1] ?? Number.NaN) / MiB;
  return { used: round(field("used_memory")), peak: round(field("used_memory_peak")), rss: round(field("used_memory_rss")) };
}

const round = (value: number) => Math.round(value * 10) / 10;
/**
 * The previous configuration's containers and CLIs (and whatever else shares the machine) take a
 * while to wind down: wait, at most --settle-s, until the CPUs are at most 25% busy over 5 s. The
 * load average lags by minutes, so it is reported but not waited on.
 */
async function settle(): Promise<number> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const from = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const busy = busyPercent(from, cpuTimes());
    if (busy <= 25 || Date.now() >= deadline) return busy;
  }
}

interface ConfigurationReport extends LoadOutcomes {
  label: string;
  replicas: number;
  redis: boolean;
  maxLiveClisPerReplica: number;
  startSeconds: number;
  loadSeconds: number;
  outcome: "all" | "deadline";
  /** Percent of both CPUs busy over the 5 s before sending, and over the whole load. */
  cpuBusyAtStart: number;
  cpuBusyDuringLoad: number;
  loadAverageAtStart: number;
  loadAveragePeak: number;
  followersVia: string;
  /** Follower tabs whose events differed from their sending tab's, per conversation (0: every tab saw every event once, in order). */
  tabsDisagreeing: number;
  disagreements: string[];
  ms: Record<string, Tail>;
  perReplica: { instanceId: string; sendingTabs: number; followingTabs: number; conversationsHomed: number; runsStarted: number; liveCliCap: number; serverFirstEventMeanMs: number; rssIdleMiB: number; rssPeakMiB: number; rssEndMiB: number }[];
  /** How often the replicas' RSS was read during the load (every second). */
  rssSamples: number;
  redisMemoryMiB?: { idle: number; peak: number; end: number; rssEnd: number };
}

async function measure(start: () => Promise<Deployment>): Promise<ConfigurationReport> {
  const startedAt = Date.now();
  const deployment = await start();
  const startSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
  console.log(`\n--- ${deployment.label}: up in ${startSeconds} s, MAX_LIVE_CLIS=${deployment.maxLiveClisPerReplica} per replica (host cap ${hostCap})`);
  const redis = deployment.redisUrl ? new Redis(deployment.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  let seeded: LoadUser[] = [];
  const tabs: LoadTab[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let pinger: NodeJS.Timeout | undefined;
  try {
    seeded = await seedLoadUsers(deployment.store, users, perUser);
    tabs.push(...(await connectTabs(deployment, seeded)));
    const followersPerReplica = deployment.replicas.map((_, index) => tabs.filter((tab) => !tab.sends && tab.replica === index).length);
    console.log(`${users} users × ${perUser} = ${conversations} conversations; sending tabs straight to the replicas, following tabs through ${deployment.followersVia} (reached: ${followersPerReplica.join(" / ")})`);

    const cpuBusyAtStart = await settle();
    const loadAverageAtStart = loadAverage();
    console.log(`CPUs ${cpuBusyAtStart}% busy, load average ${loadAverageAtStart}: sending`);
    const pids = deployment.replicas.map((replica) => replica.child.pid!);
    const rssIdle = pids.map(processRssMiB);
    const rssPeak = pids.map(() => 0);
    const redisIdle = redis ? await redisMemoryMiB(redis) : undefined;
    let loadAveragePeak = loadAverageAtStart;
    let rssSamples = 0;
    sampler = setInterval(() => {
      rssSamples += 1;
      pids.forEach((pid, index) => (rssPeak[index] = Math.max(rssPeak[index]!, processRssMiB(pid) || 0)));
      loadAveragePeak = Math.max(loadAveragePeak, loadAverage());
    }, 1_000);
    // Redis's own round trip as the load sees it (one PING at a time, every 250 ms): each event crosses it twice.
    const redisPingMs: number[] = [];
    let pinging = false;
    pinger = redis
      ? setInterval(() => {
          if (pinging) return;
          pinging = true;
          const sent = performance.now();
          void redis
            .ping()
            .then(() => redisPingMs.push(performance.now() - sent))
            .catch(() => undefined)
            .finally(() => (pinging = false));
        }, 250)
      : undefined;
    const cpuAtLoadStart = cpuTimes();
    const run = await runConversationLoad(tabs, timeoutMs);
    const cpuBusyDuringLoad = busyPercent(cpuAtLoadStart, cpuTimes());
    clearInterval(sampler);
    clearInterval(pinger);
    sampler = undefined;
    pinger = undefined;
    const rssEnd = pids.map(processRssMiB);
    console.log(`load finished (${run.outcome}) after ${(run.loadMs / 1000).toFixed(1)} s`);

    // Each conversation's home: the replica its CLI ran on (Redis knows; the single server is home to all).
    const replicaOf = new Map(deployment.replicas.map((_, index) => [deployment.instanceIdOf(index), index]));
    const homes = new Map<string, number | undefined>();
    for (const user of seeded) {
      for (const conversationId of user.conversationIds) {
        const home = redis ? await redis.get(`agentdesk:conversation-home:${conversationId}`) : deployment.instanceIdOf(0);
        homes.set(conversationId, home === null ? undefined : replicaOf.get(home));
      }
    }
    const onHome = (tab: LoadTab, conversationId: string) => tab.replica !== undefined && tab.replica === homes.get(conversationId);
    const offHome = (tab: LoadTab, conversationId: string) => tab.replica !== undefined && homes.get(conversationId) !== undefined && tab.replica !== homes.get(conversationId);

    const outcomes = await tallyOutcomes(run.results, deployment.store);
    const metrics = await Promise.all(deployment.replicas.map((replica) => readServerMetrics(replica.url)));
    const redisEnd = redis ? await redisMemoryMiB(redis) : undefined;
    return {
      label: deployment.label,
      replicas: deployment.replicas.length,
      redis: redis !== undefined,
      maxLiveClisPerReplica: deployment.maxLiveClisPerReplica,
      startSeconds,
      loadSeconds: Math.round(run.loadMs / 100) / 10,
      outcome: run.outcome,
      cpuBusyAtStart,
      cpuBusyDuringLoad,
      loadAverageAtStart,
      loadAveragePeak,
      followersVia: deployment.followersVia,
      ...outcomes,
      tabsDisagreeing: run.tabsDisagreeing,
      disagreements: run.disagreements,
      ms: {
        ...loadTimings(run.results),
        relayAll: tail(relaySamples(run)),
        relayOnHomeReplica: tail(relaySamples(run, onHome)),
        relayOtherReplica: tail(relaySamples(run, offHome)),
        relayFollowingTabs: tail(relaySamples(run, (tab) => !tab.sends)),
        ...(redis ? { redisPingDuringLoad: tail(redisPingMs) } : {}),
      },
      perReplica: deployment.replicas.map((_, index) => ({
        instanceId: deployment.instanceIdOf(index),
        sendingTabs: tabs.filter((tab) => tab.sends && tab.replica === index).length,
        followingTabs: followersPerReplica[index]!,
        conversationsHomed: [...homes.values()].filter((home) => home === index).length,
        runsStarted: metrics[index]!.runsStarted,
        liveCliCap: metrics[index]!.liveCliCap,
        serverFirstEventMeanMs: metrics[index]!.serverFirstEventMeanMs,
        rssIdleMiB: Math.round(rssIdle[index]!),
        rssPeakMiB: Math.round(rssPeak[index]!),
        rssEndMiB: Math.round(rssEnd[index]!),
      })),
      rssSamples,
      ...(redisIdle && redisEnd ? { redisMemoryMiB: { idle: redisIdle.used, peak: redisEnd.peak, end: redisEnd.used, rssEnd: redisEnd.rss } } : {}),
    };
  } finally {
    clearInterval(sampler);
    clearInterval(pinger);
    for (const tab of tabs) tab.socket.disconnect();
    redis?.disconnect();
    await deployment.close();
    await removeLoadWorkspaces(docker, seeded);
  }
}

function printComparison(reports: ConfigurationReport[], deltas: Record<string, number>) {
  const width = 44;
  const column = 26;
  const row = (name: string, values: string[]) => console.log(`${name.padEnd(width)}${values.map((value) => value.padStart(column)).join("")}`);
  const tailCell = (t: Tail | undefined) => (t && t.n > 0 ? `${t.p50} / ${t.p99} (n ${t.n})` : "—");
  console.log("");
  row("figure", reports.map((r) => r.label));
  row("completed / stored / lost", reports.map((r) => `${r.completed} / ${r.storedComplete} / ${r.lost} of ${r.conversations}`));
  row("failed / refused / queued (deepest)", reports.map((r) => `${r.failed} / ${r.refused} / ${r.queuedRuns} (${r.maxQueuePosition})`));
  row("load duration (s)", reports.map((r) => `${r.loadSeconds} (${r.outcome})`));
  row("CPU busy before / during load (%)", reports.map((r) => `${r.cpuBusyAtStart} / ${r.cpuBusyDuringLoad}`));
  row("load average at start / peak", reports.map((r) => `${r.loadAverageAtStart} / ${r.loadAveragePeak}`));
  for (const name of new Set(reports.flatMap((r) => Object.keys(r.ms)))) row(`${name} p50 / p99 (ms)`, reports.map((r) => tailCell(r.ms[name])));
  row("following tabs ≠ sending tab (seq)", reports.map((r) => String(r.tabsDisagreeing)));
  const most = Math.max(...reports.map((r) => r.perReplica.length));
  for (let i = 0; i < most; i += 1) {
    row(`replica ${i + 1}: RSS idle / peak / end (MiB)`, reports.map((r) => (r.perReplica[i] ? `${r.perReplica[i]!.rssIdleMiB} / ${r.perReplica[i]!.rssPeakMiB} / ${r.perReplica[i]!.rssEndMiB}` : "")));
    row(`replica ${i + 1}: runs / homed / tabs send+follow`, reports.map((r) => (r.perReplica[i] ? `${r.perReplica[i]!.runsStarted} / ${r.perReplica[i]!.conversationsHomed} / ${r.perReplica[i]!.sendingTabs}+${r.perReplica[i]!.followingTabs}` : "")));
  }
  row("MAX_LIVE_CLIS per replica", reports.map((r) => String(r.maxLiveClisPerReplica)));
  row("Redis used_memory idle / peak / end (MiB)", reports.map((r) => (r.redisMemoryMiB ? `${r.redisMemoryMiB.idle} / ${r.redisMemoryMiB.peak} / ${r.redisMemoryMiB.end}` : "—")));
  for (const [name, value] of Object.entries(deltas)) console.log(`${name}: ${value} ms`);
  for (const r of reports) for (const line of [...r.problems, ...r.disagreements]) console.log(`${r.label}: ${line}`);
}

async function main() {
  console.log(`replicas: ${conversations} conversations (${users} users × ${perUser}), 1 replica in-process, then ${replicaCount} replicas on Redis behind nginx; ${machineDescription()}`);
  const build = ensureProductionBuild();
  console.log(build.note);
  const started = Date.now();
  const single = await measure(startSingleServer);
  const cluster = await measure(startReplicas);
  const deltas = {
    relayP99RedisMinusInProcessMs: round(cluster.ms.relayAll!.p99 - single.ms.relayAll!.p99),
    relayP99OtherReplicaMinusInProcessMs: round(cluster.ms.relayOtherReplica!.p99 - single.ms.relayAll!.p99),
    relayP50RedisMinusInProcessMs: round(cluster.ms.relayAll!.p50 - single.ms.relayAll!.p50),
  };
  const report = {
    bench: "replicas",
    date: new Date().toISOString(),
    machine: machineDescription(),
    build,
    conversations,
    users,
    conversationsPerUser: perUser,
    hostLiveCliCap: hostCap,
    totalSeconds: Math.round((Date.now() - started) / 1000),
    targetRelayP99AddedMs: 20,
    withinTarget: deltas.relayP99RedisMinusInProcessMs <= 20,
    ...deltas,
    configurations: [single, cluster],
  };
  printComparison([single, cluster], { ...deltas, "target: Redis adds ≤ 20 ms p99 relay": 20 });
  const file = path.join(path.resolve(__dirname, ".."), ".cache", "bench", `replicas-${report.date.replace(/[:.]/g, "-")}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${path.relative(process.cwd(), file)}`);
  console.log(JSON.stringify(report));
  const clean = (r: ConfigurationReport) => r.lost === 0 && r.failed === 0 && r.refused === 0 && r.tabsDisagreeing === 0;
  process.exitCode = clean(single) && clean(cluster) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
