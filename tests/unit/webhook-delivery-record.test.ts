import { describe, expect, it } from "vitest";
import { runWebhookDeliverySchema } from "@/lib/records";
import { webhookDeliveryRecord } from "@/server/notifications/webhook-delivery";

const at = new Date("2026-12-01T09:00:05.000Z");

describe("what a run's webhook outcome tells its owner", () => {
  it("says a refusal, with the reason and what to check", () => {
    expect(webhookDeliveryRecord({ delivered: false, attempts: 0, refused: "10.0.0.5 is a private or local address (10.0.0.5)" }, at)).toEqual({
      outcome: "refused",
      message: "The webhook was not sent: 10.0.0.5 is a private or local address (10.0.0.5). Webhooks only go to public addresses that can be looked up; check the schedule's webhook URL.",
      at: "2026-12-01T09:00:05.000Z",
    });
  });

  it("says a receiver that kept failing, with its last answer or none", () => {
    expect(webhookDeliveryRecord({ delivered: false, attempts: 3, status: 503 }, at).message).toBe(
      "The webhook could not be delivered after 3 tries (the last answer was HTTP 503). Check that its address is up and answers with a 2xx status.",
    );
    expect(webhookDeliveryRecord({ delivered: false, attempts: 3 }, at)).toMatchObject({ outcome: "failed", message: expect.stringContaining("(no answer came)") });
  });

  it("says a delivery, and how many tries it took", () => {
    expect(webhookDeliveryRecord({ delivered: true, attempts: 1, status: 204 }, at)).toMatchObject({ outcome: "delivered", message: "The webhook was delivered." });
    expect(webhookDeliveryRecord({ delivered: true, attempts: 2, status: 200 }, at).message).toBe("The webhook was delivered after 2 tries.");
  });

  it("keeps a very long reason within what the run record holds", () => {
    const record = webhookDeliveryRecord({ delivered: false, attempts: 0, refused: `${"a".repeat(600)} does not resolve` }, at);
    expect(record.message.length).toBeLessThanOrEqual(500);
    expect(runWebhookDeliverySchema.safeParse(record).success).toBe(true);
  });
});
