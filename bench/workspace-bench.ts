/**
 * Workspace runtime benchmark (issue "Workspace runtime"): container acquire cold and warm, first
 * event of a first and of a follow-up turn, the platform's overhead against a direct
 * `docker exec … claude -p` in the same run, image size, idle container and idle CLI memory.
 * Real Docker, real CLI, the offline demo model on loopback. Bounded: a fixed number of rounds.
 *
 *   npx tsx bench/workspace-bench.ts [--rounds 5]
 */
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { loadConfig } from "../server/config";
import { ClaudeRunner } from "../server/claude/claude-runner";
import { buildClaudeEnv, CLAUDE_EXECUTABLE } from "../server/claude/claude-environment";
import { createModelStandIn } from "../server/model-stand-in";
import { DockerWorkspaceRuntime } from "../server/workspaces/docker-workspace-runtime";
import { agentPaths, workspaceContainerName } from "../server/workspaces/workspace-names";
import { printReport, type Figure } from "./stats";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] || 5);
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
    for (let round = 0; round < rounds; round++) {
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
    await standIn.close();
  }

  const imageBytes = (await docker.getImage(config.WORKSPACE_IMAGE).inspect()).Size;
  printReport("workspace", [coldAcquire, warmAcquire, firstTurn, followUp, direct, platformFirst, idleContainerMb, idleCliMb], {
    imageMb: Math.round(imageBytes / 1e6),
    imageTargetMb: 1800,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
