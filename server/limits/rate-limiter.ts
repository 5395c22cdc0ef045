export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface SlidingWindowOptions {
  limit: number;
  windowMs: number;
  now?: () => number;
}

/**
 * At most `limit` actions per key in any window of `windowMs` (a sliding log: exact, and small at
 * the rates people type). A refusal says when the oldest action leaves the window.
 */
export class SlidingWindowRateLimiter {
  private readonly log = new Map<string, number[]>();
  private readonly now: () => number;
  private takesSincePrune = 0;

  constructor(private readonly options: SlidingWindowOptions) {
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateDecision {
    const now = this.now();
    const recent = this.recent(key, now);
    if (recent.length >= this.options.limit) {
      return { allowed: false, retryAfterMs: Math.max(1, recent[0]! + this.options.windowMs - now) };
    }
    recent.push(now);
    this.log.set(key, recent);
    if (++this.takesSincePrune >= 1_000) this.prune(now);
    return { allowed: true };
  }

  private recent(key: string, now: number): number[] {
    const since = now - this.options.windowMs;
    return (this.log.get(key) ?? []).filter((at) => at > since);
  }

  /** Drops keys with nothing left in the window, so memory follows active users only. */
  private prune(now: number): void {
    this.takesSincePrune = 0;
    for (const key of [...this.log.keys()]) {
      const recent = this.recent(key, now);
      if (recent.length === 0) this.log.delete(key);
      else this.log.set(key, recent);
    }
  }
}

/** "12 seconds", "1 minute": how long to wait, rounded up to what a person can act on. */
export function waitSentence(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
