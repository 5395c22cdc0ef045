import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as deleteAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as duplicateAgentRoute } from "@/app/api/agents/[id]/duplicate/route";
import { POST as createAgentRoute } from "@/app/api/agents/route";
import type { ErrorPayload } from "@/lib/errors";
import { apiRequest, createAgentOk, idParams, readJson, startRestApi, type RestApi } from "./support/rest-client";

/* The agents-per-user quota over REST, on a real SQLite store, through the exported route handlers. */

let api: RestApi;
let token: string;
let otherToken: string;

beforeAll(async () => {
  api = await startRestApi({ name: "limits-agent-quota", env: { MAX_AGENTS_PER_USER: "2" } });
  token = (await api.newGuest()).token;
  otherToken = (await api.newGuest()).token;
});

afterAll(async () => {
  await api.close();
});

const create = (as: string, name: string) => createAgentRoute(apiRequest(as, "/agents", { method: "POST", body: { name } }));

describe("agents per user", () => {
  it("refuses a third agent (created or duplicated) with quota_exceeded and a way out, and allows one again after a delete", async () => {
    const firstAgent = await createAgentOk(token, { name: "One" });
    await createAgentOk(token, { name: "Two" });

    const refused = await create(token, "Three");
    expect(refused.status).toBe(429);
    const { error } = await readJson<{ error: ErrorPayload }>(refused);
    expect(error.code).toBe("quota_exceeded");
    expect(error.message).toMatch(/You have 2 agents.*MAX_AGENTS_PER_USER.*Delete one/);

    const duplicate = await duplicateAgentRoute(apiRequest(token, `/agents/${firstAgent.id}/duplicate`, { method: "POST" }), idParams(firstAgent.id));
    expect(duplicate.status).toBe(429);
    expect((await readJson<{ error: ErrorPayload }>(duplicate)).error.code).toBe("quota_exceeded");
    expect((await api.store.listAgentsByOwner(firstAgent.ownerId)).map((agent) => agent.name).sort()).toEqual(["One", "Two"]);

    // Someone else's quota is their own.
    await createAgentOk(otherToken, { name: "Theirs" });

    const deleted = await deleteAgentRoute(apiRequest(token, `/agents/${firstAgent.id}`, { method: "DELETE" }), idParams(firstAgent.id));
    expect(deleted.status).toBe(204);
    expect((await create(token, "Three")).status).toBe(201);
  });
});
