import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATCH as patchAgentRoute } from "@/app/api/agents/[id]/route";
import type { Agent } from "@/lib/records";
import { startTestPlatform, type TestPlatform } from "./support/test-platform";

/*
 * A schedule's webhook that points inside (loopback, private, link-local, in any spelling) is
 * refused when the person saves it, with a sentence, through the same PATCH the UI sends; the
 * agent stays as it was. Delivery keeps its own check (webhook-delivery.ts) for names that
 * change what they point at.
 */

let testPlatform: TestPlatform;
let token: string;
let agent: Agent;

beforeAll(async () => {
  process.env.AUTH_SECRET ??= "webhook-targets-secret-0123456789abcdef012";
  testPlatform = await startTestPlatform({ name: "webhook-targets", env: { SCHEDULER_TICK_SECONDS: "0" } });
  const guest = await testPlatform.newGuest();
  token = guest.token;
  agent = await testPlatform.platform.services.store.createAgent({ ownerId: guest.userId, name: "Reporter", model: "claude-sonnet-4-5" });
});

afterAll(async () => {
  await testPlatform?.close();
});

async function saveWebhook(webhookUrl: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const current = await testPlatform.platform.services.store.getAgent(agent.id);
  const response = await patchAgentRoute(
    new Request(`http://localhost/api/agents/${agent.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ expectedVersion: current.version, schedules: [{ cron: "0 9 * * 1", timezone: "UTC", prompt: "Weekly report", enabled: true, missedRunPolicy: "skip", webhookUrl }] }),
    }),
    { params: Promise.resolve({ id: agent.id }) },
  );
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

const insideForms = [
  "http://127.0.0.1/hook",
  "http://[::1]/hook",
  "http://0/hook",
  "http://0x7f000001/hook",
  "http://2130706433/hook",
  "http://[::ffff:127.0.0.1]/hook",
  "http://localhost:8080/hook",
  "http://10.1.2.3/hook",
  "http://192.168.0.10/hook",
  "http://169.254.169.254/latest/meta-data",
];

describe("webhook targets when a schedule is saved", () => {
  it.each(insideForms)("refuses %s with a sentence, and the agent keeps its schedules", async (url) => {
    const before = await testPlatform.platform.services.store.getAgent(agent.id);
    const { status, body } = await saveWebhook(url);
    expect(status).toBe(400);
    expect(body.error?.code).toBe("bad_request");
    expect(body.error?.message).toMatch(/^Invalid schedule: schedules\.0\.webhookUrl refuses this address: .+ is a private or local address \(.+\)\. Webhooks go only to public addresses; use your receiver's public URL\.$/);
    const after = await testPlatform.platform.services.store.getAgent(agent.id);
    expect(after.version).toBe(before.version);
    expect(after.schedules).toEqual(before.schedules);
  });

  it("accepts a public address, and a name that does not resolve yet (delivery checks again)", async () => {
    expect((await saveWebhook("https://93.184.216.34/hooks/agentdesk")).status).toBe(200);
    expect((await saveWebhook("https://hooks.receiver.example/agentdesk")).status).toBe(200);
    const saved = await testPlatform.platform.services.store.getAgent(agent.id);
    expect(saved.schedules.map((schedule) => schedule.webhookUrl)).toEqual(["https://hooks.receiver.example/agentdesk"]);
  });
});
