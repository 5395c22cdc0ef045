import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { PATCH as patchAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as createAgentRoute } from "@/app/api/agents/route";
import type { AgentResponse, CreateAgentBody, UpdateAgentBody } from "@/lib/agent-api";
import { configSchema } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { composePlatformServices } from "@/server/platform";
import { registerPlatformServices } from "@/server/platform-services";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";

/**
 * The REST API's route handlers called the way Next calls them, on a real SQLite store, with no
 * Docker and no CLI behind them: what the REST integration tests share.
 */
export interface RestApi {
  store: PlatformStore;
  /** A guest with a bearer session, optionally with a display name (shown as "who made it"). */
  newGuest(name?: string): Promise<RestGuest>;
  close(): Promise<void>;
}

export interface RestGuest {
  userId: string;
  token: string;
}

export interface RestApiOptions {
  /** Prefix of the temporary data directory and of the sign-in secret, to tell test files apart. */
  name: string;
  /** Settings, as environment variables (e.g. MAX_AGENTS_PER_USER); the rest are the defaults. */
  env?: Record<string, string>;
  /** What the routes ask about runs in progress; nothing is ever running without it. */
  conversations?: Partial<ConversationService>;
}

export async function startRestApi(options: RestApiOptions): Promise<RestApi> {
  // Sign-in reads its secret from here, else it would create one in the repository's data/.
  process.env.AUTH_SECRET ??= `${options.name}-test-secret-0123456789abcdef`;
  const directory = mkdtempSync(path.join(tmpdir(), `${options.name}-`));
  const store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  registerPlatformServices(
    composePlatformServices({
      config: configSchema.parse(options.env ?? {}),
      store,
      runtime: {} as WorkspaceRuntime,
      conversations: { activeRunIdAnywhere: async () => null, ...options.conversations } as unknown as ConversationService,
      offlineDemoModel: true,
    }),
  );
  return {
    store,
    async newGuest(name) {
      const user = await store.createUser({ type: "guest" });
      if (name) await store.updateUser(user.id, { name });
      const session = await store.createGuestSession({ userId: user.id, ttlMs: 60 * 60 * 1000 });
      return { userId: user.id, token: session.id };
    },
    async close() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A request as the browser sends it: the session as a bearer token (none when null), a JSON body (a string goes as is). */
export function apiRequest(token: string | null, url: string, init: { method?: string; body?: unknown } = {}): Request {
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`http://localhost/api${url}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}

/** The second argument Next passes a dynamic route: its path segments. */
export function routeParams<T extends Record<string, string>>(segments: T): { params: Promise<T> } {
  return { params: Promise.resolve(segments) };
}

export const idParams = (id: string) => routeParams({ id });

export async function readJson<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** POST /api/agents, which must answer 201 with the new agent. */
export async function createAgentOk(token: string, body: CreateAgentBody): Promise<AgentResponse["agent"]> {
  const response = await createAgentRoute(apiRequest(token, "/agents", { method: "POST", body }));
  expect(response.status, await response.clone().text()).toBe(201);
  return (await readJson<AgentResponse>(response)).agent;
}

/** PATCH /api/agents/{id}. */
export function updateAgent(token: string, agentId: string, body: UpdateAgentBody): Promise<Response> {
  return patchAgentRoute(apiRequest(token, `/agents/${agentId}`, { method: "PATCH", body }), idParams(agentId));
}

/** PATCH /api/agents/{id}, which must answer 200 with the saved agent. */
export async function updateAgentOk(token: string, agentId: string, body: UpdateAgentBody): Promise<AgentResponse["agent"]> {
  const response = await updateAgent(token, agentId, body);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await readJson<AgentResponse>(response)).agent;
}
