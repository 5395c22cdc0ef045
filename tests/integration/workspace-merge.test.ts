import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { copyWorkspaceFilesThroughRuntime, moveWorkspaceFiles } from "../../server/workspaces/workspace-merge";
import { workspaceVolumeName } from "../../server/workspaces/workspace-names";

const docker = new Docker();
const image = loadConfig().WORKSPACE_IMAGE;
const runtime = new DockerWorkspaceRuntime(docker, { image });
const users: string[] = [];

afterAll(async () => {
  for (const user of users) await runtime.deleteUserWorkspace(user).catch(() => undefined);
});

// Docker copies volume to volume in a side container; any other runtime (Kubernetes pods) streams
// a tar through exec. Both run here on the real Docker runtime.
const strategies = [
  { name: "with a side container (Docker)", move: (from: string, to: string) => moveWorkspaceFiles(docker, runtime, image, from, to) },
  { name: "as a tar stream through the runtime (any runtime)", move: (from: string, to: string) => copyWorkspaceFilesThroughRuntime(runtime, from, to) },
];

describe.each(strategies)("a guest signing in keeps their workspace files, moved $name", ({ move }) => {
  it("moves the guest's agent folders into the account's workspace, keeps what the account had, and removes the guest's volume", async () => {
    const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const guest = `itest-merge-guest-${suffix}`;
    const account = `itest-merge-account-${suffix}`;
    users.push(guest, account);
    const guestWorkspace = await runtime.ensureWorkspace(guest);
    const { workdir } = await runtime.ensureAgentPaths(guestWorkspace, "merged-agent");
    const written = await runtime.exec(guestWorkspace, ["sh", "-c", 'printf "made as a guest" > "$1/report.txt"; printf "guest notes" > /workspace/notes.txt', "sh", workdir]);
    expect(written.exitCode).toBe(0);

    const accountWorkspace = await runtime.ensureWorkspace(account);
    await runtime.ensureAgentPaths(accountWorkspace, "existing-agent");
    await runtime.exec(accountWorkspace, ["sh", "-c", 'printf "the account\'s own notes" > /workspace/notes.txt']);

    expect(await move(guest, account)).toEqual({ moved: true });

    const after = await runtime.ensureWorkspace(account);
    const read = await runtime.exec(after, ["cat", `${workdir}/report.txt`]);
    expect(read.stdout).toBe("made as a guest");
    const owner = await runtime.exec(after, ["stat", "-c", "%u", `${workdir}/report.txt`]);
    expect(owner.stdout.trim()).toBe("1000");
    const listing = await runtime.exec(after, ["ls", "/workspace"]);
    expect(listing.stdout).toContain("agent-existing-agent");
    // Nothing of the account's is overwritten.
    expect((await runtime.exec(after, ["cat", "/workspace/notes.txt"])).stdout).toBe("the account's own notes");
    await expect(docker.getVolume(workspaceVolumeName(guest)).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // A guest who never had a workspace has nothing to move.
    expect(await move(`${guest}-none`, account)).toEqual({ moved: false });
  });
});
