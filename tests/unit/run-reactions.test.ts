import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Agent, Conversation, Message, Run } from "@/lib/records";
import type { FinishedRun } from "@/server/conversations/conversation-service";
import { selectTurnFiles, turnFileBlock } from "@/server/conversations/turn-images";
import { firstLineOf, runNotification, shouldNotify } from "@/server/notifications/run-notifications";
import { deliverWebhook, privateTargetReason, runWebhookBody, signWebhookBody } from "@/server/notifications/webhook-delivery";
import { outputPreviewOf, replyOfRun } from "@/server/schedules/run-history";

const agent = { id: "agent1", name: "Daily report", ownerId: "owner1", schedules: [] } as unknown as Agent;
const conversation = { id: "conv1", ownerId: "owner1", agentId: "agent1", title: "t" } as Conversation;
const run = (overrides: Partial<Run> = {}): Run => ({
  id: "run1",
  conversationId: "conv1",
  agentId: "agent1",
  ownerId: "owner1",
  trigger: "schedule",
  scheduleId: "s1",
  status: "complete",
  startedAt: "2025-11-25T09:00:01.000Z",
  finishedAt: "2025-11-25T09:00:31.000Z",
  durationMs: 30_000,
  costUsd: 0.0123,
  ...overrides,
});
const finished = (overrides: Partial<FinishedRun> = {}): FinishedRun => ({
  run: run(),
  agent,
  conversation,
  status: "complete",
  outputText: "I'll look at yesterday's sales first.\n\n## Sales are up **12%**\n\nDetails follow.",
  resultText: "## Sales are up **12%**\n\nDetails follow.",
  files: [{ path: "chart.png", mimeType: "image/png" }],
  ...overrides,
});

describe("notifications for finished runs", () => {
  it("says which agent finished and quotes the first line of its result, not its plan", () => {
    expect(runNotification(finished())).toEqual({
      userId: "owner1",
      kind: "run_complete",
      title: "Daily report finished",
      body: "Sales are up 12%",
      agentId: "agent1",
      conversationId: "conv1",
      runId: "run1",
    });
  });

  it("gives the error's sentence when a run failed, and says interrupted when it was", () => {
    const failed = runNotification(finished({ status: "failed", run: run({ status: "failed" }), error: { code: "workspace_unavailable", message: "Your workspace could not start. Try again in a minute." } }));
    expect(failed).toMatchObject({ kind: "run_failed", title: "Daily report failed", body: "Your workspace could not start. Try again in a minute." });
    expect(runNotification(finished({ status: "interrupted" }))).toMatchObject({ kind: "run_interrupted", title: "Daily report was interrupted" });
  });

  it("notifies every scheduled run, and a chat run only when nobody was following it", () => {
    expect(shouldNotify({ run: run() }, true)).toBe(true);
    expect(shouldNotify({ run: run({ trigger: "chat" }) }, true)).toBe(false);
    expect(shouldNotify({ run: run({ trigger: "chat" }) }, false)).toBe(true);
  });

  it("keeps the first line short", () => {
    expect(firstLineOf(`\n\n${"x".repeat(400)}\nsecond`)).toHaveLength(300);
  });
});

describe("run history", () => {
  const message = (seq: number, role: Message["role"], createdAt: string, text: string): Message => ({
    id: `m${seq}`,
    conversationId: "conv1",
    seq,
    role,
    content: [{ type: "text", text }],
    status: "complete",
    createdAt,
    updatedAt: createdAt,
  });

  it("finds the reply a run wrote in a conversation of several runs", () => {
    const messages = [
      message(1, "user", "2025-11-25T09:00:00.000Z", "first"),
      message(2, "assistant", "2025-11-25T09:00:00.010Z", "first answer"),
      message(3, "user", "2025-11-25T09:05:00.000Z", "second"),
      message(4, "assistant", "2025-11-25T09:05:00.002Z", "second answer"),
    ];
    expect(replyOfRun({ startedAt: "2025-11-25T09:05:00.001Z" }, messages)?.id).toBe("m4");
    expect(replyOfRun({ startedAt: "2025-11-25T09:00:00.005Z" }, messages)?.id).toBe("m2");
  });

  it("previews the reply's text on one line, trimmed to about 300 characters", () => {
    expect(outputPreviewOf({ content: [{ type: "text", text: "Hello\n\nworld" }, { type: "image", path: "a.png", mimeType: "image/png" }] })).toBe("Hello world");
    expect(outputPreviewOf({ content: [{ type: "text", text: "y".repeat(1_000) }] })).toHaveLength(300);
  });
});

