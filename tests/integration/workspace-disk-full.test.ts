import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as getTreeRoute, POST as uploadRoute } from "@/app/api/agents/[id]/files/route";
import type { AgentEvent } from "@/lib/agent-events";
import type { ErrorPayload } from "@/lib/errors";
import type { FileTreeResponse } from "@/lib/file-api";
import { ClaudeRunner } from "@/server/claude/claude-runner";
import { configSchema } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { createModelStandIn, type ModelStandIn, type Script } from "@/server/model-stand-in";
import { registerPlatformServices } from "@/server/platform-services";
import { composePlatformServices } from "@/server/platform";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import { DockerWorkspaceRuntime } from "@/server/workspaces/docker-workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/*
 * A full workspace disk as the person meets it: the Files panel's numbers, an upload that does not
 * fit, and a chat whose tool fills the disk — through the real routes, the real CLI and a real
 * 64 MB loop-mounted disk. The full sentence names the size and what to do.
 */

const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const prefix = `itest-full-${randomBytes(3).toString("hex")}`;
const alice = `${prefix}-alice`;
const directory = mkdtempSync(path.join(tmpdir(), "workspace-full-"));
const runtime = new DockerWorkspaceRuntime(docker, { image, memoryMb: 1024, pidsLimit: 256, disk: { sizeMb: 64, directory: path.join(directory, "disks") } });
const FULL_SENTENCE = "Your workspace is full (64 MB of 64 MB). Delete files in the Files panel to make room.";

const fillScript: Script = {
  id: "fill-the-disk",
  match: (prompt) => /fill the disk/i.test(prompt),
  steps: [
    { tool: { name: "Bash", input: { command: "dd if=/dev/zero of=/workspace/fill.bin bs=1M count=200", description: "Write 200 MB" } } },
    { text: "{{lastToolResult}}" },
  ],
};

let sqlite: PlatformStore;
let agentId: string;
let standIn: ModelStandIn;
let runner: ClaudeRunner;

const context = (id: string) => ({ params: Promise.resolve({ id }) });
const authed = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { authorization: "Bearer alice-session", ...(init.headers as Record<string, string>) } });

async function listing(): Promise<FileTreeResponse> {
  const response = await getTreeRoute(new Request(`http://localhost/api/agents/${agentId}/files`, authed()), context(agentId));
  expect(response.status).toBe(200);
  return (await response.json()) as FileTreeResponse;
}

async function inWorkspace(script: string): Promise<string> {
  const handle = await runtime.ensureWorkspace(alice);
  return (await runtime.exec(handle, ["sh", "-c", script], { timeoutMs: 60_000 })).stdout;
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
  sqlite = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  const store: PlatformStore = {
    ...sqlite,
    findGuestSession: async (id) =>
      id === "alice-session" ? { id, userId: alice, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() } : null,
  };
  registerPlatformServices(
    composePlatformServices({ config: configSchema.parse({ WORKSPACE_IMAGE: image }), store, runtime, conversations: {} as ConversationService, offlineDemoModel: true }),
  );
  agentId = (await store.createAgent({ ownerId: alice, name: "Big data", model: "test" })).id;
  standIn = await createModelStandIn({ host: "0.0.0.0", port: 0, pacing: 0, scripts: [fillScript] });
  runner = new ClaudeRunner({
    runtime,
    credentials: { baseUrl: `http://host.docker.internal:${standIn.port}`, apiKey: "stand-in-key" },
    cliIdleMs: 60_000,
    defaultModel: "claude-sonnet-4-5",
  });
});

afterAll(async () => {
  await runner?.shutdown();
  await standIn?.close();
  await runtime.deleteUserWorkspace(alice).catch(() => undefined);
  await removeTestWorkspaces(docker, prefix);
  await sqlite?.close();
  const disks = path.join(directory, "disks");
  for (const file of readdirSync(disks, { withFileTypes: true }).filter((entry) => entry.name.endsWith(".img"))) {
    const devices = execFileSync("losetup", ["-n", "-O", "NAME", "-j", path.join(disks, file.name)], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    for (const device of devices) execFileSync("losetup", ["-d", device]);
  }
  rmSync(directory, { recursive: true, force: true });
});

describe("a full workspace disk, as the person sees it", () => {
  it("the Files API reports used and total of the workspace disk, and lists no lost+found", async () => {
    const before = await listing();
    expect(before.disk?.totalBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(before.disk?.totalBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    await inWorkspace(`dd if=/dev/urandom of=/workspace/agent-${agentId}/data.bin bs=1M count=8 2>/dev/null; sync`);
    const after = await listing();
    expect(after.disk!.usedBytes - before.disk!.usedBytes).toBeGreaterThanOrEqual(7 * 1024 * 1024);
    expect(after.entries.map((entry) => entry.name)).toEqual(["data.bin"]);
    expect(await inWorkspace("ls -A /workspace")).not.toContain("lost+found");
  });

  it("an upload that does not fit answers 507 with the sentence, and nothing half-written stays", async () => {
    await inWorkspace("dd if=/dev/zero of=/workspace/filler bs=1M count=200 2>/dev/null; dd if=/dev/zero of=/workspace/crumbs bs=1k 2>/dev/null; true");
    const bytes = new Uint8Array(2 * 1024 * 1024).fill(7);
    const response = await uploadRoute(
      new Request(`http://localhost/api/agents/${agentId}/files?path=report.csv`, authed({ method: "POST", body: bytes, headers: { "content-length": String(bytes.byteLength) } })),
      context(agentId),
    );
    expect(response.status).toBe(507);
    expect(((await response.json()) as { error: ErrorPayload }).error).toEqual({ code: "workspace_full", message: FULL_SENTENCE });
    expect((await listing()).entries.map((entry) => entry.name)).toEqual(["data.bin"]);
    await inWorkspace("rm -f /workspace/filler /workspace/crumbs");
  });

  it("a chat whose tool fills the disk shows the sentence, and the next message still works after deleting", async () => {
    const request = { userId: alice, agentId, conversationId: `${prefix}-chat`, claudeSessionId: randomUUID() };
    const events: AgentEvent[] = [];
    const outcome = await runner.runAgentTurn({ ...request, prompt: "fill the disk" }, (event) => events.push(event));
    expect(events.find((event) => event.type === "tool_result"), JSON.stringify(events)).toMatchObject({ output: expect.stringMatching(/No space left on device/) });
    expect(events).toContainEqual({ type: "error", code: "workspace_full", message: FULL_SENTENCE });
    expect(["completed", "failed"]).toContain(outcome.status);

    await inWorkspace("rm -f /workspace/fill.bin");
    const again: AgentEvent[] = [];
    const next = await runner.runAgentTurn({ ...request, prompt: "compute the sum of 1 to 100 in Python" }, (event) => again.push(event));
    expect(next.status, JSON.stringify(again)).toBe("completed");
    expect(again.find((event) => event.type === "tool_result")).toMatchObject({ output: "5050" });
  });
});
