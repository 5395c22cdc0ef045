import type { IncomingMessage } from "node:http";

/**
 * The address a request came from, for per-address limits (guest sign-ups). Behind a load
 * balancer the socket's peer is the balancer: with TRUST_PROXY_HOPS = n, the address is the one
 * the n-th proxy from us saw, read from the right of X-Forwarded-For (entries further left were
 * written by the client and can be forged). 0 trusts no header at all.
 */
export function clientAddressOf(request: Pick<IncomingMessage, "headers" | "socket">, trustedProxyHops: number): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  if (trustedProxyHops <= 0) return peer;
  const header = request.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  // [client, proxy1, …] + the peer: the peer is hop 0, the right-most forwarded entry hop 1.
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustedProxyHops)] ?? peer;
}
