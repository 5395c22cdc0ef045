import type { IncomingMessage, ServerResponse } from "node:http";

export type HealthCheck = () => Promise<{ detail?: string }>;

export interface HealthCheckResult {
  status: "ok" | "error";
  latencyMs: number;
  detail?: string;
  error?: string;
}

export interface HealthReport {
  status: "healthy" | "unhealthy";
  timestamp: string;
  checks: Record<string, HealthCheckResult>;
  failing: string[];
}

const checkTimeoutMs = 3_000;

async function runCheck(check: HealthCheck): Promise<HealthCheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
    });
    const { detail } = await Promise.race([check(), timeout]);
    return { status: "ok", latencyMs: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return {
      status: "error",
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every dependency check at once; one failing check makes the whole report unhealthy. */
export async function buildHealthReport(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name]!)));
  const byName = Object.fromEntries(names.map((name, index) => [name, results[index]!]));
  const failing = names.filter((name) => byName[name]!.status === "error");
  return {
    status: failing.length === 0 ? "healthy" : "unhealthy",
    timestamp: new Date().toISOString(),
    checks: byName,
    failing,
  };
}

export async function handleHealthRequest(_req: IncomingMessage, res: ServerResponse, checks: Record<string, HealthCheck>) {
  const report = await buildHealthReport(checks);
  res.writeHead(report.status === "healthy" ? 200 : 503, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(JSON.stringify(report));
}
