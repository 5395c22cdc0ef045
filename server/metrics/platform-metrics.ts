import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Where the gauges read their values at scrape time; registered by the composition root. */
export interface MetricSources {
  socketsConnected(): number;
  liveClis(): number;
  liveCliCap(): number;
  runQueueLength(): number;
  /** CLIs booting now (spawned, handshake not answered yet). */
  cliStarting(): number;
  cliStartCap(): number;
  /** Warm-pool workspaces ready for new users (0 with WORKSPACE_WARM_POOL=0 or on Kubernetes). */
  warmPoolReady?(): number;
  /** Workspace containers by state; "idle" = running with no run in progress. */
  workspaces(): Promise<{ running: number; idle: number; stopped: number }>;
}

export type RunTrigger = string;
export type RunEnd = "complete" | "interrupted" | "failed";

function buildMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "agentdesk_" });
  let sources: MetricSources | undefined;

  // The gauges register themselves and read their sources when scraped.
  new Gauge({
    name: "agentdesk_sockets_connected",
    help: "Socket.IO connections open now",
    registers: [registry],
    collect() {
      this.set(sources?.socketsConnected() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_workspaces",
    help: "Workspace containers by state (idle = running with no run in progress)",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = (await sources?.workspaces().catch(() => undefined)) ?? { running: 0, idle: 0, stopped: 0 };
      for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
    },
  });
  new Gauge({
    name: "agentdesk_live_clis",
    help: "Claude Code CLI processes alive now (running a turn or kept warm)",
    registers: [registry],
    collect() {
      this.set(sources?.liveClis() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_live_cli_cap",
    help: "Most CLI processes allowed alive at once on this host",
    registers: [registry],
    collect() {
      this.set(sources?.liveCliCap() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_cli_starting",
    help: "Claude Code CLI processes booting now (spawned, SDK handshake not answered yet)",
    registers: [registry],
    collect() {
      this.set(sources?.cliStarting() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_cli_start_cap",
    help: "Most CLI processes allowed to boot at once on this host (MAX_CLI_STARTS)",
    registers: [registry],
    collect() {
      this.set(sources?.cliStartCap() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_warm_pool_ready",
    help: "Workspaces created, started and checked ahead of demand, ready for new users (WORKSPACE_WARM_POOL)",
    registers: [registry],
    collect() {
      this.set(sources?.warmPoolReady?.() ?? 0);
    },
  });
  new Gauge({
    name: "agentdesk_run_queue_length",
    help: "Runs waiting for a free CLI slot",
    registers: [registry],
    collect() {
      this.set(sources?.runQueueLength() ?? 0);
    },
  });
  const runsStarted = new Counter({
    name: "agentdesk_runs_started_total",
    help: "Runs started, by trigger (chat, schedule)",
    labelNames: ["trigger"] as const,
    registers: [registry],
  });
  const runsFinished = new Counter({
    name: "agentdesk_runs_finished_total",
    help: "Runs ended, by trigger and status (complete, failed, interrupted)",
    labelNames: ["trigger", "status"] as const,
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: "agentdesk_run_duration_seconds",
    help: "Run duration from the runner taking it to its result, queue wait included",
    labelNames: ["status"] as const,
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const firstEvent = new Histogram({
    name: "agentdesk_run_first_event_seconds",
    help: "Time from a run starting to its first agent event",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const dockerErrors = new Counter({
    name: "agentdesk_docker_api_errors_total",
    help: "Docker engine calls that failed (no answer, or a 5xx), by operation",
    labelNames: ["operation"] as const,
    registers: [registry],
  });
  const limitRefusals = new Counter({
    name: "agentdesk_limit_refusals_total",
    help: "Requests refused by a quota or rate limit, by limit",
    labelNames: ["limit"] as const,
    registers: [registry],
  });

  return {
    registry,
    setSources(next: MetricSources | undefined) {
      sources = next;
    },
    runsStarted,
    runsFinished,
    runDuration,
    firstEvent,
    dockerErrors,
    limitRefusals,
  };
}

export type PlatformMetrics = ReturnType<typeof buildMetrics>;

// The custom server and Next's route handlers may load separate copies of this module; both must
// count into the one registry that /metrics serves.
const key = Symbol.for("agent-platform.metrics");
type GlobalWithMetrics = typeof globalThis & { [key]?: PlatformMetrics };

export function platformMetrics(): PlatformMetrics {
  const holder = globalThis as GlobalWithMetrics;
  holder[key] ??= buildMetrics();
  return holder[key];
}

export function countRunStarted(trigger: RunTrigger): void {
  platformMetrics().runsStarted.inc({ trigger });
}

export function countRunFinished(
  trigger: RunTrigger,
  status: RunEnd,
  timings?: { firstEventMs: number | null; totalMs: number },
): void {
  const metrics = platformMetrics();
  metrics.runsFinished.inc({ trigger, status });
  if (!timings) return;
  metrics.runDuration.observe({ status }, timings.totalMs / 1000);
  if (timings.firstEventMs !== null) metrics.firstEvent.observe(timings.firstEventMs / 1000);
}

export function countDockerError(operation: string): void {
  platformMetrics().dockerErrors.inc({ operation });
}

export function countLimitRefusal(limit: "agents_per_user" | "concurrent_runs" | "message_size" | "messages_per_minute" | "upload_size"): void {
  platformMetrics().limitRefusals.inc({ limit });
}
