/**
 * Load benchmark (issue 7, item 7): N concurrent conversations against a real server process in
 * offline demo mode (the stand-in model), over Socket.IO on loopback, each in the project's own
 * workspace containers. Every conversation sends one message that runs a tool ("compute the sum of
 * 1 to 100 in Python") at the same moment; the bench reports what completed, what was lost, how
 * long the first event took, the platform's relay overhead, the server's memory, and the memory of
 * an idle container and of a live CLI process. Bounded: a fixed number of users, one message per
 * conversation, and a deadline for the whole load.
 *
 *   npx tsx bench/load-conversations.ts [--users 20 | --conversations 100] [--per-user 5] [--timeout-s 600] [--idle-wait-s 90] [--waited-s 10]
 *
 * The server is the production one, as `npm start` runs it: `node dist/server.js` with
 * NODE_ENV=production serving the last `next build` (both built first when missing or older than
 * the sources). Besides the tabs' figures the bench samples, once a second, the machine's CPU use
 * and load average and the server's gauges (CLIs starting at once, live CLIs, queued runs), and
 * reports the first agent event of the first 10 / 50 / 100 arrivals — the conversations whose
 * message the server stored first.
 *
 * Users are guests seeded straight into the server's SQLite file (seeding is not measured); each
 * user is one socket (one browser tab) following its conversations, and one container. The default
 * 20 users × 5 conversations: five live CLIs share a container's 1 GiB limit with room to spare
 * (measured ≈100 MiB of cgroup memory per extra CLI), five is the default per-user run limit, and
 * 20 containers start far sooner than 100 on two cores; --users 100 --per-user 1 is the other shape.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { createSqliteStore } from "../server/store/sqlite-store";
import { USER_LABEL, workspaceContainerName } from "../server/workspaces/workspace-names";
import { connectSocket, startServerProcess, type ServerProcess } from "../tests/integration/support/server-process";
import {
  arrivalOrder,
  firstEventByArrival,
  loadPrompt,
  loadTimings,
  readServerMetrics,
  relaySamples,
  removeLoadWorkspaces,
  runConversationLoad,
  seedLoadUsers,
  tallyOutcomes,
  type LoadTab,
  type LoadUser,
  type ServerFigures,
  waitNotices,
  type WaitNotices,
} from "./conversation-load";
import { numberFlag } from "./flags";
import { sampleMachine, type MachineFigures } from "./machine-sampler";
import { ensureProductionBuild, ensureServerBundle } from "./production-build";
import { machineDescription, tail } from "./stats";

const perUser = numberFlag("per-user", 5, { whole: true });
// --conversations (as the replicas bench takes it) or --users: the total is users × per-user either way.
const users = process.argv.includes("--conversations") ? numberFlag("conversations", 100, { whole: true }) / perUser : numberFlag("users", 20, { whole: true });
if (!Number.isInteger(users)) throw new Error(`--conversations must be a multiple of --per-user (${perUser})`);
const waitedAfterMs = numberFlag("waited-s", 10) * 1000;
const sampledGauges = ["agentdesk_cli_starting", "agentdesk_live_clis", "agentdesk_run_queue_length"];
const timeoutMs = numberFlag("timeout-s", 600) * 1000;
const idleWaitMs = numberFlag("idle-wait-s", 90) * 1000;
const docker = new Docker();

interface MemorySample {
  at: number;
  serverRssMiB: number;
  treeRssMiB: number;
}

/** RSS of a process and of all its descendants, from /proc (MiB). */
function rssOfTree(rootPid: number): { own: number; tree: number } {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      parents.set(Number(entry), ppid);
      rss.set(Number(entry), kb);
    } catch {
      // the process ended while being read
    }
  }
  const inTree = (pid: number): boolean => {
    for (let current = pid, depth = 0; current > 1 && depth < 50; current = parents.get(current) ?? 0, depth += 1) {
      if (current === rootPid) return true;
    }
    return false;
  };
  let tree = 0;
  for (const [pid, kb] of rss) if (inTree(pid)) tree += kb;
  return { own: (rss.get(rootPid) ?? 0) / 1024, tree: tree / 1024 };
}

/** Container memory as `docker stats` shows it: cgroup usage less the inactive page cache (MiB). */
async function containerMemoryMiB(name: string): Promise<number> {
  const stats = (await docker.getContainer(name).stats({ stream: false })) as unknown as {
    memory_stats: { usage?: number; stats?: Record<string, number> };
  };
  const usage = stats.memory_stats.usage ?? 0;
  const cache = stats.memory_stats.stats?.inactive_file ?? stats.memory_stats.stats?.total_inactive_file ?? 0;
  return (usage - cache) / 2 ** 20;
}

