import { describe, expect, it } from "vitest";

import type { AgentEvent } from "@/lib/agent-events";
import { describeDiskUsage, mentionsFullDisk, workspaceFullMessage } from "@/lib/workspace-disk";
import { ConfigError, loadConfig } from "@/server/config";
import { withDiskFullNotice } from "@/server/claude/disk-full-notice";
import { dockerWorkspaceOptionsFromConfig } from "@/server/workspaces/docker-workspace-runtime";
import { kubernetesWorkspaceOptionsFromConfig } from "@/server/workspaces/kubernetes-workspace-runtime";

const configFrom = (env: Record<string, string>) => loadConfig(env as unknown as NodeJS.ProcessEnv);
const GB = 1024 ** 3;
const MB = 1024 ** 2;

describe("WORKSPACE_DISK_MB", () => {
  it("defaults to 2048 MB per workspace, on disks under DATA_DIR/workspace-disks", () => {
    const config = configFrom({ DATA_DIR: "/srv/agentdesk" });
    expect(config.WORKSPACE_DISK_MB).toBe(2_048);
    expect(dockerWorkspaceOptionsFromConfig(config).disk).toEqual({ sizeMb: 2_048, directory: "/srv/agentdesk/workspace-disks" });
  });

  it("0 turns the quota off on Docker; on Kubernetes a claim keeps WORKSPACE_VOLUME_GB", () => {
    const off = configFrom({ WORKSPACE_DISK_MB: "0", WORKSPACE_VOLUME_GB: "5" });
    expect(dockerWorkspaceOptionsFromConfig(off).disk).toBeUndefined();
    expect(kubernetesWorkspaceOptionsFromConfig(off).volumeMb).toBe(5_120);
    expect(kubernetesWorkspaceOptionsFromConfig(configFrom({ WORKSPACE_DISK_MB: "10240" })).volumeMb).toBe(10_240);
  });

  it("refuses sizes that are not a whole, non-negative number of MB", () => {
    for (const bad of ["-1", "1.5", "lots", "2000000"]) {
      expect(() => configFrom({ WORKSPACE_DISK_MB: bad }), bad).toThrow(ConfigError);
      expect(() => configFrom({ WORKSPACE_DISK_MB: bad }), bad).toThrow(/WORKSPACE_DISK_MB/);
    }
  });
});

describe("telling a person their workspace is full", () => {
  it("recognises a full disk in what coreutils, Python and the errno say", () => {
    expect(mentionsFullDisk("dd: error writing '/workspace/x': No space left on device")).toBe(true);
    expect(mentionsFullDisk("OSError: [Errno 28] No space left on device: 'plot.png'")).toBe(true);
    expect(mentionsFullDisk("Error: ENOSPC: no space left on device, write")).toBe(true);
    expect(mentionsFullDisk("Permission denied")).toBe(false);
    expect(mentionsFullDisk("there is space left on the device")).toBe(false);
  });

  it("says what is full and what to delete, with the size when there is a quota", () => {
    expect(workspaceFullMessage(2 * GB)).toBe("Your workspace is full (2.0 GB of 2.0 GB). Delete files in the Files panel to make room.");
    expect(workspaceFullMessage(null)).toBe("Your workspace is full. Delete files in the Files panel to make room.");
    expect(describeDiskUsage({ usedBytes: 512 * MB, totalBytes: 2 * GB })).toBe("512 MB of 2.0 GB used");
    expect(describeDiskUsage({ usedBytes: 3 * GB, totalBytes: null })).toBe("3.0 GB used, no limit");
  });

  it("adds the sentence once after the first tool result that hit ENOSPC, and replaces an error about it", () => {
    const seen: AgentEvent[] = [];
    const emit = withDiskFullNotice((event) => seen.push(event), 2 * GB);
    const full: AgentEvent = { type: "tool_result", toolUseId: "t1", output: "cp: error writing 'big.csv': No space left on device", isError: true };
    emit({ type: "tool_result", toolUseId: "t0", output: "done", isError: false });
    emit(full);
    emit({ ...full, toolUseId: "t2" });
    const notice = { type: "error", code: "workspace_full", message: "Your workspace is full (2.0 GB of 2.0 GB). Delete files in the Files panel to make room." };
    expect(seen.map((event) => (event.type === "tool_result" ? event.toolUseId : event))).toEqual(["t0", "t1", notice, "t2"]);

    const failed: AgentEvent[] = [];
    withDiskFullNotice((event) => failed.push(event), null)({ type: "error", code: "internal", message: "write EPIPE: ENOSPC" });
    expect(failed).toEqual([{ type: "error", code: "workspace_full", message: "Your workspace is full. Delete files in the Files panel to make room." }]);
  });
});
