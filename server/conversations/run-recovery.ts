import type { Run } from "../../lib/records";
import { logger } from "../logger";
import type { PlatformStore } from "../store/store";

/** The sentence a person reads on a reply cut off by a restart or by its server dying. */
export const interruptedByRestart = {
  code: "interrupted",
  message: "The platform restarted while the agent was answering. What it had written so far is kept; send a message to continue.",
};

export interface RecoveryOptions {
  /** This server's INSTANCE_ID: at start-up its own earlier runs (a previous life on the same id) are dead. */
  instanceId?: string;
  /** False in the periodic sweep, when this server's runs with its own id are its live ones. */
  includeOwnEarlierRuns?: boolean;
  /** Runs going on in this process: never touched. */
  isRunningHere?(run: Run): boolean;
  /** Several servers may sweep at once: only the one whose claim succeeds recovers a run. */
  claim?(run: Run): Promise<boolean>;
  /** After the store has the run interrupted: end the dead server's processes, tell the followers. */
  onRecovered?(run: Run): Promise<void>;
  now?(): number;
}

export interface RecoveryResult {
  runs: number;
  messages: number;
  /** Owners of recovered runs that carry no server id (from before leases): their workspaces get the old orphan sweep. */
  ownerIds: string[];
}

// One page of unfinished runs is looked at per pass; a page of only live runs ends the loop.
const pageSize = 200;

/** A run is cut off when its lease lapsed, it never had one (older release), or it is this server's from a previous life. */
export function isRecoverable(run: Run, options: RecoveryOptions, now: number): boolean {
  if (options.isRunningHere?.(run)) return false;
  if (run.leaseExpiresAt === undefined) return true;
  if (Date.parse(run.leaseExpiresAt) <= now) return true;
  return options.includeOwnEarlierRuns !== false && options.instanceId !== undefined && run.instanceId === options.instanceId;
}

/**
 * Runs whose server is gone are marked interrupted, their partial replies keep what was saved and
 * become final (interrupted), and their conversations can be used again. Nothing is deleted and
 * nothing is run twice. A run another live server holds a lease on is left alone: that server is
 * still running it.
 */
export async function recoverInterruptedRuns(store: PlatformStore, options: RecoveryOptions = {}): Promise<RecoveryResult> {
  const now = options.now ?? Date.now;
  let runs = 0;
  let messages = 0;
  // Whose workspaces may still hold the cut-off runs' processes (see workspace-adoption.ts).
  const ownerIds = new Set<string>();
  const seen = new Set<string>();
  for (let pass = 0; pass < 50; pass += 1) {
    const unfinished = (await store.listUnfinishedRuns({ limit: pageSize })).filter((run) => !seen.has(run.id));
    const cutOff = unfinished.filter((run) => isRecoverable(run, options, now()));
    for (const run of unfinished) seen.add(run.id);
    if (cutOff.length === 0) break;
    for (const run of cutOff) {
      if (options.claim && !(await options.claim(run))) continue;
      const recovered = await recoverRun(store, run);
      if (!recovered) continue;
      runs += 1;
      messages += recovered.messages;
      if (run.instanceId === undefined) ownerIds.add(run.ownerId);
      await options.onRecovered?.(recovered.run).catch((error: unknown) =>
        logger.warn({ err: error, runId: run.id }, "could not finish recovering a cut-off run (its record is interrupted)"),
      );
    }
    if (unfinished.length < pageSize) break;
  }
  if (runs > 0) logger.warn({ runs, messages }, "marked runs cut off by a restart or a dead server as interrupted");
  return { runs, messages, ownerIds: [...ownerIds] };
}

async function recoverRun(store: PlatformStore, run: Run): Promise<{ run: Run; messages: number } | null> {
  // First the run: one that ended meanwhile (its server was alive after all) is not ours to end.
  const ended = await store.updateRun(run.id, { status: "interrupted", error: interruptedByRestart }).catch((error: unknown) => {
    logger.info({ err: error, runId: run.id }, "a run ended before it could be recovered");
    return null;
  });
  if (!ended) return null;
  let messages = 0;
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
  return { run: ended, messages };
}
