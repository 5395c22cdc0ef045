/**
 * Load benchmark (issue 7, item 7): N concurrent conversations against a real server process in
 * offline demo mode (the stand-in model), over Socket.IO on loopback, each in the project's own
 * workspace containers. Every conversation sends one message that runs a tool ("compute the sum of
 * 1 to 100 in Python") at the same moment; the bench reports what completed, what was lost, how
 * long the first event took, the platform's relay overhead, the server's memory, and the memory of
 * an idle container and of a live CLI process. Bounded: a fixed number of users, one message per
 * conversation, and a deadline for the whole load.
 *
 *   npx tsx bench/load-conversations.ts [--users 20] [--per-user 5] [--timeout-s 600] [--idle-wait-s 90]
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
import type { Socket } from "socket.io-client";
import type { RunEventEnvelope } from "../lib/socket-events";
import { createSqliteStore } from "../server/store/sqlite-store";
import { USER_LABEL, workspaceContainerName } from "../server/workspaces/workspace-names";
import { connectSocket, startServerProcess, type ServerProcess } from "../tests/integration/support/server-process";
import { machineDescription, percentile } from "./stats";

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const users = arg("users", 20);
const perUser = arg("per-user", 5);
const timeoutMs = arg("timeout-s", 600) * 1000;
const idleWaitMs = arg("idle-wait-s", 90) * 1000;
const prompt = "compute the sum of 1 to 100 in Python";
const docker = new Docker();
const agentEventTypes = new Set(["text_delta", "text", "tool_use", "tool_result", "result", "error"]);

interface ConversationResult {
  userId: string;
  conversationId: string;
  sentAt: number;
  ackMs?: number;
  ackError?: string;
  startedMs?: number;
  firstEventMs?: number;
  finishedMs?: number;
  status?: string;
  error?: string;
  toolOutput?: string;
  queuedAt?: number;
  queuedWaitMs?: number;
  maxQueuePosition?: number;
}

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

function stat(values: number[]) {
  const round = (value: number) => Math.round(value * 10) / 10;
  return { n: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(values.length > 0 ? Math.max(...values) : Number.NaN) };
}

/**
 * The server's own view from GET /metrics (loopback): its time-to-first-event histogram is taken
 * where the runner hands the CLI's first event on, so set against the client's figure it splits
 * platform time from the CLI's.
 */
async function serverMetrics(url: string): Promise<Record<string, number>> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then(
    (response) => (response.ok ? response.text() : ""),
    () => "",
  );
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const meanMs = (name: string) => Math.round((value(`${name}_sum`) / value(`${name}_count`)) * 1000);
  return {
    serverFirstEventMeanMs: meanMs("agentdesk_run_first_event_seconds"),
    serverRunDurationMeanMs: meanMs("agentdesk_run_duration_seconds"),
    liveCliCap: value("agentdesk_live_cli_cap"),
  };
}

