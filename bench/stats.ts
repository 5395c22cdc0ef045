import { readFileSync } from "node:fs";

/** Small helpers so every benchmark reports the same way: medians and p95, as a table and JSON. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface Figure {
  name: string;
  unit: string;
  samples: number[];
  target?: string;
}

export function summarize(figure: Figure) {
  return {
    name: figure.name,
    unit: figure.unit,
    n: figure.samples.length,
    p50: round(percentile(figure.samples, 50)),
    p95: round(percentile(figure.samples, 95)),
    ...(figure.target ? { target: figure.target } : {}),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function printReport(bench: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  const rows = figures.map(summarize);
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  console.log(`\n${bench} — ${new Date().toISOString()}`);
  console.log(`${"figure".padEnd(width)}  ${"n".padStart(3)}  ${"p50".padStart(9)}  ${"p95".padStart(9)}  unit   target`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(width)}  ${String(row.n).padStart(3)}  ${String(row.p50).padStart(9)}  ${String(row.p95).padStart(9)}  ${row.unit.padEnd(5)}  ${row.target ?? ""}`);
  }
  console.log(JSON.stringify({ bench, date: new Date().toISOString(), machine: machineDescription(), figures: rows, ...extra }));
}

export function machineDescription(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require("node:os") as typeof import("node:os");
  return `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
}

/** The tail of a load: count, median, p99 and worst, rounded to 0.1. */
export interface Tail {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function tail(values: number[]): Tail {
  return { n: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(values.length > 0 ? Math.max(...values) : Number.NaN) };
}

/** Resident memory of one process (MiB), as `ps -o rss` reports it; NaN once it has ended. */
export function processRssMiB(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}
