import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATCH as patchAgentRoute } from "@/app/api/agents/[id]/route";
import { GET as listRunsRoute } from "@/app/api/agents/[id]/runs/route";
import { GET as listSchedulesRoute } from "@/app/api/agents/[id]/schedules/route";
import { POST as runNowRoute } from "@/app/api/agents/[id]/schedules/[scheduleId]/run/route";
import type { Agent } from "@/lib/records";
import type { RunListResponse } from "@/lib/run-api";
import type { RunNowResponse, SchedulesResponse } from "@/lib/schedule-api";
import { startTestPlatform, type TestPlatform } from "./support/test-platform";
import { until } from "./support/wait-until";

/*
 * A schedule's webhook that points inside (loopback, private, link-local, in any spelling) is
 * refused when the person saves it, with a sentence, through the same PATCH the UI sends; the
 * agent stays as it was. Delivery keeps its own check (webhook-delivery.ts) for names that
 * change what they point at.
 */

let testPlatform: TestPlatform;
let token: string;
let agent: Agent;
let receiver: Server;
let receiverUrl: string;
let received = 0;

beforeAll(async () => {
  process.env.AUTH_SECRET ??= "webhook-targets-secret-0123456789abcdef012";
  testPlatform = await startTestPlatform({ name: "webhook-targets", env: { SCHEDULER_TICK_SECONDS: "0" } });
  const guest = await testPlatform.newGuest();
  token = guest.token;
  agent = await testPlatform.platform.services.store.createAgent({ ownerId: guest.userId, name: "Reporter", model: "claude-sonnet-4-5" });
  // A receiver inside: any request reaching it is a webhook the platform should not have sent.
  receiver = createServer((_request, response) => {
    received += 1;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await testPlatform?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
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

describe("webhook targets when a run ends", () => {
  const get = (url: string) => new Request(`http://localhost/api${url}`, { headers: { authorization: `Bearer ${token}` } });

  it.each([
    ["a loopback address saved before saves were checked", () => receiverUrl, /127\.0\.0\.1 is a private or local address \(127\.0\.0\.1\)/],
    ["a name that still does not resolve when the run ends", () => "https://hooks.receiver.example/agentdesk", /hooks\.receiver\.example does not resolve/],
  ])("refuses %s, sends nothing, and says so on the run and on the schedule", async (_label, target, says) => {
    const { store } = testPlatform.platform.services;
    // Saved through the PATCH the UI sends (which makes the webhook secret), then the target is
    // changed underneath it, as a schedule from an older release or a DNS change would have it.
    expect((await saveWebhook("https://hooks.receiver.example/agentdesk")).status).toBe(200);
    const saved = await store.getAgent(agent.id);
    const schedule = { ...saved.schedules[0]!, webhookUrl: target() };
    await store.updateAgent(agent.id, { schedules: [schedule] }, saved.version);

    const context = { params: Promise.resolve({ id: agent.id, scheduleId: schedule.id }) };
    const started = await runNowRoute(new Request(`http://localhost/api/agents/${agent.id}/schedules/${schedule.id}/run`, { method: "POST", headers: { authorization: `Bearer ${token}` } }), context);
    expect(started.status, await started.clone().text()).toBe(202);
    const { runId } = (await started.json()) as RunNowResponse;
    const run = await until("the run's webhook outcome", async () => {
      const current = await store.getRun(runId);
      return current.webhook ? current : null;
    }, 150_000);

    const sentence = expect.stringMatching(new RegExp(`^The webhook was not sent: ${says.source}\\. Webhooks only go to public addresses that can be looked up; check the schedule's webhook URL\\.$`));
    expect(run).toMatchObject({ status: "complete", webhook: { outcome: "refused", message: sentence } });
    expect(received).toBe(0);

    // What the Runs panel and the schedule card read.
    const runs = (await (await listRunsRoute(get(`/agents/${agent.id}/runs`), { params: Promise.resolve({ id: agent.id }) })).json()) as RunListResponse;
    expect(runs.runs.find((listed) => listed.id === runId)?.webhook).toMatchObject({ outcome: "refused", message: sentence });
    const schedules = (await (await listSchedulesRoute(get(`/agents/${agent.id}/schedules`), { params: Promise.resolve({ id: agent.id }) })).json()) as SchedulesResponse;
    expect(schedules.schedules[0]).toMatchObject({ id: schedule.id, lastWebhook: { outcome: "refused", message: sentence } });
  });
});
