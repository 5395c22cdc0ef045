import { createHmac } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { PATCH as patchAgentRoute } from "@/app/api/agents/[id]/route";
import { GET as listRunsRoute } from "@/app/api/agents/[id]/runs/route";
import { GET as listSchedulesRoute } from "@/app/api/agents/[id]/schedules/route";
import { POST as runNowRoute } from "@/app/api/agents/[id]/schedules/[scheduleId]/run/route";
import { GET as listNotificationsRoute } from "@/app/api/notifications/route";
import { POST as markReadRoute } from "@/app/api/notifications/read/route";
import type { AgentResponse } from "@/lib/agent-api";
import type { NotificationListResponse } from "@/lib/notification-api";
import type { Notification, ScheduleFire } from "@/lib/records";
import type { RunListResponse } from "@/lib/run-api";
import type { RunNowResponse, SchedulesResponse } from "@/lib/schedule-api";
import { nextRunAt } from "@/server/schedules/schedule-rules";
import { startTestPlatform, type TestPlatform } from "./support/test-platform";
import { until } from "./support/wait-until";

/**
 * Scheduled runs on the real platform: the real scheduler ticking on real time, the real CLI in the
 * user's real container against the offline demo model, notifications over a real socket and a
 * webhook receiver on loopback. Downtime and overlap use the scheduler's tick with a test clock.
 */
let testPlatform: TestPlatform;
let token: string;
let userId: string;
let socket: Socket;
const notifications: Notification[] = [];

let webhookServer: HttpServer;
let webhookUrl: string;
const webhookRequests: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

