// The egress proxy on its own (dist/egress.js, `node dist/egress.js`). Where workspaces run as
// pods, the proxy runs as a Deployment beside the servers and is the only process that holds the
// model key: the servers hand each workspace this proxy's address and EGRESS_WORKSPACE_TOKEN, and
// a NetworkPolicy lets workspace pods reach nothing else. Same rules as the in-process proxy
// (egress-proxy.ts); only the host firewall is left out, the NetworkPolicy being its counterpart.
// Without a model key or endpoint it serves the offline demo model itself (on loopback, behind its
// model route), and its /health says which model it routes to: the servers, holding no key, ask.
import http from "node:http";
import { BlockList } from "node:net";
import { z } from "zod";

import { configSchema } from "../config";
import { logger } from "../logger";
import { createModelStandIn, type ModelStandIn } from "../model-stand-in";
import type { EgressModel } from "./egress-model";
import { startEgressProxy, type ModelRoute } from "./egress-proxy";
import { defaultAllowListText, isInIpv4Range, parseAllowList } from "./egress-rules";

const PUBLIC_MODEL_API = "https://api.anthropic.com";
const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isIpv4Cidr(text: string): boolean {
  const match = CIDR_PATTERN.exec(text);
  if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) return false;
  try {
    new BlockList().addSubnet(`${match[1]}.${match[2]}.${match[3]}.${match[4]}`, Number(match[5]), "ipv4");
    return true;
  } catch {
    return false;
  }
}

const cidrList = z
  .string({ error: "is required: the IPv4 range(s) of the workspace pods, comma-separated (e.g. 10.244.0.0/16)" })
  .transform((text) => text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== ""))
  .pipe(
    z
      .array(z.string().refine(isIpv4Cidr, { error: (issue) => `"${String(issue.input)}" is not an IPv4 range like 10.244.0.0/16` }))
      .min(1, "names no range: give the IPv4 range(s) of the workspace pods (e.g. 10.244.0.0/16)"),
  );

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/**
 * Every variable the standalone proxy reads, validated once at start (server/config.ts's
 * definitions where the variable is the same one).
 */
const egressMainEnvSchema = configSchema
  .pick({ LOG_LEVEL: true, ANTHROPIC_API_KEY: true, EGRESS_ALLOWLIST: true })
  .extend({
    /** Where the model really is; unset: the public API. Without ANTHROPIC_API_KEY, requests go on without a key (a gateway). */
    ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    EGRESS_HOST: z.string().default("0.0.0.0"),
    /** The proxy's port (what workspaces put in HTTP_PROXY / ANTHROPIC_BASE_URL). */
    EGRESS_PROXY_PORT: port(3128).refine((value) => value > 0, "must be a fixed port for a Deployment"),
    /** GET /health for the Deployment's probes, on its own port (the proxy's port answers workspaces only); 0: none. */
    EGRESS_HEALTH_PORT: port(3129),
    /** Who may use the proxy (the workspace pods' range); loopback always may. */
    EGRESS_CLIENT_CIDRS: cidrList,
    /** What workspaces present as their model key; the servers hand out the same value. Without any model setting, it turns on the offline demo model. */
    EGRESS_WORKSPACE_TOKEN: z.string().trim().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
    /** The name workspaces reach the proxy by (its Service): absolute-form requests for it take the model route. */
    EGRESS_PROXY_HOSTNAME: z.string().trim().min(1).default("agentdesk-egress"),
  })
  .superRefine((env, context) => {
    const hasModelRoute = Boolean(env.ANTHROPIC_API_KEY || env.ANTHROPIC_BASE_URL);
    if (hasModelRoute && !env.EGRESS_WORKSPACE_TOKEN) {
      context.addIssue({
        code: "custom",
        path: ["EGRESS_WORKSPACE_TOKEN"],
        message: "is required with ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL: it is the key workspaces present instead of the real one",
      });
    }
    if (env.EGRESS_HEALTH_PORT === env.EGRESS_PROXY_PORT) {
      context.addIssue({ code: "custom", path: ["EGRESS_HEALTH_PORT"], message: "must differ from EGRESS_PROXY_PORT" });
    }
  });

type EgressMainEnv = z.infer<typeof egressMainEnvSchema>;

