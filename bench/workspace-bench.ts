/**
 * Workspace runtime benchmark (issue "Workspace runtime"): container acquire cold and warm, first
 * event of a first and of a follow-up turn, the platform's overhead against a direct
 * `docker exec … claude -p` in the same run, image size, idle container and idle CLI memory.
 * Real Docker, real CLI, the offline demo model on loopback. Bounded: a fixed number of rounds.
 *
 * Then the first message of a conversation on a warm workspace, without and with a prewarm, as a
 * timeline of the platform's steps (bench/first-message-timeline.ts), the CPU one CLI start costs
 * (container cgroup, spawn → initialize answered), and bare `docker exec` references.
 *
 *   npx tsx bench/workspace-bench.ts [--rounds 5] [--timeline-rounds 5] [--timeline-only]
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { loadConfig } from "../server/config";
import { ClaudeRunner } from "../server/claude/claude-runner";
import { buildClaudeEnv, CLAUDE_EXECUTABLE } from "../server/claude/claude-environment";
import { createModelStandIn } from "../server/model-stand-in";
import { DockerWorkspaceRuntime } from "../server/workspaces/docker-workspace-runtime";
import { agentPaths, workspaceContainerName } from "../server/workspaces/workspace-names";
import { containerCpuNs, firstMessageSteps, timedDocker, timedRuntime, Timeline } from "./first-message-timeline";
import { numberFlag } from "./flags";
import { percentile, printReport, type Figure } from "./stats";

const rounds = numberFlag("rounds", 5, { whole: true });
const timelineRounds = numberFlag("timeline-rounds", 5, { whole: true });
const timelineOnly = process.argv.includes("--timeline-only");
const config = loadConfig({ ...process.env, LOG_LEVEL: "warn" });
const docker = new Docker();

function figure(name: string, unit: string, target?: string): Figure {
  return { name, unit, samples: [], ...(target ? { target } : {}) };
}

async function main() {
  const standIn = await createModelStandIn({ host: "0.0.0.0", port: 0, pacing: 0 });
  const credentials = { apiKey: "bench", baseUrl: `http://host.docker.internal:${standIn.port}` };
  const runtime = new DockerWorkspaceRuntime(docker, { image: config.WORKSPACE_IMAGE, memoryMb: 1024, cpus: 1, pidsLimit: 512 });
  const runner = new ClaudeRunner({ runtime, credentials, cliIdleMs: 10 * 60_000 });

  const coldAcquire = figure("acquire, cold (create+start+ready)", "ms", "≤ 800 p50");
  const warmAcquire = figure("acquire, warm (running)", "ms", "≤ 100 p50");
  const firstTurn = figure("first event, first turn (new CLI)", "ms");
  const followUp = figure("first event, follow-up turn (kept CLI)", "ms", "≤ 150 p50");
  const direct = figure("first event, direct docker exec claude -p", "ms");
  const platformFirst = figure("platform overhead vs direct (first turn)", "ms");
  const idleContainerMb = figure("idle container memory", "MiB");
  const idleCliMb = figure("idle CLI process memory (RSS)", "MiB");

  const users: string[] = [];
  try {
    for (let round = 0; round < (timelineOnly ? 0 : rounds); round++) {
      const userId = `bench-${randomUUID().slice(0, 8)}`;
      users.push(userId);

      let started = performance.now();
      const workspace = await runtime.ensureWorkspace(userId);
      coldAcquire.samples.push(performance.now() - started);

      for (let i = 0; i < 3; i++) {
        started = performance.now();
        await runtime.ensureWorkspace(userId);
        warmAcquire.samples.push(performance.now() - started);
      }

      const stats = await docker.getContainer(workspace.id).stats({ stream: false });
      idleContainerMb.samples.push((stats.memory_stats.usage ?? 0) / 2 ** 20);

      const agentId = `a${round}`;
      const conversationId = `c${round}`;
      const claudeSessionId = randomUUID();
      const turn = async (prompt: string) => {
        let firstEventAt = 0;
        const begin = performance.now();
        await runner.runAgentTurn({ userId, agentId, conversationId, claudeSessionId, prompt }, () => {
          firstEventAt ||= performance.now();
        });
        return firstEventAt - begin;
      };
      const first = await turn("compute the sum of 1 to 100 in Python");
      firstTurn.samples.push(first);
      followUp.samples.push(await turn("now only the even numbers"));

      // The CLI process kept alive between turns, measured inside the container.
      const rss = execFileSync("docker", ["exec", workspaceContainerName(userId), "ps", "-C", "claude", "-o", "rss="]).toString().trim().split("\n")[0];
      if (rss) idleCliMb.samples.push(Number(rss) / 1024);

      // The same first turn without the platform: docker exec of `claude -p` straight from the CLI.
      const paths = agentPaths(`direct${round}`);
      await runtime.ensureAgentPaths(workspace, `direct${round}`);
      const env = buildClaudeEnv(credentials, paths);
      const directMs = await new Promise<number>((resolve, reject) => {
        const begin = performance.now();
        const child = spawn("docker", [
          "exec", "-i", "-u", "1000:1000", "-w", paths.workdir,
          ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
          workspaceContainerName(userId), CLAUDE_EXECUTABLE, "-p", "compute the sum of 1 to 100 in Python",
          "--output-format", "stream-json", "--verbose", "--include-partial-messages", "--permission-mode", "bypassPermissions",
        ]);
        let firstAt = 0;
        child.stdout.on("data", () => {
          firstAt ||= performance.now();
        });
        child.on("error", reject);
        child.on("close", () => resolve(firstAt - begin));
        child.stdin.end();
      });
      direct.samples.push(directMs);
      platformFirst.samples.push(first - directMs);
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    }
  } finally {
    await runner.shutdown();
    for (const userId of users) await runtime.deleteUserWorkspace(userId).catch(() => undefined);
  }

  const timeline = await firstMessageTimeline(credentials);
  await standIn.close();
  const imageBytes = (await docker.getImage(config.WORKSPACE_IMAGE).inspect()).Size;
  const figures = timelineOnly ? [] : [coldAcquire, warmAcquire, firstTurn, followUp, direct, platformFirst, idleContainerMb, idleCliMb];
  printReport("workspace", [...figures, ...timeline.figures], {
    imageMb: Math.round(imageBytes / 1e6),
    imageTargetMb: 1800,
    loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    firstMessageSteps: timeline.steps,
  });
}

/** Median of each step per mode, in order, then the first event: the timeline a reader scans. */
function printTimeline(steps: Record<string, Record<string, number[]>>) {
  console.log(`\nfirst message on a warm workspace, timeline (ms, p50 over rounds; marks from the runtime wrapper and the CLI's stdio)`);
  const modes = Object.keys(steps);
  const labels = [...new Set(modes.flatMap((mode) => Object.keys(steps[mode]!)))];
  console.log(`${"step".padEnd(58)} ${modes.map((mode) => mode.padStart(14)).join(" ")}`);
  for (const label of labels) {
    const cells = modes.map((mode) => {
      const samples = steps[mode]![label] ?? [];
      return (samples.length > 0 ? `${Math.round(percentile(samples, 50))} (n=${samples.length})` : "—").padStart(14);
    });
    console.log(`${label.padEnd(58)} ${cells.join(" ")}`);
  }
}

