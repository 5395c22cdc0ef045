import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * What the egress proxy lets a workspace reach. Pure functions, so the rules are unit-tested on
 * their own; the proxy (egress-proxy.ts) applies them to each request.
 */

export interface EgressAllowList {
  /** `*` was listed: any public host is allowed (private addresses still need an explicit entry). */
  allowAll: boolean;
  /** Exact host names, lower case. */
  exact: ReadonlySet<string>;
  /** `*.example.com` entries, stored as ".example.com". */
  suffixes: readonly string[];
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * Parses EGRESS_ALLOWLIST: comma-separated host names, `*.example.com` for every subdomain, `*`
 * for any host. IP literals are accepted as exact entries (e.g. a loopback test server).
 */
export function parseAllowList(text: string): EgressAllowList {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let allowAll = false;
  for (const raw of text.split(",")) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, "");
    if (entry === "") continue;
    if (entry === "*") {
      allowAll = true;
      continue;
    }
    const host = entry.startsWith("[") && entry.endsWith("]") ? entry.slice(1, -1) : entry;
    if (isIP(host) !== 0) {
      exact.add(host);
      continue;
    }
    if (!HOST_PATTERN.test(host)) {
      throw new Error(`"${raw.trim()}" is not a host name (use names like api.example.com or *.example.com, comma-separated).`);
    }
    if (host.startsWith("*.")) suffixes.push(host.slice(1));
    else exact.add(host);
  }
  return { allowAll, exact, suffixes };
}

/** The default allow-list: only the model's host, which the CLI needs. */
export function defaultAllowListText(anthropicBaseUrl: string | undefined): string {
  if (anthropicBaseUrl) {
    try {
      return new URL(anthropicBaseUrl).hostname;
    } catch {
      // config validation reports a bad URL elsewhere; fall through to the public API.
    }
  }
  return "api.anthropic.com";
}

export type HostMatch = "explicit" | "wildcard" | "none";

/** How a host is allowed: by an entry naming it (or its domain), only by `*`, or not at all. */
export function matchHost(allowList: EgressAllowList, hostname: string): HostMatch {
  const host = normalizeHost(hostname);
  if (allowList.exact.has(host)) return "explicit";
  if (allowList.suffixes.some((suffix) => host.endsWith(suffix) && host.length > suffix.length)) return "explicit";
  return allowList.allowAll ? "wildcard" : "none";
}

export function normalizeHost(hostname: string): string {
  const lower = hostname.trim().toLowerCase().replace(/\.$/, "");
  return lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
}

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  privateRanges.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const) {
  privateRanges.addSubnet(network, prefix, "ipv6");
}

/**
 * Loopback, private, link-local, carrier-grade NAT, documentation, multicast and reserved
 * addresses: the host, its networks and cloud metadata services live here, so the proxy reaches
 * them only for hosts listed by name.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1]! : address;
  const family = isIP(plain);
  if (family === 0) return true;
  return privateRanges.check(plain, family === 4 ? "ipv4" : "ipv6");
}

/** Addresses of this machine (every interface), where the platform's own ports listen. */
export function isLocalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1]! : address;
  if (plain === "0.0.0.0" || plain === "::" || plain.startsWith("127.") || plain === "::1") return true;
  return Object.values(networkInterfaces()).some((entries) => (entries ?? []).some((entry) => entry.address === plain));
}

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

export interface EgressTarget {
  hostname: string;
  port: number;
  /** The address the host name resolved to, which is where the proxy would connect. */
  address: string;
}

/**
 * The whole egress rule: the host must be on the allow-list; a private address needs an entry
 * naming the host (`*` is not enough); the platform's own ports on this machine are never
 * reachable, whatever is listed.
 */
export function decideEgress(allowList: EgressAllowList, target: EgressTarget, protectedPorts: readonly number[]): EgressDecision {
  const match = matchHost(allowList, target.hostname);
  if (match === "none") {
    return { allowed: false, reason: `${normalizeHost(target.hostname)} is not on this platform's egress allow-list (EGRESS_ALLOWLIST).` };
  }
  if (protectedPorts.includes(target.port) && isLocalAddress(target.address)) {
    return { allowed: false, reason: `Port ${target.port} on the platform's own machine is not reachable from a workspace.` };
  }
  if (match === "wildcard" && isPrivateAddress(target.address)) {
    return {
      allowed: false,
      reason: `${normalizeHost(target.hostname)} resolves to a private address (${target.address}); list it by name in EGRESS_ALLOWLIST to allow it.`,
    };
  }
  return { allowed: true };
}

/** True when the address lies in the CIDR range (IPv4 only; workspace networks are IPv4). */
export function isInIpv4Range(address: string, cidr: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1]! : address;
  if (isIP(plain) !== 4) return false;
  const [network, prefix] = cidr.split("/");
  const list = new BlockList();
  list.addSubnet(network!, Number(prefix), "ipv4");
  return list.check(plain, "ipv4");
}