describe("files a turn produced", () => {
  it("keeps images as images and makes every other file a file block", () => {
    const files = selectTurnFiles(["make_chart.py", "chart.png", "out/report.csv"]);
    expect(files.map(turnFileBlock)).toEqual([
      { type: "image", path: "chart.png", mimeType: "image/png" },
      { type: "file", path: "make_chart.py", mimeType: "text/x-python", name: "make_chart.py" },
      { type: "file", path: "out/report.csv", mimeType: "text/csv", name: "report.csv" },
    ]);
  });

  it("shows at most 8 images, the newest", () => {
    const names = Array.from({ length: 10 }, (_, index) => `plot${index}.png`);
    expect(selectTurnFiles(names).map((file) => file.path)).toEqual(names.slice(2));
  });
});

describe("webhooks", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function receiver(statuses: number[]): Promise<{ url: string; requests: { headers: IncomingMessage["headers"]; body: string }[] }> {
    const requests: { headers: IncomingMessage["headers"]; body: string }[] = [];
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        requests.push({ headers: request.headers, body });
        response.statusCode = statuses[requests.length - 1] ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hooks/agentdesk?token=abc`, requests };
  }

  it("posts a body the receiver can verify with the secret, retrying after an error answer", async () => {
    const { url, requests } = await receiver([503, 200]);
    const secret = "whsec_0123456789abcdef";
    const result = await deliverWebhook(url, secret, runWebhookBody(finished(), "s1"), { backoffMs: () => 10, allowPrivateTargets: true });
    expect(result).toEqual({ delivered: true, attempts: 2, status: 200 });
    const last = requests[1]!;
    const timestamp = String(last.headers["x-agentdesk-timestamp"]);
    const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${last.body}`).digest("hex")}`;
    expect(last.headers["x-agentdesk-signature"]).toBe(expected);
    expect(signWebhookBody("another secret", timestamp, last.body)).not.toBe(expected);
    expect(JSON.parse(last.body)).toEqual({
      event: "run.finished",
      agentId: "agent1",
      agentName: "Daily report",
      scheduleId: "s1",
      runId: "run1",
      conversationId: "conv1",
      status: "complete",
      startedAt: "2025-11-25T09:00:01.000Z",
      finishedAt: "2025-11-25T09:00:31.000Z",
      durationMs: 30_000,
      costUsd: 0.0123,
      output: "I'll look at yesterday's sales first.\n\n## Sales are up **12%**\n\nDetails follow.",
      files: ["chart.png"],
    });
  });

  it("gives up after three attempts without throwing", async () => {
    const { url, requests } = await receiver([500, 500, 500]);
    expect(await deliverWebhook(url, "whsec_0123456789abcdef", runWebhookBody(finished(), "s1"), { backoffMs: () => 10, allowPrivateTargets: true })).toEqual({
      delivered: false,
      attempts: 3,
      status: 500,
    });
    expect(requests).toHaveLength(3);
  });

  it("sends nothing to a loopback or private address unless private targets are allowed", async () => {
    const { url, requests } = await receiver([200]);
    const result = await deliverWebhook(url, "whsec_0123456789abcdef", runWebhookBody(finished(), "s1"), { backoffMs: () => 10 });
    expect(result).toMatchObject({ delivered: false, attempts: 0, refused: expect.stringContaining("127.0.0.1") });
    expect(requests).toHaveLength(0);
    expect(await privateTargetReason("http://169.254.169.254/latest/meta-data")).toMatch(/private or local/);
    expect(await privateTargetReason("http://[::1]:8080/")).toMatch(/private or local/);
    expect(await privateTargetReason("http://93.184.216.34/")).toBeNull();
  });

  it("times out a receiver that never answers", async () => {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await deliverWebhook(url, "whsec_0123456789abcdef", runWebhookBody(finished(), "s1"), { timeoutMs: 200, attempts: 2, backoffMs: () => 10, allowPrivateTargets: true });
    expect(result).toEqual({ delivered: false, attempts: 2 });
    server.closeAllConnections();
  });
});
