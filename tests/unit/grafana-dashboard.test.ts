import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { platformMetrics } from "@/server/metrics/platform-metrics";

/**
 * deploy/grafana/agentdesk.json reads only what GET /metrics serves: every series a query names is
 * registered in server/metrics/platform-metrics.ts (its own metrics and the process metrics under
 * the same prefix), counters and histograms are read through rate()/increase(), and the JSON has
 * the shape Grafana imports. No Grafana runs here; this is what can be checked without one.
 */

interface Target {
  refId?: unknown;
  expr?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: unknown; uid?: unknown };
  targets?: Target[];
}
interface Dashboard {
  title?: unknown;
  uid?: unknown;
  schemaVersion?: unknown;
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown; definition?: unknown }[] };
}

const dashboardFile = path.resolve(__dirname, "../../deploy/grafana/agentdesk.json");
const dashboardText = readFileSync(dashboardFile, "utf8");
const dashboard = JSON.parse(dashboardText) as Dashboard;
const panels = dashboard.panels ?? [];
const queryPanels = panels.filter((panel) => panel.type !== "row");
const expressions = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: String(panel.title), expr: String(target.expr) })));

// PromQL's functions and aggregations this dashboard may call; anything else is a typo.
const promqlFunctions = new Set([
  "sum", "max", "min", "avg", "count", "topk", "bottomk", "quantile",
  "rate", "increase", "irate", "delta", "deriv", "histogram_quantile", "clamp_min", "clamp_max",
  "abs", "ceil", "floor", "round", "label_values", "vector", "scalar", "time",
]);
const promqlKeywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"]);
const grafanaBuiltins = new Set(["__rate_interval", "__interval", "__range", "__all"]);

/** Metric names as Prometheus stores them: counters as registered (`…_total`), histograms as their series. */
async function servedSeries(): Promise<Map<string, "counter" | "gauge" | "histogram" | "summary">> {
  const metrics = await platformMetrics().registry.getMetricsAsJSON();
  const series = new Map<string, "counter" | "gauge" | "histogram" | "summary">();
  for (const metric of metrics) {
    const type = String(metric.type) as "counter" | "gauge" | "histogram" | "summary";
    if (type === "histogram" || type === "summary") {
      for (const suffix of type === "histogram" ? ["_bucket", "_sum", "_count"] : ["_sum", "_count"]) series.set(`${metric.name}${suffix}`, "counter");
      if (type === "summary") series.set(metric.name, "gauge");
    } else {
      series.set(metric.name, type);
    }
  }
  return series;
}

/** The identifiers of an expression outside label matchers, strings, ranges and label lists. */
function bareIdentifiers(expr: string): { name: string; isCall: boolean }[] {
  const skeleton = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    // `sum by (le) (…)`: the grouping clause goes, so the aggregation reads as a call.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  return [...skeleton.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)].map((match) => ({ name: match[1]!, isCall: Boolean(match[2]) }));
}

function metricNamesIn(expr: string): string[] {
  return bareIdentifiers(expr)
    .filter(({ name, isCall }) => !isCall && !promqlKeywords.has(name))
    .map(({ name }) => name);
}

