import { lookup } from "node:dns/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";

import type { PlatformConfig } from "../config";
import type { HealthCheck } from "../http/health";
import { logger } from "../logger";
import { recordEgressModel, type EgressModel } from "./egress-model";

/**
 * The egress proxy in its own process (egress-main.ts: a Deployment on Kubernetes, a process on
 * the host on Docker), at EGRESS_PROXY_URL. It holds the model key, so only it knows whether
 * replies come from Claude or from the offline demo model it serves itself; this server asks its
 * /health at start-up and keeps asking. Nothing is started here: no proxy, no firewall.
 */
export interface ExternalEgress {
  /** `egressProxy`: the proxy answers and routes a model; its detail says which. */
  healthChecks: Record<string, HealthCheck>;
  close(): Promise<void>;
}

export interface ExternalEgressOptions {
  /** How long start-up waits for the first answer before the server starts anyway (not ready). */
  startupWaitMs?: number;
  /** Between two questions once the proxy has answered (a restarted proxy may route elsewhere). */
  refreshMs?: number;
}

/** How containers name the host on Docker; the server on the host itself reaches it on loopback. */
const CONTAINER_HOST_ALIAS = "host.docker.internal";
const ASK_TIMEOUT_MS = 2_500;
const MAX_RETRY_DELAY_MS = 15_000;

const egressHealthSchema = z.object({ model: z.enum(["anthropic", "offline-demo", "none"]) });

const modelWords: Record<EgressModel, string> = {
  anthropic: "the Anthropic API",
  "offline-demo": "the offline demo model (the proxy has no ANTHROPIC_API_KEY)",
  none: "no model",
};

/** Where this server asks: the proxy's host, on the proxy's health port. */
async function healthUrlOf(proxyUrl: URL, healthPort: number): Promise<string> {
  let host = proxyUrl.hostname;
  // On Docker the workspaces' name for the host resolves only inside containers, unless this server runs in one too.
  if (host === CONTAINER_HOST_ALIAS) host = await lookup(host).then(() => host, () => "127.0.0.1");
  return `http://${host}:${healthPort}/health`;
}

export async function connectExternalEgress(
  config: Pick<PlatformConfig, "EGRESS_PROXY_URL" | "EGRESS_HEALTH_PORT">,
  options: ExternalEgressOptions = {},
): Promise<ExternalEgress> {
  const proxyUrl = new URL(config.EGRESS_PROXY_URL!);
  const where = proxyUrl.origin;
  let known: EgressModel | undefined;
  let answered: () => void = () => undefined;
  const firstAnswer = new Promise<void>((resolve) => (answered = resolve));

  async function askModel(): Promise<EgressModel> {
    const url = await healthUrlOf(proxyUrl, config.EGRESS_HEALTH_PORT);
    const response = await fetch(url, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) }).catch((error: unknown) => {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new Error(`${url} did not answer (${cause})`);
    });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const parsed = egressHealthSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new Error(`${url} did not say which model it routes to (is it AgentDesk's egress proxy, dist/egress.js?)`);
    const model = parsed.data.model;
    if (model !== known) {
      logger.info({ egressProxy: where, model }, `the egress proxy routes model requests to ${modelWords[model]}`);
      known = model;
      recordEgressModel(model);
    }
    answered();
    return model;
  }

  // Asks until the proxy answers (backing off, a warning each time), then now and then.
  const stopped = new AbortController();
  const watching = (async () => {
    let attempt = 0;
    let answering = true;
    while (!stopped.signal.aborted) {
      let waitMs = options.refreshMs ?? 30_000;
      try {
        await askModel();
        attempt = 0;
        answering = true;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        attempt += 1;
        if (known === undefined) {
          waitMs = Math.min(1_000 * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
          logger.warn(
            { egressProxy: where, attempt, retryInMs: waitMs, reason },
            "could not ask the egress proxy which model it routes to; retrying (this server is not ready until it answers)",
          );
        } else if (answering) {
          logger.warn({ egressProxy: where, reason }, "the egress proxy stopped answering (this server is not ready until it does)");
        }
        answering = false;
      }
      await sleep(waitMs, undefined, { signal: stopped.signal, ref: false }).catch(() => undefined);
    }
  })();

  // Usually the proxy is up: the server then starts knowing. Otherwise it starts anyway, not ready.
  // (This timer holds the process open: nothing else may yet while the platform is being built.)
  const startupWaitMs = options.startupWaitMs ?? 10_000;
  const startupWait = new AbortController();
  await Promise.race([firstAnswer, sleep(startupWaitMs, undefined, { signal: startupWait.signal }).catch(() => undefined)]);
  startupWait.abort();
  if (known === undefined) {
    logger.warn(
      { egressProxy: where, waitedMs: startupWaitMs },
      "starting without knowing which model the egress proxy routes to: /health answers 503 (egressProxy) until it says",
    );
  }

  return {
    healthChecks: {
      egressProxy: async () => {
        const model = await askModel();
        if (model === "none") {
          throw new Error(`the egress proxy at ${where} routes no model: give it EGRESS_WORKSPACE_TOKEN (and ANTHROPIC_API_KEY for Claude)`);
        }
        return { detail: `model: ${model}, through the egress proxy at ${where}` };
      },
    },
    close: async () => {
      stopped.abort();
      await watching;
      recordEgressModel(undefined);
    },
  };
}
