import { readFileSync } from "node:fs";
import os from "node:os";

/**
 * What booting one Claude Code CLI costs, up to its answer to the SDK's handshake: 0.3–0.5
 * core-second. Measured here (2 cores, Debian 12, CLI 2.1.331, 2026-12-02): the workspace
 * cgroup's CPU from spawn to handshake, 0.28 s p50 / 0.32 s p95 (n=10, load average 2.5;
 * 0.39 / 0.44 s at load average 3.4), by bench/workspace-bench.ts ("CPU seconds per CLI start");
 * a whole `claude -p hi` against a refused model, 0.44–0.57 s user+sys (n=3, idle).
 * A start is therefore CPU-bound: two booting on two cores finish in about the time one does,
 * while 60 booting together (the 2026-11-25 burst) each took minutes.
 */
export const cliStartCpuSeconds = 0.5;

export interface MachineCpus {
  /** Cores the OS schedules this process on. */
  available: number;
  /** The cgroup's CPU quota in cores (cpu.max), when it has one. */
  cgroupQuota?: number;
}

/**
 * How many CLIs may boot at once: one per core the server may use, never below 1. More would
 * not finish sooner (each start is CPU-bound) and would slow the runs already answering.
 */
export function cliStartCapFromCpus(cpus: MachineCpus): number {
  const cores = Math.min(cpus.available, cpus.cgroupQuota ?? Number.POSITIVE_INFINITY);
  return Math.max(1, Math.floor(cores));
}

/** cgroup v2 `cpu.max` ("max 100000" or "150000 100000") or v1 cfs quota/period; undefined when unlimited. */
export function readCgroupCpuQuota(read: (path: string) => string = (path) => readFileSync(path, "utf8")): number | undefined {
  try {
    const [quota, period] = read("/sys/fs/cgroup/cpu.max").trim().split(/\s+/);
    if (quota === "max") return undefined;
    const cores = Number(quota) / Number(period);
    return Number.isFinite(cores) && cores > 0 ? cores : undefined;
  } catch {
    // not cgroup v2
  }
  try {
    const quota = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").trim());
    const period = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_period_us").trim());
    return quota > 0 && period > 0 ? quota / period : undefined;
  } catch {
    return undefined;
  }
}

export function machineCpus(): MachineCpus {
  return { available: os.availableParallelism(), cgroupQuota: readCgroupCpuQuota() };
}

/** MAX_CLI_STARTS when set, otherwise one per core this server may use. */
export function resolveCliStartCap(configured: number | undefined, cpus: MachineCpus = machineCpus()): number {
  return configured ?? cliStartCapFromCpus(cpus);
}
