import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as deleteAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as duplicateAgentRoute } from "@/app/api/agents/[id]/duplicate/route";
import { POST as createAgentRoute } from "@/app/api/agents/route";
import type { AgentResponse } from "@/lib/agent-api";
import type { ErrorPayload } from "@/lib/errors";
import { configSchema } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { registerPlatformServices } from "@/server/platform-services";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";

/* The agents-per-user quota over REST, on a real SQLite store, through the exported route handlers. */

let directory: string;
let store: PlatformStore;
let token: string;
let otherToken: string;

beforeAll(async () => {
  process.env.AUTH_SECRET ??= "limits-agent-quota-secret-0123456789abcdef";
  directory = mkdtempSync(path.join(tmpdir(), "limits-agent-quota-"));
  store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  const conversations = { activeRunId: () => null } as unknown as ConversationService;
  registerPlatformServices({
    config: configSchema.parse({ MAX_AGENTS_PER_USER: "2" }),
    store,
    runtime: {} as WorkspaceRuntime,
    conversations,
    offlineDemoModel: true,
  });
  token = await guestToken();
  otherToken = await guestToken();
});

afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function guestToken(): Promise<string> {
  const user = await store.createUser({ type: "guest" });
  return (await store.createGuestSession({ userId: user.id, ttlMs: 60 * 60 * 1000 })).id;
}

function post(as: string, url: string, body: unknown = {}): Request {
  return new Request(`http://localhost/api${url}`, {
    method: "POST",
    headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });

describe("agents per user", () => {
  it("refuses a third agent (created or duplicated) with quota_exceeded and a way out, and allows one again after a delete", async () => {
    const first = await createAgentRoute(post(token, "/agents", { name: "One" }));
    expect(first.status).toBe(201);
    const firstAgent = ((await first.json()) as AgentResponse).agent;
    expect((await createAgentRoute(post(token, "/agents", { name: "Two" }))).status).toBe(201);

    const refused = await createAgentRoute(post(token, "/agents", { name: "Three" }));
    expect(refused.status).toBe(429);
    const { error } = (await refused.json()) as { error: ErrorPayload };
    expect(error.code).toBe("quota_exceeded");
    expect(error.message).toMatch(/You have 2 agents.*MAX_AGENTS_PER_USER.*Delete one/);

    const duplicate = await duplicateAgentRoute(post(token, `/agents/${firstAgent.id}/duplicate`), params(firstAgent.id));
    expect(duplicate.status).toBe(429);
    expect((await store.listAgentsByOwner(firstAgent.ownerId)).length).toBe(2);

    // Someone else's quota is their own.
    expect((await createAgentRoute(post(otherToken, "/agents", { name: "Theirs" }))).status).toBe(201);

    const deleted = await deleteAgentRoute(
      new Request(`http://localhost/api/agents/${firstAgent.id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } }),
      params(firstAgent.id),
    );
    expect(deleted.status).toBeLessThan(300);
    expect((await createAgentRoute(post(token, "/agents", { name: "Three" }))).status).toBe(201);
  });
});
