import { describe, expect, it } from "vitest";

import { SlidingWindowRateLimiter, waitSentence } from "../../server/limits/rate-limiter";

describe("messages-per-minute limiter", () => {
  it("allows the limit within a minute, refuses the next with when to try again, and frees up as the window slides", () => {
    let now = 0;
    const limiter = new SlidingWindowRateLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    expect(limiter.take("ann")).toEqual({ allowed: true });
    now = 10_000;
    expect(limiter.take("ann")).toEqual({ allowed: true });
    now = 20_000;
    expect(limiter.take("ann")).toEqual({ allowed: true });
    now = 30_000;
    // The first message (at 0 s) leaves the window at 60 s: 30 s from now.
    expect(limiter.take("ann")).toEqual({ allowed: false, retryAfterMs: 30_000 });
    // Another person is not affected.
    expect(limiter.take("bob")).toEqual({ allowed: true });
    now = 60_001;
    expect(limiter.take("ann")).toEqual({ allowed: true });
    expect(limiter.take("ann")).toEqual({ allowed: false, retryAfterMs: 9_999 });
  });

  it("does not count refused attempts against the person", () => {
    let now = 0;
    const limiter = new SlidingWindowRateLimiter({ limit: 1, windowMs: 1_000, now: () => now });
    limiter.take("ann");
    for (let i = 0; i < 5; i += 1) expect(limiter.take("ann").allowed).toBe(false);
    now = 1_001;
    expect(limiter.take("ann").allowed).toBe(true);
  });

  it("says how long to wait in words", () => {
    expect(waitSentence(400)).toBe("1 second");
    expect(waitSentence(12_300)).toBe("13 seconds");
    expect(waitSentence(60_000)).toBe("1 minute");
    expect(waitSentence(30 * 60_000)).toBe("30 minutes");
  });
});
