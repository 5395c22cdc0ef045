import type Docker from "dockerode";
import { describe, expect, it, vi } from "vitest";

import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";

vi.mock("../../server/logger", () => ({ logger: { warn: () => undefined, debug: () => undefined, info: () => undefined } }));

/** A Docker whose `stop` calls wait until the test lets each one finish, in the order they began. */
function dockerWithHeldStops() {
  const started: string[] = [];
  const finishers: Array<(outcome?: Error) => void> = [];
  const docker = {
    getContainer: (name: string) => ({
      stop: () =>
        new Promise<void>((resolve, reject) => {
          started.push(name);
          finishers.push((outcome) => (outcome ? reject(outcome) : resolve()));
        }),
    }),
  } as unknown as Docker;
  const finishNext = (outcome?: Error) => finishers.shift()!(outcome);
  return { docker, started, finishNext };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("one user's workspace lifecycle", () => {
  it("runs one operation at a time for a user, and users side by side", async () => {
    const { docker, started, finishNext } = dockerWithHeldStops();
    const runtime = new DockerWorkspaceRuntime(docker, { image: "agentdesk-workspace:test", retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });

    const first = runtime.stopWorkspace("ada");
    const second = runtime.stopWorkspace("ada");
    const other = runtime.stopWorkspace("grace");
    await settle();
    expect(started).toHaveLength(2);
    expect(started[0]).toContain("ada");
    expect(started[1]).toContain("grace");

    finishNext();
    await first;
    await settle();
    expect(started).toHaveLength(3);
    expect(started[2]).toContain("ada");

    finishNext();
    finishNext();
    await expect(Promise.all([second, other])).resolves.toEqual([undefined, undefined]);
  });

  it("goes on to the next operation when one fails", async () => {
    const { docker, started, finishNext } = dockerWithHeldStops();
    const runtime = new DockerWorkspaceRuntime(docker, { image: "agentdesk-workspace:test", retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const refused = Object.assign(new Error("(HTTP code 500) server error"), { statusCode: 500 });

    const failing = runtime.stopWorkspace("ada");
    const next = runtime.stopWorkspace("ada");
    await settle();
    finishNext(refused);
    await expect(failing).rejects.toMatchObject({ code: "workspace_unavailable" });
    await settle();
    expect(started).toHaveLength(2);
    finishNext();
    await expect(next).resolves.toBeUndefined();
  });
});
