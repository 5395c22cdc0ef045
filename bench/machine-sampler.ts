/**
 * What the machine and the server were doing during a load, sampled once a second: CPU busy share
 * (from /proc/stat deltas, all cores), the 1-minute load average, and gauges from the server's own
 * /metrics. A gauge the server does not export yet is reported as absent ("n/a"), not as zero.
 */
import { readFileSync } from "node:fs";
import { tail, type Tail } from "./stats";

/** Jiffies the CPUs spent busy and in all, from /proc/stat: two readings give the busy share between them. */
export function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export const busyPercent = (from: { busy: number; total: number }, to: { busy: number; total: number }) =>
  Math.round(((to.busy - from.busy) / Math.max(1, to.total - from.total)) * 100);

/** The 1-minute load average. */
export const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

/** One gauge's value summed over its labels, or undefined when the text has no such metric. */
export function gaugeValue(metricsText: string, name: string): number | undefined {
  const values = [...metricsText.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "gm"))].map((match) => Number(match[1]));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
}

export interface MachineFigures {
  samples: number;
  cpuBusyPercent: Tail;
  loadAverage1m: Tail;
  /** Per gauge: its distribution over the samples, or "n/a" when the server never exported it. */
  gauges: Record<string, Tail | "n/a">;
}

export interface MachineSampler {
  stop(): MachineFigures;
}

/** Samples every `intervalMs` until stopped; `metricsUrl`'s gauges are read at each tick (a slow answer skips that tick's gauges). */
export function sampleMachine(metricsUrl: string | undefined, gaugeNames: string[], intervalMs = 1_000): MachineSampler {
  const cpu: number[] = [];
  const load: number[] = [];
  const gauges = new Map<string, number[]>(gaugeNames.map((name) => [name, []]));
  let previous = cpuTimes();
  let reading = false;
  const timer = setInterval(() => {
    const now = cpuTimes();
    cpu.push(busyPercent(previous, now));
    previous = now;
    load.push(loadAverage());
    if (!metricsUrl || reading) return;
    reading = true;
    fetch(metricsUrl, { signal: AbortSignal.timeout(intervalMs * 2) })
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => {
        for (const name of gaugeNames) {
          const value = gaugeValue(text, name);
          if (value !== undefined) gauges.get(name)!.push(value);
        }
      })
      .catch(() => undefined)
      .finally(() => (reading = false));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return {
        samples: cpu.length,
        cpuBusyPercent: tail(cpu),
        loadAverage1m: tail(load),
        gauges: Object.fromEntries([...gauges].map(([name, values]) => [name, values.length > 0 ? tail(values) : "n/a"])),
      };
    },
  };
}