/** RSS of each Claude Code CLI process in the container (MiB), from the host's ps via `docker top`. */
async function cliRssMiB(name: string): Promise<number[]> {
  const top = (await docker.getContainer(name).top({ ps_args: "-o pid,rss,args" })) as { Titles: string[]; Processes: string[][] };
  const rssIndex = top.Titles.indexOf("RSS");
  const argsIndex = top.Titles.findIndex((title) => title === "COMMAND" || title === "ARGS");
  return top.Processes.filter((row) => row[argsIndex]?.includes("/usr/local/bin/claude")).map((row) => Number(row[rssIndex]) / 1024);
}

async function main() {
  const total = users * perUser;
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-load-"));
  let seeded: LoadUser[] = [];
  let server: ServerProcess | undefined;
  const tabs: LoadTab[] = [];
  const memory: MemorySample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  console.log(`load: ${users} users × ${perUser} conversations = ${total} concurrent conversations, "${loadPrompt}"`);
  const build = [ensureProductionBuild(), ensureServerBundle()];
  for (const check of build) console.log(check.note);
  try {
    // CLI_IDLE_MINUTES=1: after the load, CLIs end within a minute so idle containers can be measured.
    // Schedules off: nothing but the load runs.
    server = await startServerProcess({ dataDir, mode: "production", entry: "bundle", env: { LOG_LEVEL: "warn", CLI_IDLE_MINUTES: "1", SCHEDULER_TICK_SECONDS: "0" } });
    const serverPid = server.child.pid!;
    const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
    seeded = await seedLoadUsers(store, users, perUser);

    const idleServer = rssOfTree(serverPid);
    sampler = setInterval(() => {
      const rss = rssOfTree(serverPid);
      memory.push({ at: Date.now(), serverRssMiB: rss.own, treeRssMiB: rss.tree });
    }, 1_000);

    const loadAverageAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    // One socket (tab) per user, following its conversations and sending in each, all at once.
    for (const user of seeded) tabs.push({ user, socket: await connectSocket(server.url, user.token), sends: true });
    const machineSampler = sampleMachine(`${server.url}/metrics`, sampledGauges);
    const run = await runConversationLoad(tabs, timeoutMs);
    const machine = machineSampler.stop();
    clearInterval(sampler);
    sampler = undefined;
    console.log(`load finished (${run.outcome}) after ${(run.loadMs / 1000).toFixed(1)} s`);

    const metrics = await readServerMetrics(server.url);
    // What the store holds must agree with what the clients saw.
    const outcomes = await tallyOutcomes(run.results, store);
    const byArrival = firstEventByArrival(await arrivalOrder(run.results, store));
    const notices = waitNotices(run.results, waitedAfterMs);

    // Memory of live CLIs now (they stay alive for CLI_IDLE_MINUTES after their turn).
    const containerNames = seeded.map((user) => workspaceContainerName(user.userId));
    const withClis = await Promise.all(containerNames.map(async (name) => ({ name, mem: await containerMemoryMiB(name).catch(() => NaN), clis: await cliRssMiB(name).catch(() => []) })));
    const cliRss = withClis.flatMap((entry) => entry.clis);

    // Then wait for every CLI to end by itself (idle timeout) and measure the idle containers.
    const idleDeadline = Date.now() + idleWaitMs;
    let remaining = cliRss.length;
    while (remaining > 0 && Date.now() < idleDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      remaining = (await Promise.all(containerNames.map((name) => cliRssMiB(name).catch(() => [])))).flat().length;
    }
    const idle = await Promise.all(containerNames.map(async (name) => ({ name, mem: await containerMemoryMiB(name).catch(() => NaN) })));
    const idleMem = idle.map((entry) => entry.mem).filter(Number.isFinite);
    const perCliCgroup = withClis
      .map((entry, i) => (entry.clis.length > 0 && Number.isFinite(idle[i]!.mem) ? (entry.mem - idle[i]!.mem) / entry.clis.length : NaN))
      .filter(Number.isFinite);

    const peak = memory.reduce((max, sample) => (sample.serverRssMiB > max.serverRssMiB ? sample : max), { at: 0, serverRssMiB: idleServer.own, treeRssMiB: idleServer.tree });
    const peakTree = Math.max(idleServer.tree, ...memory.map((sample) => sample.treeRssMiB));
    const report = {
      bench: "load-conversations",
      date: new Date().toISOString(),
      machine: machineDescription(),
      server: "production (node dist/server.js, NODE_ENV=production)",
      build: build.map((check) => check.note),
      loadAverageAtStart,
      users,
      conversationsPerUser: perUser,
      loadSeconds: Math.round(run.loadMs / 100) / 10,
      ...outcomes,
      waitNotices: notices,
      ms: { ...loadTimings(run.results), ...byArrival, relayServerToClient: tail(relaySamples(run)) },
      duringLoad: machine,
      serverMetrics: metrics,
      mib: {
        serverRssIdle: Math.round(idleServer.own),
        serverRssPeak: Math.round(peak.serverRssMiB),
        serverTreeRssPeak: Math.round(peakTree),
        containerWithLiveClis: tail(withClis.map((entry) => entry.mem).filter(Number.isFinite)),
        liveCliRss: tail(cliRss),
        liveCliCgroupShare: tail(perCliCgroup),
        idleContainer: tail(idleMem),
        clisStillAliveAtIdleMeasurement: remaining,
      },
    };
    await store.close();
    printTable(report);
    console.log(JSON.stringify(report));
    process.exitCode = report.lost === 0 && report.failed === 0 && report.refused === 0 ? 0 : 1;
  } finally {
    if (sampler) clearInterval(sampler);
    for (const tab of tabs) tab.socket.disconnect();
    await server?.stop("SIGTERM");
    await removeLoadWorkspaces(docker, seeded);
    rmSync(dataDir, { recursive: true, force: true });
    const left = spawnSync("docker", ["ps", "-aq", "--filter", `label=${USER_LABEL}`]).stdout.toString().trim().split("\n").filter(Boolean).length;
    console.log(`cleaned up ${seeded.length} users' containers, volumes and networks (platform containers left on this engine, others' included: ${left})`);
  }
}

