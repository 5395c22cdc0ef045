import { describe, expect, it } from "vitest";

import { cliStartCapFromCpus, readCgroupCpuQuota, resolveCliStartCap } from "../../server/limits/cli-start-cap";

const files = (contents: Record<string, string>) => (path: string) => {
  if (!(path in contents)) throw new Error("ENOENT");
  return contents[path]!;
};

describe("CLI start cap from the CPUs", () => {
  it("lets one CLI boot per core the server may use, the cgroup's quota included, and never fewer than one", () => {
    expect(cliStartCapFromCpus({ available: 2 })).toBe(2);
    expect(cliStartCapFromCpus({ available: 16, cgroupQuota: 4 })).toBe(4);
    expect(cliStartCapFromCpus({ available: 8, cgroupQuota: 2.5 })).toBe(2);
    expect(cliStartCapFromCpus({ available: 4, cgroupQuota: 0.5 })).toBe(1);
  });

  it("reads cgroup v2 cpu.max and v1 cfs quota/period, and treats 'max' or -1 as no quota", () => {
    expect(readCgroupCpuQuota(files({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" }))).toBe(1.5);
    expect(readCgroupCpuQuota(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }))).toBeUndefined();
    expect(readCgroupCpuQuota(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000" }))).toBe(2);
    expect(readCgroupCpuQuota(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000" }))).toBeUndefined();
    expect(readCgroupCpuQuota(files({}))).toBeUndefined();
  });

  it("takes MAX_CLI_STARTS as given", () => {
    expect(resolveCliStartCap(7, { available: 2 })).toBe(7);
    expect(resolveCliStartCap(undefined, { available: 3 })).toBe(3);
  });
});
