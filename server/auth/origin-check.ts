import { AppError } from "../../lib/errors";

/** Set by the custom server on every request it hands to Next (a client's value is overwritten). */
export const requestOriginHeader = "x-agentdesk-request-origin";

type HeaderValue = string | string[] | undefined;

function firstValue(value: HeaderValue): string | undefined {
  const joined = Array.isArray(value) ? value.join(",") : value;
  const first = joined?.split(",")[0]?.trim();
  return first ? first : undefined;
}

/**
 * The scheme+host this request reached, honouring TRUST_PROXY_HOPS like clientAddressOf: behind
 * a trusted proxy its X-Forwarded-Proto/Host name the public origin; otherwise the Host header
 * over our own plain-HTTP listener. AUTH_URL, when set, overrides this (see ownOriginOf).
 */
export function requestOriginOf(headers: Record<string, HeaderValue>, trustedProxyHops: number): string | undefined {
  const trusted = trustedProxyHops > 0;
  const host = (trusted ? firstValue(headers["x-forwarded-host"]) : undefined) ?? firstValue(headers.host);
  if (!host) return undefined;
  const proto = (trusted ? firstValue(headers["x-forwarded-proto"]) : undefined) ?? "http";
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/** What a browser told us about where a cookie-carrying request comes from. */
export interface OriginEvidence {
  /** The app's own origin: AUTH_URL's when set, else the one the request reached. */
  ownOrigin: string | undefined;
  origin?: string | null;
  secFetchSite?: string | null;
  /**
   * Without an Origin header: REST refuses unless Sec-Fetch-Site says same-origin (every browser
   * sends Origin on POST/PUT/PATCH/DELETE fetches, so only a script can be missing it, and a
   * script should use a Bearer token). A Socket.IO handshake refuses only on an explicit
   * cross-site Sec-Fetch-Site: browsers always send Origin on WebSocket and polling handshakes,
   * so a missing one means a non-browser client holding the cookie itself, not a page it visits.
   */
  withoutOrigin: "refuse" | "allow-unless-cross-site";
}

export function ownOriginOf(pinned: URL | undefined, reached: string | undefined): string | undefined {
  return pinned?.origin ?? reached;
}

const refusal =
  "This request came from another site, so your sign-in cookie is not accepted for it. Use the app itself, or send an 'Authorization: Bearer <session_id>' header.";

/**
 * Cross-site request forgery guard for cookie sign-ins: a page on another origin can make the
 * browser send our cookie, but it cannot make the browser send our Origin. Throws forbidden.
 */
export function assertSameOrigin(evidence: OriginEvidence): void {
  const { origin, secFetchSite, ownOrigin } = evidence;
  if (origin === undefined || origin === null || origin === "") {
    if (secFetchSite === "same-origin") return;
    if (evidence.withoutOrigin === "allow-unless-cross-site" && secFetchSite !== "cross-site" && secFetchSite !== "same-site") return;
    throw new AppError("forbidden", refusal);
  }
  // "null" (sandboxed frames, file: pages, some redirects) is never our own origin.
  if (origin !== "null" && ownOrigin !== undefined && sameOrigin(origin, ownOrigin)) return;
  throw new AppError("forbidden", refusal);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
