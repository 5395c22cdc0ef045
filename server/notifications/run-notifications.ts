import type { Agent, NewNotification, Notification } from "../../lib/records";
import type { FinishedRun } from "../conversations/conversation-service";
import { logger } from "../logger";
import type { PlatformStore } from "../store/store";

const maxBodyChars = 300;

/** The first line the agent wrote that says something (markdown emphasis and headings stripped). */
export function firstLineOf(text: string): string {
  const line = text
    .split("\n")
    .map((candidate) => candidate.replace(/^#+\s*/, "").replace(/[*_`]/g, "").trim())
    .find((candidate) => candidate.length > 0);
  if (!line) return "";
  return line.length <= maxBodyChars ? line : `${line.slice(0, maxBodyChars - 1).trimEnd()}…`;
}

/**
 * Scheduled runs always notify: nobody was watching them. A chat run notifies only when it ended
 * with nobody following its conversation (the person closed the tab or went elsewhere during a
 * long task); someone watching the reply arrive needs no bell.
 */
export function shouldNotify(finished: Pick<FinishedRun, "run">, conversationHasFollowers: boolean): boolean {
  return finished.run.trigger === "schedule" || !conversationHasFollowers;
}

export function runNotification(finished: FinishedRun): NewNotification {
  const { agent, run, conversation, status } = finished;
  const kind = status === "complete" ? "run_complete" : status === "failed" ? "run_failed" : "run_interrupted";
  const outcome = status === "complete" ? "finished" : status === "failed" ? "failed" : "was interrupted";
  const subject = run.trigger === "schedule" ? agent.name : `${agent.name}'s reply`;
  const body =
    status === "complete"
      ? // The last thing it said is the result; the first is often a plan ("I'll compute that…").
        firstLineOf(finished.resultText) || firstLineOf(finished.outputText) || "The run finished without a written answer; open it to see what it did."
      : firstLineOf(finished.error?.message ?? "") || firstLineOf(finished.outputText) || "Open the run to see what happened.";
  return {
    userId: conversation.ownerId,
    kind,
    title: `${subject} ${outcome}`.slice(0, 200),
    body,
    agentId: agent.id,
    conversationId: conversation.id,
    runId: run.id,
  };
}

export interface RunNotifierOptions {
  store: PlatformStore;
  /** Sends it to the person's open tabs (the socket room user:{id}). */
  deliver(notification: Notification): void;
  /** Asks every server (the Socket.IO adapter's view of the room), not only this one. */
  conversationHasFollowers(conversationId: string): Promise<boolean>;
}

/** Stores and delivers the notification for a finished run, when it deserves one. */
export async function notifyRunFinished(finished: FinishedRun, options: RunNotifierOptions): Promise<Notification | null> {
  if (!shouldNotify(finished, await options.conversationHasFollowers(finished.conversation.id))) return null;
  const notification = await options.store.createNotification(runNotification(finished));
  try {
    options.deliver(notification);
  } catch (error) {
    // It is stored: the bell shows it on the next load.
    logger.warn({ err: error, notificationId: notification.id }, "could not deliver a notification live");
  }
  return notification;
}

/** A scheduled slot whose run could not start at all (quota, workspace, store): the owner hears why. */
export async function notifyScheduledStartFailed(agent: Pick<Agent, "id" | "name" | "ownerId">, reason: string, options: Pick<RunNotifierOptions, "store" | "deliver">): Promise<Notification> {
  const notification = await options.store.createNotification({
    userId: agent.ownerId,
    kind: "run_failed",
    title: `${agent.name} could not start`.slice(0, 200),
    body: firstLineOf(reason) || "The scheduled run could not start.",
    agentId: agent.id,
  });
  try {
    options.deliver(notification);
  } catch (error) {
    logger.warn({ err: error, notificationId: notification.id }, "could not deliver a notification live");
  }
  return notification;
}
