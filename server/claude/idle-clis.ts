import { LRUCache } from "lru-cache";

import type { ConversationCli, IdleRoster } from "./conversation-cli";

/**
 * The CLIs that are idle, least recently used first, each with its idle clock. Only idle CLIs are
 * in here (ConversationCli parks and unparks itself as it enters and leaves idle), so a CLI that
 * is answering a turn can neither time out nor be picked to free a slot.
 *
 * lru-cache keeps the order and the clocks (ttl with autopurge: one unref'd timer per entry,
 * cleared when the entry leaves, re-armed past setTimeout's 24-day limit). Its own eviction (max)
 * is not used: the cap on live CLIs is CliAdmission's, a slot only frees once a process has
 * exited, and an idle CLI is ended for room only while someone waits for a slot.
 */
export interface IdleTimes {
  /** How long a CLI that has answered a turn may idle (CLI_IDLE_MINUTES). */
  idleMs: number;
  /** How long a prewarmed CLI that no turn has used yet may idle. */
  unusedPrewarmMs: number;
}

// lru-cache takes a positive whole number of ms; an idle time of 0 means "end it right away".
const toTtl = (ms: number) => Math.max(1, Math.ceil(ms));

export class IdleClis implements IdleRoster {
  private readonly clis: LRUCache<string, ConversationCli>;
  private readonly unusedPrewarmTtl: number;

  constructor(times: IdleTimes, onIdleTooLong: (cli: ConversationCli) => void) {
    this.unusedPrewarmTtl = toTtl(Math.min(times.unusedPrewarmMs, times.idleMs));
    this.clis = new LRUCache<string, ConversationCli>({
      ttl: toTtl(times.idleMs),
      ttlAutopurge: true,
      // One whose time is up but whose timer has not fired yet is still idle, and may be picked.
      allowStale: true,
      // After removal, not during (dispose): ending the CLI unparks it, which must find the cache steady.
      disposeAfter: (cli, _conversationId, reason) => {
        if (reason === "expire") onIdleTooLong(cli);
      },
    });
  }

  /** Starts (or restarts) the CLI's idle time; it becomes the most recently used. */
  park(cli: ConversationCli): void {
    const unused = cli.process?.answeredTurn === false;
    this.clis.set(cli.conversationId, cli, unused ? { ttl: this.unusedPrewarmTtl } : {});
  }

  unpark(cli: ConversationCli): void {
    this.clis.delete(cli.conversationId);
  }

  leastRecentlyUsed(): ConversationCli | undefined {
    for (const cli of this.clis.rvalues()) return cli;
    return undefined;
  }

  get size(): number {
    return this.clis.size;
  }
}