/** Which model the route leads to: the one configured, else the offline demo model (only workspaces holding the token may use it), else none. */
function modelOf(env: EgressMainEnv): EgressModel {
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_BASE_URL) return "anthropic";
  return env.EGRESS_WORKSPACE_TOKEN ? "offline-demo" : "none";
}

/** The model route: with the real key when the proxy holds one; to the demo model on loopback; none (only allow-listed tunnels). */
function modelRouteOf(env: EgressMainEnv, demoModel: ModelStandIn | undefined): ModelRoute | undefined {
  if (env.ANTHROPIC_API_KEY) return { upstream: new URL(env.ANTHROPIC_BASE_URL ?? PUBLIC_MODEL_API), apiKey: env.ANTHROPIC_API_KEY };
  if (env.ANTHROPIC_BASE_URL) return { upstream: new URL(env.ANTHROPIC_BASE_URL) };
  if (demoModel) return { upstream: new URL(`http://127.0.0.1:${demoModel.port}`), apiKey: "offline-demo-model" };
  return undefined;
}

function listen(server: http.Server, portNumber: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(portNumber, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const parsed = egressMainEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    console.error(`Invalid environment configuration for the egress proxy:\n${lines.join("\n")}`);
    process.exit(1);
  }
  const env = parsed.data;
  const isLoopback = (address: string) => address === "::1" || /^(::ffff:)?127\./.test(address);
  const modelKind = modelOf(env);
  const demoModel = modelKind === "offline-demo" ? await createModelStandIn({ host: "127.0.0.1", port: 0 }) : undefined;
  const model = modelRouteOf(env, demoModel);
  const allowListText = env.EGRESS_ALLOWLIST ?? defaultAllowListText(env.ANTHROPIC_BASE_URL);
  let modelRequests = 0;
  const proxy = await startEgressProxy({
    host: env.EGRESS_HOST,
    port: env.EGRESS_PROXY_PORT,
    allowList: parseAllowList(allowListText),
    protectedPorts: [...(env.EGRESS_HEALTH_PORT > 0 ? [env.EGRESS_HEALTH_PORT] : []), ...(demoModel ? [demoModel.port] : [])],
    isAllowedClient: (address) => isLoopback(address) || env.EGRESS_CLIENT_CIDRS.some((cidr) => isInIpv4Range(address, cidr)),
    model,
    containerHostname: env.EGRESS_PROXY_HOSTNAME,
    placeholderApiKey: env.EGRESS_WORKSPACE_TOKEN,
    // The one path that spends the key: each request is logged (never its headers) and counted on /health.
    onModelRequest: (request) => {
      modelRequests += 1;
      logger.info({ ...request, model: modelKind }, "model request forwarded");
    },
  });

  const health = http.createServer((req, res) => {
    const healthy = req.url?.split("?")[0] === "/health" && (req.method === "GET" || req.method === "HEAD");
    res.writeHead(healthy ? 200 : 404, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    // `model` is what the servers ask for: they hold no key, so only this process knows whether replies are Claude's.
    res.end(healthy ? JSON.stringify({ status: "healthy", proxyPort: proxy.port, model: modelKind, modelRequests }) : JSON.stringify({ error: "not found" }));
  });
  if (env.EGRESS_HEALTH_PORT > 0) await listen(health, env.EGRESS_HEALTH_PORT, env.EGRESS_HOST);

  logger.info(
    {
      port: proxy.port,
      healthPort: env.EGRESS_HEALTH_PORT || undefined,
      allowList: allowListText,
      clients: env.EGRESS_CLIENT_CIDRS,
      model: modelKind,
      modelRoute: model ? model.upstream.origin : "none",
    },
    "egress proxy listening",
  );
  if (modelKind === "offline-demo") logger.info("no ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL: model requests are answered by the offline demo model");
  if (modelKind === "none") {
    logger.warn("no model route: without EGRESS_WORKSPACE_TOKEN (and ANTHROPIC_API_KEY for Claude) workspaces reach only the allow-listed hosts");
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "egress proxy stopping");
    health.close();
    health.closeAllConnections();
    void Promise.all([proxy.close(), demoModel?.close()]).then(() => process.exit(0));
    setTimeout(() => process.exit(1), 5_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "egress proxy failed to start");
  process.exit(1);
});