async function cleanUp(userIds: string[]): Promise<void> {
  const ours = new Set(userIds);
  const mine = (labels: Record<string, string> | undefined) => ours.has(labels?.[USER_LABEL] ?? "");
  const filters = JSON.stringify({ label: [USER_LABEL] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.filter((c) => mine(c.Labels)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).filter((v) => mine(v.Labels)).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.filter((n) => mine(n.Labels)).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
}

async function main() {
  const total = users * perUser;
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-load-"));
  const userIds: string[] = [];
  let server: ServerProcess | undefined;
  const sockets: Socket[] = [];
  const memory: MemorySample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  console.log(`load: ${users} users × ${perUser} conversations = ${total} concurrent conversations, "${prompt}"`);
  try {
    // CLI_IDLE_MINUTES=1: after the load, CLIs end within a minute so idle containers can be measured.
    server = await startServerProcess({ dataDir, env: { LOG_LEVEL: "warn", CLI_IDLE_MINUTES: "1" } });
    const serverPid = server.child.pid!;
    const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
    const seeded: { userId: string; token: string; agentId: string; conversationIds: string[] }[] = [];
    for (let u = 0; u < users; u += 1) {
      const user = await store.createUser({ type: "guest" });
      userIds.push(user.id);
      const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
      const agent = await store.createAgent({ ownerId: user.id, name: "Calculator", model: "claude-sonnet-4-5" });
      const conversationIds: string[] = [];
      for (let c = 0; c < perUser; c += 1) conversationIds.push((await store.createConversation({ agentId: agent.id, ownerId: user.id })).id);
      seeded.push({ userId: user.id, token: session.id, agentId: agent.id, conversationIds });
    }

    const idleServer = rssOfTree(serverPid);
    sampler = setInterval(() => {
      const rss = rssOfTree(serverPid);
      memory.push({ at: Date.now(), serverRssMiB: rss.own, treeRssMiB: rss.tree });
    }, 1_000);

    const loadAverageAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const results: ConversationResult[] = [];
    const byConversation = new Map<string, ConversationResult>();
    const relayMs: number[] = [];
    const finished = new Map<string, () => void>();
    for (const user of seeded) {
      const socket = await connectSocket(server.url, user.token);
      sockets.push(socket);
      socket.on("conversation:event", (envelope: RunEventEnvelope) => {
        const receivedAt = Date.now();
        // Relay: from the server publishing the event (stamped as it handles the CLI's line) to this client.
        relayMs.push(receivedAt - Date.parse(envelope.at));
        const result = byConversation.get(envelope.conversationId);
        if (!result) return;
        const since = receivedAt - result.sentAt;
        const { event } = envelope;
        if (event.type === "run_started") result.startedMs ??= since;
        else if (event.type === "run_queued") {
          result.queuedAt ??= receivedAt;
          result.maxQueuePosition = Math.max(result.maxQueuePosition ?? 0, event.position);
        } else if (agentEventTypes.has(event.type)) {
          result.firstEventMs ??= since;
          if (result.queuedAt !== undefined) result.queuedWaitMs ??= receivedAt - result.queuedAt;
          if (event.type === "tool_result") result.toolOutput = event.output;
        } else if (event.type === "run_finished") {
          result.finishedMs = since;
          result.status = event.status;
          if (event.error) result.error = `${event.error.code}: ${event.error.message}`;
          finished.get(envelope.conversationId)?.();
        }
      });
      for (const conversationId of user.conversationIds) {
        const ack = await socket.emitWithAck("conversation:follow", { conversationId, afterSeq: -1 });
        if (!ack.ok) throw new Error(`follow failed: ${ack.error.message}`);
      }
    }

    // Everyone sends at once.
    const startedAt = Date.now();
    const done = seeded.flatMap((user, u) =>
      user.conversationIds.map(async (conversationId) => {
        const result: ConversationResult = { userId: user.userId, conversationId, sentAt: Date.now() };
        results.push(result);
        byConversation.set(conversationId, result);
        const runEnded = new Promise<void>((resolve) => finished.set(conversationId, resolve));
        const ack = await sockets[u]!.timeout(timeoutMs).emitWithAck("conversation:send", {
          agentId: user.agentId,
          conversationId,
          text: prompt,
          clientMessageId: `bench-${conversationId}`,
        }).catch((error: unknown) => ({ ok: false as const, error: { code: "timeout", message: String(error) } }));
        result.ackMs = Date.now() - result.sentAt;
        if (!ack.ok) {
          result.ackError = `${ack.error.code}: ${ack.error.message}`;
          return;
        }
        await runEnded;
      }),
    );
    const deadline = new Promise<"deadline">((resolve) => setTimeout(() => resolve("deadline"), timeoutMs).unref());
    const outcome = await Promise.race([Promise.all(done).then(() => "all" as const), deadline]);
    const loadMs = Date.now() - startedAt;
    clearInterval(sampler);
    sampler = undefined;
    console.log(`load finished (${outcome}) after ${(loadMs / 1000).toFixed(1)} s`);

    const metrics = await serverMetrics(server.url);

    // What the store holds must agree with what the clients saw.
    let storedComplete = 0;
    for (const result of results) {
      const messages = await store.listMessages(result.conversationId);
      if (messages.length === 2 && messages[1]!.status === "complete" && messages[1]!.content.some((b) => b.type === "tool_result" && b.output.includes("5050"))) {
        storedComplete += 1;
      }
    }
    const completed = results.filter((r) => r.status === "complete" && r.toolOutput?.includes("5050"));
    const refused = results.filter((r) => r.ackError);
    const failed = results.filter((r) => r.status !== undefined && r.status !== "complete");
    // Lost: accepted, yet no run_finished reached the client before the deadline.
    const lost = results.filter((r) => !r.ackError && r.status === undefined);
    const queued = results.filter((r) => r.queuedAt !== undefined);

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
      loadAverageAtStart,
      users,
      conversationsPerUser: perUser,
      conversations: total,
      loadSeconds: Math.round(loadMs / 100) / 10,
      completed: completed.length,
      storedComplete,
      refused: refused.length,
      failed: failed.length,
      lost: lost.length,
      queuedRuns: queued.length,
      maxQueuePosition: Math.max(0, ...queued.map((r) => r.maxQueuePosition ?? 0)),
      ms: {
        ack: stat(results.flatMap((r) => (r.ackMs === undefined || r.ackError ? [] : [r.ackMs]))),
        runStarted: stat(results.flatMap((r) => (r.startedMs === undefined ? [] : [r.startedMs]))),
        firstAgentEvent: stat(results.flatMap((r) => (r.firstEventMs === undefined ? [] : [r.firstEventMs]))),
        firstAgentEventNotQueued: stat(results.flatMap((r) => (r.firstEventMs === undefined || r.queuedAt !== undefined ? [] : [r.firstEventMs]))),
        queuedWait: stat(queued.flatMap((r) => (r.queuedWaitMs === undefined ? [] : [r.queuedWaitMs]))),
        runFinished: stat(results.flatMap((r) => (r.finishedMs === undefined ? [] : [r.finishedMs]))),
        relayServerToClient: stat(relayMs),
      },
      serverMetrics: metrics,
      mib: {
        serverRssIdle: Math.round(idleServer.own),
        serverRssPeak: Math.round(peak.serverRssMiB),
        serverTreeRssPeak: Math.round(peakTree),
        containerWithLiveClis: stat(withClis.map((entry) => entry.mem).filter(Number.isFinite)),
        liveCliRss: stat(cliRss),
        liveCliCgroupShare: stat(perCliCgroup),
        idleContainer: stat(idleMem),
        clisStillAliveAtIdleMeasurement: remaining,
      },
      problems: [...refused.map((r) => `refused ${r.conversationId}: ${r.ackError}`), ...failed.map((r) => `failed ${r.conversationId}: ${r.error ?? r.status}`), ...lost.map((r) => `lost ${r.conversationId}`)].slice(0, 20),
    };
    await store.close();
    printTable(report);
    console.log(JSON.stringify(report));
    process.exitCode = report.lost === 0 && report.failed === 0 && report.refused === 0 ? 0 : 1;
  } finally {
    if (sampler) clearInterval(sampler);
    for (const socket of sockets) socket.disconnect();
    await server?.stop("SIGTERM");
    await cleanUp(userIds);
    rmSync(dataDir, { recursive: true, force: true });
    const left = spawnSync("docker", ["ps", "-aq", "--filter", `label=${USER_LABEL}`]).stdout.toString().trim().split("\n").filter(Boolean).length;
    console.log(`cleaned up ${userIds.length} users' containers, volumes and networks (platform containers left on this engine, others' included: ${left})`);
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
  serverMetrics: Record<string, number>;
}) {
  console.log(`\nconversations ${report.conversations}: completed ${report.completed}, lost ${report.lost}, failed ${report.failed}, refused ${report.refused}, queued ${report.queuedRuns}`);
  console.log(`${"figure (ms)".padEnd(34)} ${"n".padStart(5)} ${"p50".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`);
  for (const [name, value] of Object.entries(report.ms)) {
    console.log(`${name.padEnd(34)} ${String(value.n).padStart(5)} ${String(value.p50).padStart(8)} ${String(value.p99).padStart(8)} ${String(value.max).padStart(8)}`);
  }
  console.log(`server's own /metrics: ${JSON.stringify(report.serverMetrics)}`);
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
