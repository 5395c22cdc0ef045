import { logger } from "../logger";
import type { PlatformStore } from "../store/store";

const interruptedByRestart = {
  code: "interrupted",
  message: "The platform restarted while the agent was answering. What it had written so far is kept; send a message to continue.",
};

/**
 * After a crash or restart, runs that were in flight are marked interrupted, their partial replies
 * keep what was saved and become final (interrupted), and their conversations can be used again.
 * Nothing is deleted and nothing is run twice. One server today: with several, each server would
 * recover only the runs whose lease it held.
 */
export async function recoverInterruptedRuns(store: PlatformStore): Promise<{ runs: number; messages: number; ownerIds: string[] }> {
  let runs = 0;
  let messages = 0;
  // Whose workspaces may still hold the cut-off runs' processes (see workspace-adoption.ts).
  const ownerIds = new Set<string>();
  for (;;) {
    const unfinished = await store.listUnfinishedRuns({ limit: 100 });
    if (unfinished.length === 0) break;
    for (const run of unfinished) {
      const conversation = await store.getConversation(run.conversationId).catch(() => null);
      if (conversation) {
        // The reply being written is among the newest messages of its conversation.
        const recent = await store.listMessages(conversation.id, { afterSeq: Math.max(0, conversation.lastSeq - 20), limit: 50 });
        for (const message of recent.filter((candidate) => candidate.status === "streaming")) {
          await store.updateMessage(message.id, { status: "interrupted" });
          messages += 1;
        }
        if (conversation.status === "running") await store.updateConversation(conversation.id, { status: "idle" });
      }
      await store.updateRun(run.id, { status: "interrupted", error: interruptedByRestart });
      ownerIds.add(run.ownerId);
      runs += 1;
    }
  }
  if (runs > 0) logger.warn({ runs, messages }, "marked runs cut off by a restart as interrupted");
  return { runs, messages, ownerIds: [...ownerIds] };
}
