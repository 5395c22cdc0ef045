import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelStandIn, type ModelStandIn, type StandInRequestLog } from "../../server/model-stand-in";

/*
 * The real Claude Code CLI against the offline stand-in: the CLI really runs the tools the
 * scripts ask for, and the answers must quote what those tools really printed.
 */

const CLI = path.resolve(__dirname, "../../node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude");
const cliPresent = existsSync(CLI);
const RUN_TIMEOUT_MS = 90_000;

interface CliEvent {
  type: string;
  subtype?: string;
  session_id?: string;
  result?: string;
  is_error?: boolean;
  total_cost_usd?: number;
  usage?: { input_tokens: number; output_tokens: number };
  message?: { content?: unknown };
  event?: { type: string; delta?: { type: string; partial_json?: string; text?: string } };
}

interface CliRun {
  code: number | null;
  stderr: string;
  events: CliEvent[];
}

interface ToolResultBlock {
  type: "tool_result";
  content: unknown;
  is_error?: boolean;
}

function toolResults(run: CliRun): ToolResultBlock[] {
  return run.events
    .filter((e) => e.type === "user" && Array.isArray(e.message?.content))
    .flatMap((e) => e.message?.content as { type: string }[])
    .filter((block): block is ToolResultBlock => block.type === "tool_result");
}

function resultOf(run: CliRun): CliEvent {
  const result = run.events.find((e) => e.type === "result");
  if (result === undefined) throw new Error(`CLI printed no result (exit ${run.code}):\n${run.stderr}`);
  return result;
}

const title = cliPresent
  ? "real Claude Code CLI against the model stand-in"
  : `real Claude Code CLI against the model stand-in (skipped: no binary at ${CLI}; npm install brings it with @anthropic-ai/claude-agent-sdk)`;

describe.skipIf(!cliPresent)(title, () => {
  let standIn: ModelStandIn;
  let root: string;
  let cwd: string;
  let configDir: string;
  const requests: StandInRequestLog[] = [];

  beforeAll(async () => {
    standIn = await createModelStandIn({ host: "127.0.0.1", port: 0, pacing: 2, onRequest: (entry) => requests.push(entry) });
    root = await mkdtemp(path.join(os.tmpdir(), "stand-in-cli-"));
    cwd = path.join(root, "work");
    configDir = path.join(root, "config");
    await mkdir(cwd);
    await mkdir(configDir);
  });

  afterAll(async () => {
    await standIn?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  // Only what the CLI needs; in particular no NODE_ENV=test from vitest, which the CLI reads too.
  function cliEnv(): NodeJS.ProcessEnv {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      // A home of its own keeps the CLI's shell snapshot from sourcing the host's ~/.bashrc.
      HOME: root,
      ANTHROPIC_BASE_URL: standIn.url,
      ANTHROPIC_API_KEY: "stand-in",
      DISABLE_TELEMETRY: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      CLAUDE_CONFIG_DIR: configDir,
    };
    return env as NodeJS.ProcessEnv;
  }

  function runCli(args: string[]): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        CLI,
        [...args, "--output-format", "stream-json", "--verbose", "--include-partial-messages", "--allowedTools", "Bash Write Read Edit"],
        {
          cwd,
          env: cliEnv(),
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        const events = stdout
          .split("\n")
          .filter((line) => line.trim().startsWith("{"))
          .map((line) => JSON.parse(line) as CliEvent);
        resolve({ code, stderr, events });
      });
    });
  }

  it("computes the sum with a real Bash tool call, then the even sum after --resume", async () => {
    const sessionId = randomUUID();
    const first = await runCli(["-p", "compute the sum of 1 to 100 in Python", "--session-id", sessionId]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.events.find((e) => e.type === "system" && e.subtype === "init")?.session_id).toBe(sessionId);

    // Streaming really went through the CLI: partial tool input and text arrived as deltas.
    const deltas = first.events.filter((e) => e.type === "stream_event" && e.event?.type === "content_block_delta");
    expect(deltas.some((e) => e.event?.delta?.type === "input_json_delta")).toBe(true);
    expect(deltas.some((e) => e.event?.delta?.type === "text_delta")).toBe(true);

    const [sumResult] = toolResults(first);
    expect(sumResult?.is_error ?? false).toBe(false);
    expect(JSON.stringify(sumResult?.content)).toContain("5050");
    const result = resultOf(first);
    expect(result.is_error).toBe(false);
    expect(result.result).toContain("5050");
    expect(result.session_id).toBe(sessionId);
    expect(result.usage?.input_tokens).toBeGreaterThan(0);
    expect(result.usage?.output_tokens).toBeGreaterThan(0);
    expect(result.total_cost_usd).toBeGreaterThan(0);

    const resumed = await runCli(["-p", "now only the even numbers", "--resume", sessionId]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.stringify(toolResults(resumed)[0]?.content)).toContain("2550");
    expect(resultOf(resumed).result).toContain("2550");
    expect(resultOf(resumed).session_id).toBe(sessionId);
  });

  it("does not answer the follow-up in a fresh session that lacks the history", async () => {
    const fresh = await runCli(["-p", "now only the even numbers", "--session-id", randomUUID()]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(toolResults(fresh)).toHaveLength(0);
    expect(resultOf(fresh).result).toMatch(/don't know which numbers/i);
  });

  it("writes and runs a chart script that really produces a PNG", async () => {
    const run = await runCli(["-p", "make a chart of monthly sales"]);
    expect(run.code, run.stderr).toBe(0);
    expect(toolResults(run).every((r) => r.is_error !== true)).toBe(true);
    expect(resultOf(run).result).toContain("chart.png");
    const png = await readFile(path.join(cwd, "chart.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(500);
    expect(await readFile(path.join(cwd, "make_chart.py"), "utf8")).toContain("chart.png");
  });

  it("creates and reads back a file with the Write and Read tools", async () => {
    const write = await runCli(["-p", "create a file named hello.txt with content Hello from the stand-in"]);
    expect(write.code, write.stderr).toBe(0);
    expect(await readFile(path.join(cwd, "hello.txt"), "utf8")).toBe("Hello from the stand-in");
    const read = await runCli(["-p", "read hello.txt"]);
    expect(resultOf(read).result).toContain("Hello from the stand-in");
  });

  it("handled every request the CLI sent (no 4xx/5xx), all of them Messages API calls", () => {
    // Learned from these runs: with telemetry and non-essential traffic off, 2.1.331 in -p mode
    // sends only POST /v1/messages?beta=true (streaming, with tools); no title or quota calls.
    expect(requests.length).toBeGreaterThan(0);
    for (const entry of requests) {
      expect(entry.status, JSON.stringify(entry)).toBeLessThan(400);
      expect(["POST /v1/messages", "HEAD /", "GET /"]).toContain(`${entry.method} ${entry.path}`);
    }
  });
});
