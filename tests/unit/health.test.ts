import { describe, expect, it } from "vitest";
import { buildHealthReport } from "../../server/http/health";

describe("health report", () => {
  it("is healthy when every check passes", async () => {
    const report = await buildHealthReport({ docker: async () => ({ detail: "Docker 20.10" }), store: async () => ({}) });
    expect(report.status).toBe("healthy");
    expect(report.failing).toEqual([]);
    expect(report.checks.docker).toMatchObject({ status: "ok", detail: "Docker 20.10" });
    expect(new Date(report.timestamp).toISOString()).toBe(report.timestamp);
  });

  it("names the failing check and its reason", async () => {
    const report = await buildHealthReport({
      docker: async () => {
        throw new Error("connect ENOENT /var/run/docker.sock");
      },
      store: async () => ({}),
    });
    expect(report.status).toBe("unhealthy");
    expect(report.failing).toEqual(["docker"]);
    expect(report.checks.docker).toMatchObject({ status: "error", error: "connect ENOENT /var/run/docker.sock" });
    expect(report.checks.store?.status).toBe("ok");
  });

  it("fails a check that hangs instead of hanging itself", async () => {
    const started = Date.now();
    const report = await buildHealthReport({ docker: () => new Promise(() => undefined) });
    expect(report.failing).toEqual(["docker"]);
    expect(report.checks.docker?.error).toMatch(/no answer within/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);
});