function printTable(report: {
  conversations: number;
  completed: number;
  lost: number;
  failed: number;
  refused: number;
  queuedRuns: number;
  ms: Record<string, { n: number; p50: number; p99: number; max: number }>;
  mib: Record<string, unknown>;
  serverMetrics: ServerFigures;
  waitNotices: WaitNotices;
  duringLoad: MachineFigures;
}) {
  console.log(`\nconversations ${report.conversations}: completed ${report.completed}, lost ${report.lost}, failed ${report.failed}, refused ${report.refused}, queued ${report.queuedRuns}`);
  const notices = report.waitNotices;
  console.log(`waited (run_queued seen, or first event after ${notices.waitedAfterMs / 1000} s): ${notices.waited}; told their place: ${notices.toldPlace}; waited untold: ${notices.waitedUntold}`);
  console.log("first N arrivals = the N conversations whose user message the server stored first (its createdAt)");
  console.log(`${"figure (ms)".padEnd(34)} ${"n".padStart(5)} ${"p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`);
  for (const [name, value] of Object.entries(report.ms)) {
    console.log(`${name.padEnd(34)} ${String(value.n).padStart(5)} ${String(value.p50).padStart(8)} ${String(value.p99).padStart(8)} ${String(value.max).padStart(8)}`);
  }
  console.log(`server's own /metrics: ${JSON.stringify(report.serverMetrics)}`);
  const machine = report.duringLoad;
  const row = (name: string, v: { n: number; p50: number; max: number } | "n/a") =>
    console.log(`${name.padEnd(34)} ${(v === "n/a" ? "" : String(v.n)).padStart(5)} ${(v === "n/a" ? "n/a" : String(v.p50)).padStart(8)} ${"".padStart(8)} ${(v === "n/a" ? "n/a" : String(v.max)).padStart(8)}`);
  console.log(`${"during the load (1 s samples)".padEnd(34)} ${"n".padStart(5)} ${"p50".padStart(8)} ${"".padStart(8)} ${"max".padStart(8)}`);
  row("machine CPU busy (%, all cores)", machine.cpuBusyPercent);
  row("load average (1 min)", machine.loadAverage1m);
  row("CLIs starting at once", machine.gauges.agentdesk_cli_starting ?? "n/a");
  row("live CLIs", machine.gauges.agentdesk_live_clis ?? "n/a");
  row("runs queued", machine.gauges.agentdesk_run_queue_length ?? "n/a");
  console.log(`${"memory (MiB)".padEnd(34)} ${"n".padStart(5)} ${"p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`);
  for (const [name, value] of Object.entries(report.mib)) {
    if (typeof value === "number") console.log(`${name.padEnd(34)} ${"".padStart(5)} ${String(value).padStart(8)}`);
    else {
      const v = value as { n: number; p50: number; p99: number; max: number };
      console.log(`${name.padEnd(34)} ${String(v.n).padStart(5)} ${String(v.p50).padStart(8)} ${String(v.p99).padStart(8)} ${String(v.max).padStart(8)}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
