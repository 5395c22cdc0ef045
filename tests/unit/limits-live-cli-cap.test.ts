import { describe, expect, it } from "vitest";

import { cliMemoryBytes, liveCliCapFromMemory, readCgroupMemoryLimit, resolveLiveCliCap } from "../../server/limits/live-cli-cap";

const gib = 1024 ** 3;

describe("live CLI cap from memory", () => {
  it("leaves a quarter (at least 1 GiB) for everything else and fits ~300 MB CLIs in the rest", () => {
    // 8 GiB: 6 GiB usable / 300 MiB = 20.
    expect(liveCliCapFromMemory({ totalBytes: 8 * gib })).toBe(20);
    // 2 GiB: 1 GiB headroom, 1 GiB / 300 MiB = 3.
    expect(liveCliCapFromMemory({ totalBytes: 2 * gib })).toBe(3);
    expect(cliMemoryBytes).toBe(300 * 1024 * 1024);
  });

  it("obeys a cgroup limit smaller than the machine, and never goes below one", () => {
    expect(liveCliCapFromMemory({ totalBytes: 64 * gib, cgroupLimitBytes: 4 * gib })).toBe(10);
    expect(liveCliCapFromMemory({ totalBytes: 512 * 1024 ** 2 })).toBe(1);
  });

  it("reads cgroup v2 and v1 limits, and treats 'max' or a huge v1 value as no limit", () => {
    const files = (contents: Record<string, string>) => (path: string) => {
      if (!(path in contents)) throw new Error("ENOENT");
      return contents[path]!;
    };
    expect(readCgroupMemoryLimit(files({ "/sys/fs/cgroup/memory.max": "4294967296\n" }))).toBe(4 * gib);
    expect(readCgroupMemoryLimit(files({ "/sys/fs/cgroup/memory.max": "max\n" }))).toBeUndefined();
    expect(readCgroupMemoryLimit(files({ "/sys/fs/cgroup/memory/memory.limit_in_bytes": String(2 * gib) }))).toBe(2 * gib);
    expect(readCgroupMemoryLimit(files({ "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712" }))).toBeUndefined();
    expect(readCgroupMemoryLimit(files({}))).toBeUndefined();
  });

  it("uses MAX_LIVE_CLIS when it is set", () => {
    expect(resolveLiveCliCap(2, { totalBytes: 64 * gib })).toBe(2);
    expect(resolveLiveCliCap(undefined, { totalBytes: 8 * gib })).toBe(20);
  });
});