/**
 * The first message of a new conversation on a warm workspace through the real ClaudeRunner, on
 * a runtime that marks each call: without a prewarm (the turn starts the CLI), and with one (the
 * CLI was started when the chat was opened and has answered its handshake before the message).
 */
async function firstMessageTimeline(credentials: { apiKey: string; baseUrl: string }) {
  const timeline = new Timeline();
  const timedEngine = timedDocker(timeline);
  const runtime = timedRuntime(new DockerWorkspaceRuntime(timedEngine, { image: config.WORKSPACE_IMAGE, memoryMb: 1024, cpus: 1, pidsLimit: 512 }), timeline, docker);
  const runner = new ClaudeRunner({ runtime, credentials, cliIdleMs: 10 * 60_000 });
  const userId = `bench-${randomUUID().slice(0, 8)}`;
  const noPrewarm = figure("first message, warm workspace, no prewarm", "ms", "≤ 500 p50");
  const prewarmed = figure("first message, warm workspace, prewarmed", "ms", "≤ 150 p50");
  const cpuPerStart = figure("CPU per CLI start (spawn → initialize answered)", "ms CPU");
  const bootWall = figure("CLI start wall time (spawn → initialize answered)", "ms");
  const bareTrue = figure("bare docker exec <c> true", "ms");
  const bareVersion = figure("bare docker exec <c> claude --version", "ms");
  const versionCpu = figure("CPU of claude --version (container cgroup)", "ms CPU");
  const steps: Record<string, Record<string, number[]>> = { "no prewarm": {}, prewarmed: {} };
  const record = (mode: string) => {
    for (const [label, from, to] of firstMessageSteps) {
      const ms = timeline.between(from, to);
      if (ms !== undefined) (steps[mode]![label] ??= []).push(ms);
    }
  };
  const recordStart = () => {
    const boot = timeline.between("spawnCalled", "handshakeAnswered");
    if (boot !== undefined) bootWall.samples.push(boot);
    if (timeline.cpuAtSpawnNs !== undefined && timeline.cpuAtHandshakeNs !== undefined) cpuPerStart.samples.push((timeline.cpuAtHandshakeNs - timeline.cpuAtSpawnNs) / 1e6);
  };
  const waitFor = async (check: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  try {
    const workspace = await runtime.ensureWorkspace(userId);
    const agentId = "timeline";
    // The agent has talked before: its folders exist, as for any agent but a brand-new one.
    await runtime.ensureAgentPaths(workspace, agentId);
    const container = workspaceContainerName(userId);
    for (let round = 0; round < timelineRounds; round++) {
      for (const command of [["true"], [CLAUDE_EXECUTABLE, "--version"]]) {
        const cpuBefore = await containerCpuNs(docker, workspace.id);
        const begin = performance.now();
        execFileSync("docker", ["exec", "-u", "1000:1000", container, ...command], { stdio: "ignore" });
        const wall = performance.now() - begin;
        if (command[0] === "true") bareTrue.samples.push(wall);
        else {
          bareVersion.samples.push(wall);
          versionCpu.samples.push(((await containerCpuNs(docker, workspace.id)) - cpuBefore) / 1e6);
        }
      }
      for (const mode of ["no prewarm", "prewarmed"] as const) {
        const request = { userId, agentId, conversationId: `timeline-${mode === "prewarmed" ? "p" : "n"}${round}`, claudeSessionId: randomUUID() };
        if (mode === "prewarmed") {
          timeline.reset();
          await runner.prewarmConversation(request);
          await waitFor(() => timeline.marks.has("handshakeAnswered") && timeline.cpuAtHandshakeNs !== undefined, 30_000);
          recordStart();
          // Someone reads the chat for a moment before writing; the CLI has settled by then.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        timeline.reset();
        let firstMs = Number.NaN;
        await runner.runAgentTurn({ ...request, prompt: "compute the sum of 1 to 100 in Python" }, () => {
          if (Number.isNaN(firstMs)) firstMs = timeline.elapsed();
          timeline.mark("firstAgentEvent");
        });
        record(mode);
        (mode === "prewarmed" ? prewarmed : noPrewarm).samples.push(firstMs);
        (steps[mode]!["send → first agent event"] ??= []).push(firstMs);
        if (mode === "no prewarm") {
          await waitFor(() => timeline.cpuAtHandshakeNs !== undefined, 5_000);
          recordStart();
        }
        await runner.closeConversation(request.conversationId);
      }
      process.stderr.write(`timeline round ${round + 1}/${timelineRounds} done\n`);
    }
  } finally {
    await runner.shutdown();
    await runtime.deleteUserWorkspace(userId).catch(() => undefined);
  }
  printTimeline(steps);
  // The figure the CLI start admission's comment cites.
  console.log(`CPU seconds per CLI start: p50 ${(percentile(cpuPerStart.samples, 50) / 1000).toFixed(3)} s, p95 ${(percentile(cpuPerStart.samples, 95) / 1000).toFixed(3)} s (n=${cpuPerStart.samples.length}, container cgroup CPU from spawn to the initialize answer)`);
  const medians = Object.fromEntries(Object.entries(steps).map(([mode, byStep]) => [mode, Object.fromEntries(Object.entries(byStep).map(([label, samples]) => [label, Math.round(percentile(samples, 50))]))]));
  return { figures: [noPrewarm, prewarmed, bootWall, cpuPerStart, bareTrue, bareVersion, versionCpu], steps: medians };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
