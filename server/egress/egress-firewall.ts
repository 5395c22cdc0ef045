import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { logger } from "../logger";
import { WORKSPACE_BRIDGE_PREFIX } from "../workspaces/workspace-names";

const run = promisify(execFile);

/**
 * The host side of workspace isolation. An internal Docker network has no route out, but the
 * host itself is still reachable from it: every port on every host address (the platform's own
 * port, the store, the demo model...). These INPUT rules, for the bridges of workspace networks
 * only (interfaces named adw…), accept the egress proxy's port and refuse everything else with a
 * TCP reset, so a refused connection fails at once instead of hanging.
 *
 * Several platform processes may share one host (tests do): each adds an ACCEPT for its own proxy
 * port, tagged with its pid, removes it on close, and prunes the rules of processes that died.
 */

export const FIREWALL_CHAIN = "AGENTDESK-WORKSPACES";
const COMMENT_PREFIX = "agentdesk-egress pid=";

export interface EgressFirewall {
  /** "iptables" when the rules are in place; "unavailable" when they could not be installed (see the log). */
  mode: "iptables" | "unavailable";
  close(): Promise<void>;
}

type Tool = "iptables" | "ip6tables";

async function table(tool: Tool, args: string[]): Promise<string> {
  // -w: wait for the xtables lock instead of failing when another process edits rules at the same moment.
  const { stdout } = await run(tool, ["-w", "5", ...args], { timeout: 15_000 });
  return stdout;
}

async function ruleExists(tool: Tool, chain: string, rule: string[]): Promise<boolean> {
  return table(tool, ["-C", chain, ...rule]).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The chain's fixed part: replies to the host's own connections pass, new connections are refused. */
const baseRules: string[][] = [
  ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
  ["-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"],
  ["-j", "DROP"],
];

function acceptRule(port: number): string[] {
  return ["-p", "tcp", "--dport", String(port), "-m", "comment", "--comment", `${COMMENT_PREFIX}${process.pid}`, "-j", "ACCEPT"];
}

async function installFor(tool: Tool, ports: readonly number[]): Promise<void> {
  await table(tool, ["-N", FIREWALL_CHAIN]).catch((error: unknown) => {
    if (!/exists/i.test(String((error as { stderr?: unknown }).stderr ?? error))) throw error;
  });
  const jump = ["-i", `${WORKSPACE_BRIDGE_PREFIX}+`, "-j", FIREWALL_CHAIN];
  if (!(await ruleExists(tool, "INPUT", jump))) await table(tool, ["-I", "INPUT", "1", ...jump]);
  for (const rule of baseRules) {
    if (!(await ruleExists(tool, FIREWALL_CHAIN, rule))) await table(tool, ["-A", FIREWALL_CHAIN, ...rule]);
  }
  // Rules left by platform processes that are gone would keep their (now unused) ports open.
  const listing = await table(tool, ["-S", FIREWALL_CHAIN]);
  for (const line of listing.split("\n")) {
    const pid = new RegExp(`${COMMENT_PREFIX}(\\d+)`).exec(line)?.[1];
    if (!pid || isAlive(Number(pid)) || !line.startsWith("-A ")) continue;
    const args = line.slice(3).match(/"[^"]*"|\S+/g)?.map((part) => part.replace(/^"|"$/g, "")) ?? [];
    await table(tool, ["-D", ...args]).catch(() => undefined);
  }
  for (const port of ports) {
    if (!(await ruleExists(tool, FIREWALL_CHAIN, acceptRule(port)))) await table(tool, ["-I", FIREWALL_CHAIN, "1", ...acceptRule(port)]);
  }
}

/**
 * Lets workspaces reach only `ports` on the host. IPv4 rules are required for "iptables" mode;
 * IPv6 ones are added when ip6tables works (workspace networks are IPv4-only).
 */
export async function installEgressFirewall(ports: readonly number[]): Promise<EgressFirewall> {
  try {
    await installFor("iptables", ports);
  } catch (error) {
    logger.warn(
      { err: error },
      "could not install the workspace firewall (iptables): workspaces can reach every port on this host's addresses; the platform's own server refuses them by address",
    );
    return { mode: "unavailable", close: async () => undefined };
  }
  const ipv6 = await installFor("ip6tables", ports).then(
    () => true,
    () => false,
  );
  return {
    mode: "iptables",
    close: async () => {
      for (const port of ports) {
        await table("iptables", ["-D", FIREWALL_CHAIN, ...acceptRule(port)]).catch(() => undefined);
        if (ipv6) await table("ip6tables", ["-D", FIREWALL_CHAIN, ...acceptRule(port)]).catch(() => undefined);
      }
    },
  };
}
