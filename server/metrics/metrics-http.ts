import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { logger } from "../logger";
import { platformMetrics } from "./platform-metrics";

const loopback = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Who may read /metrics: with METRICS_TOKEN set, whoever sends it as a bearer token; without one,
 * only this machine (a local scraper or an operator's shell). The figures hold no user data, but
 * load and counts are still nobody else's business.
 */
export function mayReadMetrics(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return loopback.has(req.socket.remoteAddress ?? "");
  const header = req.headers.authorization ?? "";
  const presented = Buffer.from(header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export async function handleMetricsRequest(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
  if (!mayReadMetrics(req, token)) {
    res.writeHead(token ? 401 : 403, { "content-type": "text/plain; charset=utf-8", ...(token ? { "www-authenticate": "Bearer" } : {}) });
    res.end(token ? "Send METRICS_TOKEN as a bearer token.\n" : "Metrics are served to this machine only; set METRICS_TOKEN to read them remotely.\n");
    return;
  }
  try {
    const { registry } = platformMetrics();
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
    res.end(body);
  } catch (error) {
    logger.error({ err: error }, "collecting metrics failed");
    res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end("Collecting metrics failed.\n");
  }
}
