import { describe, expect, it, vi } from "vitest";

import { AppError } from "../../lib/errors";
import { isTransientDockerError, withDockerRetry } from "../../server/workspaces/docker-retry";

// The retry warnings are expected here; keep the test output readable.
const warn = vi.hoisted(() => vi.fn());
vi.mock("../../server/logger", () => ({ logger: { warn, debug: () => undefined } }));

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

function dockerError(statusCode: number): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode})`), { statusCode });
}

describe("transient Docker errors", () => {
  it("retries an engine that is restarting or overloaded", () => {
    expect(isTransientDockerError(Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransientDockerError(new Error("socket hang up"))).toBe(true);
    expect(isTransientDockerError(dockerError(500))).toBe(true);
    expect(isTransientDockerError(dockerError(503))).toBe(true);
  });

  it("does not retry the engine's decisions", () => {
    expect(isTransientDockerError(dockerError(404))).toBe(false);
    expect(isTransientDockerError(dockerError(409))).toBe(false);
    expect(isTransientDockerError(new Error("invalid reference format"))).toBe(false);
  });
});

describe("withDockerRetry", () => {
  it("returns once a transient failure passes", async () => {
    const call = vi.fn().mockRejectedValueOnce(new Error("socket hang up")).mockResolvedValueOnce("ok");
    await expect(withDockerRetry("start the workspace", call, fast)).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(2);
  });

  it("gives up with workspace_unavailable and says what it was doing", async () => {
    const call = vi.fn().mockRejectedValue(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    const failure = withDockerRetry("start the workspace", call, fast);
    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({ code: "workspace_unavailable", message: expect.stringContaining("start the workspace (3 attempts)") });
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("waits twice as long after each failure, up to the policy's cap", async () => {
    warn.mockClear();
    const call = vi.fn().mockRejectedValue(new Error("socket hang up"));
    await expect(withDockerRetry("list workspaces", call, { attempts: 4, baseDelayMs: 1, maxDelayMs: 3 })).rejects.toMatchObject({ code: "workspace_unavailable" });
    expect(warn.mock.calls.map(([details]) => (details as { delay: number }).delay)).toEqual([1, 2, 3]);
  });

  it("passes other errors through at once", async () => {
    const notFound = dockerError(404);
    const call = vi.fn().mockRejectedValue(notFound);
    await expect(withDockerRetry("inspect", call, fast)).rejects.toBe(notFound);
    expect(call).toHaveBeenCalledTimes(1);
  });
});
