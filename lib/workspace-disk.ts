import { formatFileSize } from "./file-size";

/**
 * How full a person's workspace disk is, as the Files panel shows it. `totalBytes` is null when
 * the workspace has no quota (WORKSPACE_DISK_MB=0, or loop devices unavailable on this host).
 */
export interface WorkspaceDiskUsage {
  usedBytes: number;
  totalBytes: number | null;
}

// What a full filesystem looks like in a tool's output or an error: the errno name, its text
// (coreutils, Python, git, the CLI itself) and Python's "[Errno 28]".
const DISK_FULL_PATTERN = /\bENOSPC\b|No space left on device|\[Errno 28\]/i;

export function mentionsFullDisk(text: string): boolean {
  return DISK_FULL_PATTERN.test(text);
}

/** The one sentence a person sees when their workspace is full: what is full and what to do. */
export function workspaceFullMessage(totalBytes: number | null): string {
  const size = totalBytes === null ? "" : ` (${formatDiskSize(totalBytes)} of ${formatDiskSize(totalBytes)})`;
  return `Your workspace is full${size}. Delete files in the Files panel to make room.`;
}

/** "1.2 GB of 2.0 GB used", or "1.2 GB used, no limit". */
export function describeDiskUsage(usage: WorkspaceDiskUsage): string {
  if (usage.totalBytes === null) return `${formatDiskSize(usage.usedBytes)} used, no limit`;
  return `${formatDiskSize(usage.usedBytes)} of ${formatDiskSize(usage.totalBytes)} used`;
}

/** Sizes of disks in GB with one decimal from 1 GB up (the quota is set in MB: 2048 → "2.0 GB"). */
export function formatDiskSize(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  return gb >= 1 ? `${gb.toFixed(1)} GB` : formatFileSize(bytes);
}
