import { AppError } from "../../lib/errors";
import { findPlatformServices } from "../platform-services";
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
const shared = Symbol.for("agent-platform.guest-signup-limiter");
type GlobalWithLimiter = typeof globalThis & { [shared]?: { limit: number; limiter: SlidingWindowRateLimiter } };

// Route handlers may load their own copy of this module: the limiter lives on globalThis, like the platform services.
function limiterFor(limit: number): SlidingWindowRateLimiter {
  const holder = globalThis as GlobalWithLimiter;
  const existing = holder[shared];
  if (existing && existing.limit === limit) return existing.limiter;
  const limiter = new SlidingWindowRateLimiter({ limit, windowMs: hourMs });
  holder[shared] = { limit, limiter };
  return limiter;
}

/** Throws rate_limited when this address started too many guest sessions within the last hour. */
export function admitGuestSignUp(headers: Headers | undefined): void {
  const address = headers?.get(clientAddressHeader);
  if (!address) return;
  const limit = findPlatformServices()?.config.GUEST_SIGNUPS_PER_HOUR ?? 30;
  const decision = limiterFor(limit).take(address);
  if (!decision.allowed) {
    throw new AppError(
      "rate_limited",
      `Too many guest sessions were started from your network in the last hour (GUEST_SIGNUPS_PER_HOUR). Try again in ${waitSentence(decision.retryAfterMs)}, or sign in with Google.`,
    );
  }
}

/** What the sign-in page is told (?code=) when a guest session was refused by this limit. */
export const guestLimitCode = "guest_limit";
