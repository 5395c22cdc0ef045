import { readFileSync } from "node:fs";
import os from "node:os";

/** What one live Claude Code CLI takes here (measured 160-300 MB): the high end, to stay safe. */
export const cliMemoryBytes = 300 * 1024 * 1024;

export interface MachineMemory {
  totalBytes: number;
  /** The memory limit of the cgroup this server runs in, when it has one. */
  cgroupLimitBytes?: number;
}

/**
 * How many CLI processes may be alive at once on this machine: the memory the server may use,
 * less headroom for the platform itself, the engine and the containers' own processes (a quarter,
 * at least 1 GiB), divided by what one CLI takes. Never below 1, so a small machine still works.
 */
export function liveCliCapFromMemory(memory: MachineMemory, perCliBytes = cliMemoryBytes): number {
  const usable = Math.min(memory.totalBytes, memory.cgroupLimitBytes ?? Number.POSITIVE_INFINITY);
  const headroom = Math.max(1024 * 1024 * 1024, usable * 0.25);
  return Math.max(1, Math.floor((usable - headroom) / perCliBytes));
}

/** cgroup v2 (memory.max) or v1 (memory.limit_in_bytes); undefined when unlimited or unreadable. */
export function readCgroupMemoryLimit(read: (path: string) => string = (path) => readFileSync(path, "utf8")): number | undefined {
  for (const path of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    let text: string;
    try {
      text = read(path).trim();
    } catch {
      continue;
    }
    if (text === "max") return undefined;
    const bytes = Number(text);
    // v1 reports "unlimited" as a number near 2^63.
    if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60) return bytes;
    return undefined;
  }
  return undefined;
}

export function machineMemory(): MachineMemory {
  return { totalBytes: os.totalmem(), cgroupLimitBytes: readCgroupMemoryLimit() };
}

/** MAX_LIVE_CLIS when set, otherwise what this machine's memory allows. */
export function resolveLiveCliCap(configured: number | undefined, memory: MachineMemory = machineMemory()): number {
  return configured ?? liveCliCapFromMemory(memory);
}