beforeAll(async () => {
  process.env.AUTH_SECRET ??= "schedules-test-secret-0123456789abcdef0123";
  testPlatform = await startTestPlatform({
    name: "schedules",
    env: {
      MODEL_STAND_IN_PORT: "3306",
      SCHEDULER_TICK_SECONDS: "2",
      // The test's webhook receiver listens on loopback.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    },
  });
  ({ userId, token } = await testPlatform.newGuest());
  socket = await testPlatform.connectSocket(token);
  socket.on("notification:new", (notification: Notification) => notifications.push(notification));

  webhookServer = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      webhookRequests.push({ headers: request.headers, body });
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => webhookServer.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/hooks/agentdesk`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => webhookServer.close(() => resolve()));
  await testPlatform.close();
});

function request(pathname: string, init: { method?: string; body?: unknown } = {}): Request {
  const headers = new Headers({ authorization: `Bearer ${token}` });
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`http://localhost/api${pathname}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const finishedStatuses = new Set(["complete", "failed", "interrupted"]);

function fireFinished(agentId: string, scheduleId: string, timeoutMs: number): Promise<ScheduleFire> {
  return until(
    "the schedule's fire to finish",
    async () => {
      const fire = await testPlatform.platform.services.store.latestScheduleFire(agentId, scheduleId);
      return fire && finishedStatuses.has(fire.status) ? fire : null;
    },
    timeoutMs,
  );
}

interface ScheduleDraft {
  cron: string;
  prompt: string;
  missedRunPolicy?: "skip" | "catch_up_once";
  webhookUrl?: string;
  enabled?: boolean;
}

/** Creates an agent and saves its schedules through PATCH /api/agents/{id}, as the UI does. */
async function agentWithSchedules(name: string, drafts: ScheduleDraft[]): Promise<AgentResponse["agent"]> {
  const created = await testPlatform.platform.services.agents.create({ userId }, { name });
  const schedules = drafts.map((draft) => ({ timezone: "Europe/Paris", enabled: true, missedRunPolicy: "skip" as const, ...draft }));
  const response = await patchAgentRoute(request(`/agents/${created.id}`, { method: "PATCH", body: { schedules, expectedVersion: created.version } }), {
    params: Promise.resolve({ id: created.id }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as AgentResponse).agent;
}

async function turnOff(agent: AgentResponse["agent"]): Promise<void> {
  const { store } = testPlatform.platform.services;
  const current = await store.getAgent(agent.id);
  const schedules = current.schedules.map((schedule) => ({ ...schedule, enabled: false }));
  const response = await patchAgentRoute(request(`/agents/${agent.id}`, { method: "PATCH", body: { schedules, expectedVersion: current.version } }), {
    params: Promise.resolve({ id: agent.id }),
  });
  expect(response.status).toBe(200);
}

describe("scheduled runs", () => {
  it("a schedule every minute fires on real time, stores its run, notifies its owner and calls its webhook", async () => {
    const agent = await agentWithSchedules("Daily report", [
      { cron: "* * * * *", prompt: "create a file named report.csv with content region,sales", webhookUrl },
    ]);
    const scheduleId = agent.schedules[0]!.id;
    const createdAt = Date.now();

    const schedulesResponse = await listSchedulesRoute(request(`/agents/${agent.id}/schedules`), { params: Promise.resolve({ id: agent.id }) });
    const listed = (await schedulesResponse.json()) as SchedulesResponse;
    expect(listed.schedules[0]).toMatchObject({ id: scheduleId, lastFire: null, nextRunAt: expect.any(String) });
    const expectedSlot = Date.parse(listed.schedules[0]!.nextRunAt!);
    expect(expectedSlot - createdAt).toBeLessThanOrEqual(60_000);
    expect(listed.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The real every-minute cron: the next minute starts within 60 s, the 2 s tick catches it.
    const notification = await until("the run's notification on the socket", async () => notifications.find((n) => n.agentId === agent.id), 75_000 + 90_000);
    const fire = await fireFinished(agent.id, scheduleId, 10_000);
    await turnOff(agent);

    expect(Date.parse(fire.slot)).toBe(expectedSlot);
    expect(Date.parse(fire.claimedAt) - expectedSlot).toBeLessThan(10_000);
    expect(fire).toMatchObject({ status: "complete", claimedBy: testPlatform.platform.services.scheduler!.instanceId, runId: expect.any(String), conversationId: expect.any(String) });

    const { store } = testPlatform.platform.services;
    const run = await store.getRun(fire.runId!);
    expect(run).toMatchObject({ trigger: "schedule", scheduleId, status: "complete", conversationId: fire.conversationId });
    const conversation = await store.getConversation(fire.conversationId!);
    // Grouped under its schedule in the conversation list.
    expect(conversation.scheduleId).toBe(scheduleId);
    expect(conversation.title).toMatch(/^create a file named report\.csv with .*… · \d{1,2} \w{3} \d\d:\d\d$/);
    const messages = await store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(messages[1]!.content).toContainEqual({ type: "text", text: expect.stringContaining("Created `report.csv`") });
    expect(messages[1]!.content).toContainEqual({ type: "file", path: "report.csv", mimeType: "text/csv", name: "report.csv" });

    expect(notification).toMatchObject({ userId, kind: "run_complete", title: "Daily report finished", conversationId: conversation.id, runId: run.id });
    // The reply's result, not its opening line ("I'll create report.csv."), in plain words.
    expect(notification.body).toBe("Created report.csv (12 characters).");

    const runs = (await (await listRunsRoute(request(`/agents/${agent.id}/runs?trigger=schedule`), { params: Promise.resolve({ id: agent.id }) })).json()) as RunListResponse;
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]).toMatchObject({ id: run.id, conversationTitle: conversation.title, files: ["report.csv"], outputPreview: expect.stringContaining("Created `report.csv`") });

    const unread = (await (await listNotificationsRoute(request("/notifications?unread=1"))).json()) as NotificationListResponse;
    expect(unread.unreadCount).toBeGreaterThanOrEqual(1);
    expect(unread.notifications.map((n) => n.id)).toContain(notification.id);
    const marked = await markReadRoute(request("/notifications/read", { method: "POST", body: { ids: [notification.id] } }));
    expect(await marked.json()).toEqual({ updated: 1 });
    const badBody = await markReadRoute(request("/notifications/read", { method: "POST", body: { ids: "all" } }));
    expect(badBody.status).toBe(400);

    // The webhook: a signed body a receiver can verify with the secret shown to the owner.
    const delivered = await until("the webhook", async () => webhookRequests.find((r) => JSON.parse(r.body).runId === run.id), 15_000);
    const timestamp = String(delivered.headers["x-agentdesk-timestamp"]);
    const signature = `sha256=${createHmac("sha256", listed.webhookSecret!).update(`${timestamp}.${delivered.body}`).digest("hex")}`;
    expect(delivered.headers["x-agentdesk-signature"]).toBe(signature);
    expect(JSON.parse(delivered.body)).toMatchObject({
      event: "run.finished",
      agentId: agent.id,
      agentName: "Daily report",
      scheduleId,
      runId: run.id,
      conversationId: conversation.id,
      status: "complete",
      files: ["report.csv"],
      output: expect.stringContaining("Created `report.csv`"),
      costUsd: expect.any(Number),
      durationMs: expect.any(Number),
    });
    // The run keeps what became of it, for the Runs panel and the schedule card.
    const outcome = await until("the webhook's outcome on the run", async () => (await store.getRun(run.id)).webhook, 10_000);
    expect(outcome).toMatchObject({ outcome: "delivered", message: "The webhook was delivered." });
    const afterwards = (await (await listSchedulesRoute(request(`/agents/${agent.id}/schedules`), { params: Promise.resolve({ id: agent.id }) })).json()) as SchedulesResponse;
    expect(afterwards.schedules[0]?.lastWebhook).toEqual(outcome);
  }, 240_000);

  it("after downtime, catch_up_once runs the latest missed slot once and skip records it as skipped (test clock)", async () => {
    const catchUp = await agentWithSchedules("Catch-up agent", [{ cron: "0 * * * *", prompt: "compute the sum of 1 to 100 in Python", missedRunPolicy: "catch_up_once" }]);
    const skip = await agentWithSchedules("Skipping agent", [{ cron: "0 * * * *", prompt: "compute the sum of 1 to 100 in Python", missedRunPolicy: "skip" }]);
    const { scheduler, store } = testPlatform.platform.services;
    // The clock says the server was down for three hours and came back ten minutes past an hour.
    const backAt = new Date(nextRunAt(catchUp.schedules[0]!, new Date())!.getTime() + 3 * 3_600_000 + 10 * 60_000);
    const actions = await scheduler!.tick(backAt);
    const latestMissed = new Date(backAt.getTime() - 10 * 60_000).toISOString();
    expect(actions).toContainEqual({ agentId: catchUp.id, scheduleId: catchUp.schedules[0]!.id, slot: latestMissed, outcome: "started" });
    expect(actions).toContainEqual(expect.objectContaining({ agentId: skip.id, slot: latestMissed, outcome: "skipped" }));

    const fire = await fireFinished(catchUp.id, catchUp.schedules[0]!.id, 120_000);
    expect(fire).toMatchObject({ slot: latestMissed, status: "complete" });
    const reply = (await store.listMessages(fire.conversationId!)).at(-1)!;
    expect(reply.content).toContainEqual({ type: "text", text: expect.stringContaining("5050") });

    // Ticking again (or after another restart) changes nothing: one catch-up, one skip.
    const again = await scheduler!.tick(new Date(backAt.getTime() + 30_000));
    expect(again.filter((action) => action.outcome !== "taken")).toEqual([]);
    expect(await store.listScheduleFires(catchUp.id)).toHaveLength(1);
    const skipped = await store.listScheduleFires(skip.id);
    expect(skipped).toMatchObject([{ slot: latestMissed, status: "skipped", reason: expect.stringMatching(/No server was running/) }]);
    expect((await store.listRunsByAgent(skip.id)).filter((run) => run.trigger === "schedule")).toEqual([]);
    await turnOff(catchUp);
    await turnOff(skip);
  }, 180_000);

  it("a chat reply that ends while nobody follows its conversation notifies; one being watched does not", async () => {
    const { conversations, store } = testPlatform.platform.services;
    const agent = await testPlatform.platform.services.agents.create({ userId }, { name: "Chatty" });
    const unwatched = await conversations.createConversation({ userId }, agent.id);
    const { runId: unwatchedRun } = await conversations.sendMessage({ userId }, { agentId: agent.id, conversationId: unwatched.id, text: "compute the sum of 1 to 100 in Python", clientMessageId: "c1" });

    const watched = await conversations.createConversation({ userId }, agent.id);
    const follow = await socket.emitWithAck("conversation:follow", { conversationId: watched.id, afterSeq: -1 });
    expect(follow.ok).toBe(true);
    const ack = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: watched.id, text: "compute the sum of 1 to 100 in Python", clientMessageId: "c2" });
    expect(ack.ok).toBe(true);
    const watchedRun = ack.data.runId as string;

    await until("both replies", async () => (await store.getRun(unwatchedRun)).status !== "running" && (await store.getRun(watchedRun)).status !== "running", 120_000);
    const notice = await until("the unwatched reply's notification", async () => notifications.find((n) => n.runId === unwatchedRun), 10_000);
    expect(notice).toMatchObject({ kind: "run_complete", title: "Chatty's reply finished", conversationId: unwatched.id });
    expect(notifications.find((n) => n.runId === watchedRun)).toBeUndefined();
    expect((await store.listNotifications(userId)).map((n) => n.runId)).not.toContain(watchedRun);
    await socket.emitWithAck("conversation:unfollow", { conversationId: watched.id });
  }, 180_000);

  it("Run now starts at once (202), and a schedule never overlaps itself", async () => {
    const agent = await agentWithSchedules("Slow agent", [{ cron: "0 9 * * *", prompt: "run a slow task" }]);
    const scheduleId = agent.schedules[0]!.id;
    const context = { params: Promise.resolve({ id: agent.id, scheduleId }) };
    const response = await runNowRoute(request(`/agents/${agent.id}/schedules/${scheduleId}/run`, { method: "POST" }), context);
    expect(response.status).toBe(202);
    const started = (await response.json()) as RunNowResponse;
    expect(started).toEqual({ runId: expect.any(String), conversationId: expect.any(String) });

    const again = await runNowRoute(request(`/agents/${agent.id}/schedules/${scheduleId}/run`, { method: "POST" }), context);
    expect(again.status).toBe(409);
    const unknown = await runNowRoute(request(`/agents/${agent.id}/schedules/nope/run`, { method: "POST" }), {
      params: Promise.resolve({ id: agent.id, scheduleId: "nope" }),
    });
    expect(unknown.status).toBe(404);

    // Its 09:00 slot comes while the manual run is still going: recorded as skipped, not run.
    const { scheduler, store, conversations } = testPlatform.platform.services;
    const nineOClock = nextRunAt(agent.schedules[0]!, new Date())!;
    expect(await scheduler!.tick(new Date(nineOClock.getTime() + 3_000))).toContainEqual(
      expect.objectContaining({ agentId: agent.id, outcome: "skipped", reason: expect.stringMatching(/previous run of this schedule was still going/) }),
    );

    await until("the slow task to start", async () => (await store.listMessages(started.conversationId)).at(-1)?.content.some((block) => block.type === "tool_use"), 90_000);
    expect(await conversations.stopRun({ userId }, started.conversationId)).toEqual({ stopped: true });
    const fire = await until(
      "the manual fire to end",
      async () => (await store.listScheduleFires(agent.id)).find((candidate) => candidate.runId === started.runId && finishedStatuses.has(candidate.status)),
      30_000,
    );
    expect(fire.status).toBe("interrupted");
    await until("the interrupted notification", async () => notifications.find((n) => n.runId === started.runId && n.kind === "run_interrupted"), 10_000);

    const listed = (await (await listSchedulesRoute(request(`/agents/${agent.id}/schedules`), { params: Promise.resolve({ id: agent.id }) })).json()) as SchedulesResponse;
    // The 09:00 slot is the newest fire; the manual one before it.
    expect(listed.schedules[0]!.lastFire).toMatchObject({ status: "skipped", slot: nineOClock.toISOString() });
    expect(listed.schedules[0]!.nextRunAt).toBe(nineOClock.toISOString());
    await turnOff(agent);
  }, 180_000);
});