function overlaps(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe("the Grafana dashboard (deploy/grafana/agentdesk.json)", () => {
  let series: Map<string, "counter" | "gauge" | "histogram" | "summary">;
  beforeAll(async () => {
    series = await servedSeries();
  });

  it("has the shape Grafana imports: title, uid, schema version, panels on a 24-column grid", () => {
    expect(dashboard.title).toBe("AgentDesk");
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(Number.isInteger(dashboard.schemaVersion) && (dashboard.schemaVersion as number) >= 30).toBe(true);
    expect(queryPanels.length).toBeGreaterThanOrEqual(10);

    const ids = panels.map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(["row", "timeseries", "stat"], String(panel.title)).toContain(panel.type);
      expect(typeof panel.title === "string" && panel.title.length > 0).toBe(true);
      const grid = panel.gridPos!;
      for (const value of [grid.x, grid.y, grid.w, grid.h]) expect(Number.isInteger(value) && value >= 0).toBe(true);
      expect(grid.w).toBeGreaterThan(0);
      expect(grid.h).toBeGreaterThan(0);
      expect(grid.x + grid.w, String(panel.title)).toBeLessThanOrEqual(24);
    }
    for (const [index, a] of panels.entries()) {
      for (const b of panels.slice(index + 1)) expect(overlaps(a.gridPos!, b.gridPos!), `${String(a.title)} overlaps ${String(b.title)}`).toBe(false);
    }
  });

  it("asks the chosen Prometheus data source in every query, each with its own refId", () => {
    for (const panel of queryPanels) {
      expect(panel.datasource, String(panel.title)).toEqual({ type: "prometheus", uid: "${datasource}" });
      const targets = panel.targets ?? [];
      expect(targets.length, String(panel.title)).toBeGreaterThan(0);
      expect(new Set(targets.map((target) => target.refId)).size).toBe(targets.length);
      for (const target of targets) {
        expect(target.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
        expect(typeof target.expr === "string" && target.expr.trim().length > 0).toBe(true);
      }
    }
  });

  it("uses only template variables it defines (and Grafana's own)", () => {
    const defined = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
    expect(defined).toEqual(new Set(["datasource", "instance"]));
    const used = [...dashboardText.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
    for (const name of used) expect(defined.has(name) || grafanaBuiltins.has(name), `$${name}`).toBe(true);
  });

  it("names only series that server/metrics/platform-metrics.ts registers", () => {
    // A variable's label_values(metric, label) names a metric and then a label.
    const variableQueries = (dashboard.templating?.list ?? []).filter((variable) => variable.type === "query");
    const variableMetrics = variableQueries.map((variable) => ({
      panel: `variable ${variable.name}`,
      expr: /^label_values\(([^,]+),\s*[A-Za-z_]+\)$/.exec(String(variable.definition))?.[1] ?? String(variable.definition),
    }));
    const all = [...expressions, ...variableMetrics];
    for (const { panel, expr } of all) {
      const names = metricNamesIn(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(series.has(name), `${panel}: "${name}" is not served by /metrics`).toBe(true);
      for (const { name, isCall } of bareIdentifiers(expr)) if (isCall) expect(promqlFunctions.has(name), `${panel}: unknown function ${name}`).toBe(true);
    }
  });

  it("reads counters through rate() or increase() over a range, and gauges directly", () => {
    for (const { panel, expr } of expressions) {
      const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      for (const match of unquoted.matchAll(/\b(agentdesk_[A-Za-z0-9_]+)(\{[^}]*\})?(\[[^\]]+\])?/g)) {
        const [, name, , range] = match;
        const kind = series.get(name!);
        if (kind === "counter") {
          expect(range, `${panel}: counter ${name} without a range`).toBeDefined();
          const before = unquoted.slice(0, match.index);
          expect(before, `${panel}: ${name}`).toMatch(/\b(rate|increase)\s*\($/);
        } else {
          expect(range, `${panel}: gauge ${name} with a range`).toBeUndefined();
        }
      }
    }
  });

  it("takes quantiles from histogram buckets aggregated by le", () => {
    const quantiles = expressions.filter(({ expr }) => expr.includes("histogram_quantile"));
    expect(quantiles.map(({ panel }) => panel)).toEqual(expect.arrayContaining(["Time to first event", "Run duration"]));
    for (const { panel, expr } of quantiles) {
      expect(expr, panel).toMatch(/histogram_quantile\(0?\.\d+, sum by \(le(, [a-z_]+)*\) \(rate\(agentdesk_[a-z_]+_bucket\{/);
    }
  });

  it("covers what an operator watches: sockets, CLIs and queue, runs by outcome, latencies, workspaces, engine errors, refusals", () => {
    const uses = (name: string) => expressions.some(({ expr }) => metricNamesIn(expr).includes(name));
    for (const name of [
      "agentdesk_sockets_connected",
      "agentdesk_live_clis",
      "agentdesk_live_cli_cap",
      "agentdesk_run_queue_length",
      "agentdesk_runs_started_total",
      "agentdesk_runs_finished_total",
      "agentdesk_run_first_event_seconds_bucket",
      "agentdesk_run_duration_seconds_bucket",
      "agentdesk_workspaces",
      "agentdesk_docker_api_errors_total",
      "agentdesk_limit_refusals_total",
    ]) {
      expect(uses(name), name).toBe(true);
    }
    // Every replica reports the same shared workspace count: summing would multiply it.
    for (const { panel, expr } of expressions.filter(({ expr }) => expr.includes("agentdesk_workspaces"))) {
      expect(expr, panel).not.toMatch(/sum[^(]*\(\s*agentdesk_workspaces/);
    }
  });
});
