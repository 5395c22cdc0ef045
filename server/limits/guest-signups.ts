import { AppError } from "../../lib/errors";
import { SlidingWindowRateLimiter, waitSentence } from "./rate-limiter";

/**
 * Every guest is a container waiting to happen, and making one needs no account: new guest
 * sessions are limited per client address. The custom server stamps the address it saw on the
 * socket into this header (overwriting whatever a client sent), so it cannot be forged from
 * outside; a request without it did not come through server.ts (a test calling a route) and is
 * not limited.
 */
export const clientAddressHeader = "x-agentdesk-client-address";

const hourMs = 60 * 60 * 1000;

export interface GuestSignupGate {
  /** Throws rate_limited when this address started too many guest sessions within the last hour. */
  admit(headers: Headers | undefined): Promise<void>;
}

/** `limit` is GUEST_SIGNUPS_PER_HOUR; one gate per process, built with the platform (redis-guest-signups.ts when servers share Redis). */
export function createGuestSignupGate(limit: number): GuestSignupGate {
  const limiter = new SlidingWindowRateLimiter({ limit, windowMs: hourMs });
  return {
    async admit(headers) {
      const address = headers?.get(clientAddressHeader);
      if (!address) return;
      const decision = limiter.take(address);
      if (!decision.allowed) throw guestSignupRefusal(decision.retryAfterMs);
    },
  };
}

export function guestSignupRefusal(retryAfterMs: number): AppError {
  return new AppError(
    "rate_limited",
    `Too many guest sessions were started from your network in the last hour (GUEST_SIGNUPS_PER_HOUR). Try again in ${waitSentence(retryAfterMs)}, or sign in with Google.`,
  );
}

/** What the sign-in page is told (?code=) when a guest session was refused by this limit. */
export const guestLimitCode = "guest_limit";
