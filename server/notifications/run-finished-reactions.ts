import type { Notification } from "../../lib/records";
import type { FinishedRun } from "../conversations/conversation-service";
import { logger } from "../logger";
import type { Scheduler } from "../schedules/scheduler";
import type { PlatformStore } from "../store/store";
import { notifyRunFinished } from "./run-notifications";
import { deliverWebhook, runWebhookBody, webhookDeliveryRecord, type WebhookDeliveryOptions, type WebhookDeliveryResult } from "./webhook-delivery";

export interface RunFinishedReactionsOptions {
  store: PlatformStore;
  scheduler?: Pick<Scheduler, "recordRunFinished">;
  deliverNotification(notification: Notification): void;
  conversationHasFollowers(conversationId: string): Promise<boolean>;
  webhook?: WebhookDeliveryOptions;
}

export interface RunFinishedReactions {
  (finished: FinishedRun): Promise<void>;
  /** Resolves when every webhook started so far has been delivered or given up (shutdown, tests). */
  webhooksSettled(): Promise<WebhookDeliveryResult[]>;
}

/**
 * Everything that follows a stored, finished run: its schedule fire takes the outcome, the owner
 * gets a notification (scheduled runs, and chats nobody was watching), and the schedule's webhook
 * gets a signed POST in the background, never holding anything up; its outcome is kept on the run.
 */
export function createRunFinishedReactions(options: RunFinishedReactionsOptions): RunFinishedReactions {
  const webhooks = new Set<Promise<WebhookDeliveryResult>>();

  const react = async (finished: FinishedRun) => {
    const runId = finished.run.id;
    await Promise.resolve(options.scheduler?.recordRunFinished(finished)).catch((error: unknown) =>
      logger.error({ err: error, runId }, "could not record how the scheduled run ended"),
    );
    await notifyRunFinished(finished, {
      store: options.store,
      deliver: options.deliverNotification,
      conversationHasFollowers: options.conversationHasFollowers,
    }).catch((error: unknown) => logger.error({ err: error, runId }, "could not create the run's notification"));

    const scheduleId = finished.run.scheduleId;
    const schedule = scheduleId ? finished.agent.schedules.find((candidate) => candidate.id === scheduleId) : undefined;
    if (!scheduleId || !schedule?.webhookUrl) return;
    // The secret as stored now (the agent in hand is the one the run started with).
    const secret = (await options.store.getAgent(finished.agent.id).catch(() => finished.agent)).webhookSecret ?? finished.agent.webhookSecret;
    if (!secret) {
      logger.warn({ runId, scheduleId }, "schedule has a webhook but its agent has no webhook secret; not sent");
      return;
    }
    const delivery = deliverWebhook(schedule.webhookUrl, secret, runWebhookBody(finished, scheduleId), options.webhook).then(async (result) => {
      // On the run, so the Runs panel and the schedule card say what became of it.
      await options.store
        .recordRunWebhook(runId, webhookDeliveryRecord(result, options.webhook?.now?.() ?? new Date()))
        .catch((error: unknown) => logger.error({ err: error, runId }, "could not record the webhook's outcome on the run"));
      return result;
    });
    webhooks.add(delivery);
    void delivery.finally(() => webhooks.delete(delivery));
  };

  return Object.assign(react, { webhooksSettled: () => Promise.all([...webhooks]) });
}
