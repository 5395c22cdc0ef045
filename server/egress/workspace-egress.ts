import type { Server as NetServer, Socket } from "node:net";

import type { ClaudeCredentials } from "../claude/claude-environment";
import type { PlatformConfig } from "../config";
import { usesOfflineDemoModel } from "../config";
import { logger } from "../logger";
import { installEgressFirewall, type EgressFirewall } from "./egress-firewall";
import { startEgressProxy, type EgressProxy, type ModelRoute } from "./egress-proxy";
import { defaultAllowListText, isInIpv4Range, parseAllowList } from "./egress-rules";

/** How containers name the host; the workspace's /etc/hosts maps it to the Docker host gateway. */
export const CONTAINER_HOST_ALIAS = "host.docker.internal";
const PUBLIC_MODEL_API = "https://api.anthropic.com";

export interface WorkspaceEgress {
  proxy: EgressProxy;
  firewall: EgressFirewall;
  /** What the CLI in a workspace gets: the proxy as its model endpoint and a placeholder key. */
  credentials: ClaudeCredentials;
  /** True for addresses inside workspace networks. */
  isWorkspaceAddress(address: string): boolean;
  /** Makes a server of the platform drop connections from workspaces (belt and braces under the firewall). */
  refuseWorkspaceClients(server: NetServer): void;
  close(): Promise<void>;
}

/** The Firestore emulator's port, when one is configured: the store is never reachable from a workspace. */
function storePorts(config: PlatformConfig): number[] {
  const port = Number(config.FIRESTORE_EMULATOR_HOST?.split(":").pop());
  return Number.isInteger(port) && port > 0 ? [port] : [];
}

/** Where model requests really go, and with which key, seen from the host. */
export function modelRouteFromConfig(config: PlatformConfig, demoModelPort: number | undefined): ModelRoute | undefined {
  if (usesOfflineDemoModel(config)) {
    if (demoModelPort === undefined) return undefined;
    return { upstream: new URL(`http://127.0.0.1:${demoModelPort}`), apiKey: "offline-demo-model" };
  }
  if (!config.ANTHROPIC_API_KEY && config.CLAUDE_CODE_OAUTH_TOKEN) return undefined;
  return { upstream: new URL(config.ANTHROPIC_BASE_URL ?? PUBLIC_MODEL_API), apiKey: config.ANTHROPIC_API_KEY };
}

/**
 * Starts the egress proxy and the host firewall for isolated workspaces. The real API key stays
 * in this process: containers get a placeholder the proxy's model route swaps for it. A
 * subscription token (CLAUDE_CODE_OAUTH_TOKEN without an API key) is still handed to the CLI, as
 * the CLI needs it to sign in (docs/security.md lists this gap).
 */
export async function startWorkspaceEgress(config: PlatformConfig, options: { demoModelPort?: number } = {}): Promise<WorkspaceEgress> {
  const isWorkspaceAddress = (address: string) => isInIpv4Range(address, config.WORKSPACE_SUBNET_POOL);
  const isLoopback = (address: string) => address === "::1" || /^(::ffff:)?127\./.test(address);
  const model = modelRouteFromConfig(config, options.demoModelPort);
  const proxy = await startEgressProxy({
    host: "0.0.0.0",
    port: config.EGRESS_PROXY_PORT,
    allowList: parseAllowList(config.EGRESS_ALLOWLIST ?? defaultAllowListText(config.ANTHROPIC_BASE_URL)),
    protectedPorts: [config.PORT, config.MODEL_STAND_IN_PORT, ...storePorts(config)],
    isAllowedClient: (address) => isWorkspaceAddress(address) || isLoopback(address),
    model,
    containerHostname: CONTAINER_HOST_ALIAS,
  });
  const firewall = await installEgressFirewall([proxy.port]);
  const proxyUrl = `http://${CONTAINER_HOST_ALIAS}:${proxy.port}`;
  const credentials: ClaudeCredentials = model
    ? { apiKey: proxy.placeholderApiKey, baseUrl: proxyUrl, egressProxyUrl: proxyUrl }
    : { oauthToken: config.CLAUDE_CODE_OAUTH_TOKEN, baseUrl: config.ANTHROPIC_BASE_URL, egressProxyUrl: proxyUrl };
  logger.info({ port: proxy.port, firewall: firewall.mode }, "workspace egress proxy listening");

  return {
    proxy,
    firewall,
    credentials,
    isWorkspaceAddress,
    refuseWorkspaceClients: (server) => {
      server.on("connection", (socket: Socket) => {
        if (isWorkspaceAddress(socket.remoteAddress ?? "")) socket.destroy();
      });
    },
    close: async () => {
      await firewall.close();
      await proxy.close();
    },
  };
}
