import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect } from "socket.io-client";

/**
 * The real server process (server/server.ts in development mode): one port for pages, REST,
 * /health and Socket.IO, and a graceful shutdown that tells connected clients and exits in time.
 */
const port = 3290;
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess;
let dataDir: string;
let output = "";

async function waitForServer(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const ok = await fetch(`${base}/health`).then(
      (response) => response.status === 200 || response.status === 503,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server did not answer within ${timeoutMs} ms:\n${output}`);
}

/** A guest session from the limit test, since this address may start no more. */
let guestToken: string | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "server-lifecycle-"));
  server = spawn(process.execPath, ["--import", "tsx", "server/server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      DATA_DIR: dataDir,
      MODEL_STAND_IN_PORT: "3291",
      LOG_LEVEL: "info",
      ANTHROPIC_API_KEY: "",
      ANTHROPIC_BASE_URL: "",
      CLAUDE_CODE_OAUTH_TOKEN: "",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: "server-lifecycle-test-secret-0123456789abcdef",
      GUEST_SIGNUPS_PER_HOUR: "3",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk) => (output += chunk));
  server.stderr!.on("data", (chunk) => (output += chunk));
  await waitForServer(120_000);
});

afterAll(() => {
  if (server.exitCode === null) server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the platform server", () => {
  it("reports each dependency on /health", async () => {
    const response = await fetch(`${base}/health`);
    const report = (await response.json()) as { status: string; timestamp: string; checks: Record<string, { status: string }> };
    expect(Object.keys(report.checks).sort()).toEqual(["docker", "store", "workspaceImage"]);
    expect(report.checks.docker!.status).toBe("ok");
    expect(report.checks.store!.status).toBe("ok");
    expect(response.status).toBe(report.status === "healthy" ? 200 : 503);
    expect(Number.isNaN(Date.parse(report.timestamp))).toBe(false);
  });

  it("serves pages and the REST API on the same port, and sends signed-out visitors to sign in", async () => {
    const page = await fetch(`${base}/`, { redirect: "manual" });
    expect([302, 303, 307]).toContain(page.status);
    expect(page.headers.get("location")).toContain("/sign-in");
    const signIn = await fetch(`${base}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain("Continue as guest");
  }, 120_000);

  it("limits new guest sessions per client address, whatever address header the client sends", async () => {
    const startGuest = (headers: Record<string, string> = {}) => fetch(`${base}/api/auth/guest`, { method: "POST", headers });
    const allowed = [await startGuest(), await startGuest({ "x-agentdesk-client-address": "203.0.113.7" }), await startGuest({ "x-forwarded-for": "203.0.113.8" })];
    expect(allowed.map((response) => response.status)).toEqual([200, 200, 200]);
    guestToken = ((await allowed[0]!.json()) as { session_id: string }).session_id;
    const refused = await startGuest({ "x-agentdesk-client-address": "203.0.113.9" });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/Too many guest sessions .* Try again in \d+ minutes?, or sign in with Google\./);
  });

  it("tells connected clients it is shutting down and exits within 10 seconds of SIGTERM", async () => {
    const guest = { session_id: guestToken! };
    const socket = connect(base, { auth: { token: guest.session_id }, transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const notice = new Promise((resolve) => socket.once("platform:notice", resolve));
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    const signalledAt = Date.now();
    server.kill("SIGTERM");
    await expect(notice).resolves.toMatchObject({ kind: "shutting_down" });
    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    socket.disconnect();
  }, 60_000);
});
