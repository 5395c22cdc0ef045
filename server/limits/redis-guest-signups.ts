import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { clientAddressHeader, guestSignupRefusal, type GuestSignupGate } from "./guest-signups";

/**
 * New guest sessions per client address counted once for every server sharing this Redis (a
 * fixed one-hour window per address). While Redis is unreachable each server counts on its own.
 * Kept apart from guest-signups.ts, which the sign-in page imports: Redis stays out of Next's bundle.
 */
export function createRedisGuestSignupGate(redis: Redis, limit: number): GuestSignupGate {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: "agentdesk:guest",
    points: limit,
    duration: 3600,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: limit, duration: 3600 }),
  });
  return {
    async admit(headers) {
      const address = headers?.get(clientAddressHeader);
      if (!address) return;
      try {
        await limiter.consume(address);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        throw guestSignupRefusal(refusal.msBeforeNext);
      }
    },
  };
}
