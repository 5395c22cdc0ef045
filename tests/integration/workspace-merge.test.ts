import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { moveWorkspaceFiles } from "../../server/workspaces/workspace-merge";
import { workspaceVolumeName } from "../../server/workspaces/workspace-names";

const docker = new Docker();
const image = loadConfig().WORKSPACE_IMAGE;
const runtime = new DockerWorkspaceRuntime(docker, { image });
const suffix = Date.now().toString(36);
const guest = `itest-merge-guest-${suffix}`;
const account = `itest-merge-account-${suffix}`;

afterAll(async () => {
  await runtime.deleteUserWorkspace(guest).catch(() => undefined);
  await runtime.deleteUserWorkspace(account).catch(() => undefined);
});

describe("a guest signing in keeps their workspace files", () => {
  it("moves the guest's agent folders into the account's workspace and removes the guest's volume", async () => {
    const guestWorkspace = await runtime.ensureWorkspace(guest);
    const { workdir } = await runtime.ensureAgentPaths(guestWorkspace, "merged-agent");
    const written = await runtime.exec(guestWorkspace, ["sh", "-c", 'printf "made as a guest" > "$1/report.txt"', "sh", workdir]);
    expect(written.exitCode).toBe(0);

    const accountWorkspace = await runtime.ensureWorkspace(account);
    await runtime.ensureAgentPaths(accountWorkspace, "existing-agent");

    expect(await moveWorkspaceFiles(docker, runtime, image, guest, account)).toEqual({ moved: true });

    const after = await runtime.ensureWorkspace(account);
    const read = await runtime.exec(after, ["cat", `${workdir}/report.txt`]);
    expect(read.stdout).toBe("made as a guest");
    const owner = await runtime.exec(after, ["stat", "-c", "%u", `${workdir}/report.txt`]);
    expect(owner.stdout.trim()).toBe("1000");
    const listing = await runtime.exec(after, ["ls", "/workspace"]);
    expect(listing.stdout).toContain("agent-existing-agent");
    await expect(docker.getVolume(workspaceVolumeName(guest)).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // A guest who never had a workspace has nothing to move.
    expect(await moveWorkspaceFiles(docker, runtime, image, `${guest}-none`, account)).toEqual({ moved: false });
  });
});
