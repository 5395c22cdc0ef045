import type { Readable } from "node:stream";
import { z } from "zod";

import { AppError } from "../../lib/errors";
import { formatFileSize, type FileEntry, type FileLimits, type FileTreeResponse } from "../../lib/file-api";
import type { Agent } from "../../lib/records";
import type { PlatformConfig } from "../config";
import { logger } from "../logger";
import { findOwnedAgent, type ActingUser } from "../agents/agent-ownership";
import type { PlatformStore } from "../store/store";
import { agentPaths } from "../workspaces/workspace-names";
import type { WorkspaceHandle, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { agentFilesCommand } from "./agent-files-script";
import { runFileCommand, streamFileCommand, writeToProcess } from "./file-commands";
import { baseNameOf, parseAgentFilePath } from "./file-paths";

/**
 * What a person does with their agent's files: list, read, download as zip, upload, delete. REST
 * routes call these; chat can call the same ones. Every access goes through the owner's workspace
 * (the files live on its volume), and another person's agent answers not_found like a missing one.
 */

export interface AgentFileLimits extends FileLimits {
  /** Entries listed in one tree, at any depth. */
  maxListEntries: number;
  /** Entries listed per folder; a bigger folder is marked truncated. */
  maxEntriesPerFolder: number;
  /** Uncompressed bytes one zip may hold. */
  maxArchiveBytes: number;
  maxArchiveFiles: number;
}

const MB = 1024 * 1024;

export const defaultAgentFileLimits: AgentFileLimits = {
  maxUploadBytes: 25 * MB,
  previewMaxBytes: 1 * MB,
  maxListEntries: 5_000,
  maxEntriesPerFolder: 1_000,
  maxArchiveBytes: 1_024 * MB,
  maxArchiveFiles: 20_000,
};

/**
 * The limits for this deployment. FILES_MAX_UPLOAD_MB is read when the configuration schema
 * declares it (server/config.ts); until then uploads use the 25 MB default.
 */
export function agentFileLimitsFrom(config: PlatformConfig & { FILES_MAX_UPLOAD_MB?: number }): AgentFileLimits {
  const uploadMb = config.FILES_MAX_UPLOAD_MB;
  return uploadMb === undefined ? defaultAgentFileLimits : { ...defaultAgentFileLimits, maxUploadBytes: uploadMb * MB };
}

export interface AgentFilesDependencies {
  runtime: WorkspaceRuntime;
  store: PlatformStore;
  limits: AgentFileLimits;
}

export interface AgentFileService {
  readonly limits: AgentFileLimits;
  list(user: ActingUser, agentId: string, options?: { hidden?: boolean }): Promise<FileTreeResponse>;
  open(user: ActingUser, agentId: string, rawPath: unknown, options?: { preview?: boolean }): Promise<OpenedAgentFile>;
  /**
   * A file of an agent whose caller has already decided the reader may see it (a share link's
   * image): read from the owner's workspace, with the same path rules as `open`.
   */
  openSharedFile(agent: Pick<Agent, "id" | "ownerId">, rawPath: unknown): Promise<OpenedAgentFile>;
  openArchive(user: ActingUser, agentId: string, rawFolder: unknown): Promise<OpenedAgentArchive>;
  upload(user: ActingUser, agentId: string, rawPath: unknown, body: ReadableStream<Uint8Array> | null, options?: { declaredBytes?: number }): Promise<FileEntry>;
  delete(user: ActingUser, agentId: string, rawPath: unknown): Promise<void>;
}

export function createAgentFileService(deps: AgentFilesDependencies): AgentFileService {
  return {
    limits: deps.limits,
    list: (user, agentId, options) => listAgentFiles(deps, user, agentId, options),
    open: async (user, agentId, rawPath, options) => readAgentFile(deps, await ownedAgentFolder(user, agentId, deps), rawPath, options),
    openSharedFile: async (agent, rawPath) => readAgentFile(deps, await agentFolderOf(agent, deps), rawPath),
    openArchive: (user, agentId, rawFolder) => openAgentArchive(deps, user, agentId, rawFolder),
    upload: (user, agentId, rawPath, body, options) => uploadAgentFile(deps, user, agentId, rawPath, body, options),
    delete: (user, agentId, rawPath) => deleteAgentFile(deps, user, agentId, rawPath),
  };
}

interface AgentFolder {
  agent: Agent;
  workspace: WorkspaceHandle;
  /** /workspace/agent-{id}, as seen inside the workspace. */
  workdir: string;
}

async function ownedAgentFolder(user: ActingUser, agentId: string, deps: AgentFilesDependencies): Promise<AgentFolder> {
  const agent = await findOwnedAgent(deps.store, user, agentId);
  const workspace = await deps.runtime.ensureWorkspace(user.userId);
  return { agent, workspace, workdir: agentPaths(agentId).workdir };
}

async function agentFolderOf(agent: Pick<Agent, "id" | "ownerId">, deps: AgentFilesDependencies): Promise<Pick<AgentFolder, "workspace" | "workdir">> {
  const workspace = await deps.runtime.ensureWorkspace(agent.ownerId);
  return { workspace, workdir: agentPaths(agent.id).workdir };
}

// ── List ─────────────────────────────────────────────────────────────────────────────────────────

// The program runs where an agent can write, so its answers are checked like any input.
const listedEntrySchema = z.tuple([
  z.string().min(1),
  z.enum(["file", "directory", "symlink"]),
  z.number().int().nonnegative(),
  z.number(),
  z.enum(["", "skipped", "truncated"]),
]);
const listingSchema = z.object({ entries: z.array(listedEntrySchema), truncated: z.boolean() });
type ListedEntry = z.infer<typeof listedEntrySchema>;

function toFileEntry([path, type, size, modifiedMs, flag]: ListedEntry): FileEntry {
  const entry: FileEntry = { name: baseNameOf(path), path, type, size, modifiedAt: new Date(modifiedMs).toISOString() };
  if (type === "directory") entry.children = [];
  if (flag === "skipped") entry.skipped = true;
  if (flag === "truncated") entry.truncated = true;
  return entry;
}

const byName = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function sortTree(entries: FileEntry[]): void {
  entries.sort((a, b) => Number(b.type === "directory") - Number(a.type === "directory") || byName.compare(a.name, b.name));
  for (const entry of entries) if (entry.children) sortTree(entry.children);
}

/** Builds the nested tree from the program's flat, breadth-first list. */
export function buildFileTree(listed: readonly ListedEntry[]): FileEntry[] {
  const roots: FileEntry[] = [];
  const folders = new Map<string, FileEntry>();
  for (const item of listed) {
    const entry = toFileEntry(item);
    const slash = entry.path.lastIndexOf("/");
    const parent = slash < 0 ? undefined : folders.get(entry.path.slice(0, slash));
    if (slash >= 0 && !parent) continue;
    (parent?.children ?? roots).push(entry);
    if (entry.type === "directory") folders.set(entry.path, entry);
  }
  sortTree(roots);
  return roots;
}

async function listAgentFiles(
  deps: AgentFilesDependencies,
  user: ActingUser,
  agentId: string,
  options: { hidden?: boolean } = {},
): Promise<FileTreeResponse> {
  const { workspace, workdir } = await ownedAgentFolder(user, agentId, deps);
  const { limits } = deps;
  const [output, disk] = await Promise.all([
    runFileCommand(
      deps.runtime,
      workspace,
      agentFilesCommand("list", workdir, "", options.hidden ? "1" : "0", limits.maxListEntries, limits.maxEntriesPerFolder),
      { maxOutputBytes: 16 * MB, timeoutMs: 30_000, what: "listing the files" },
    ),
    // The listing matters more than the gauge: a failed measurement leaves it out.
    deps.runtime.diskUsage(workspace).catch((error: unknown) => {
      logger.warn({ err: error, userId: user.userId }, "could not measure the workspace disk");
      return undefined;
    }),
  ]);
  const listing = listingSchema.parse(JSON.parse(output.toString("utf8")));
  return {
    entries: buildFileTree(listing.entries),
    entryCount: listing.entries.length,
    truncated: listing.truncated,
    limits: { maxUploadBytes: limits.maxUploadBytes, previewMaxBytes: limits.previewMaxBytes },
    ...(disk ? { disk } : {}),
  };
}

// ── Read ─────────────────────────────────────────────────────────────────────────────────────────

const readHeaderSchema = z.object({
  size: z.number().int().nonnegative(),
  modifiedAt: z.number(),
  length: z.number().int().nonnegative(),
});

export interface OpenedAgentFile {
  /** The checked path relative to the agent's folder. */
  path: string;
  name: string;
  /** The whole file's size. */
  size: number;
  /** Bytes in `body`: the size, or less for a preview. */
  length: number;
  truncated: boolean;
  modifiedAt: Date;
  body: Readable;
}

/** Opens a file for streaming; `preview` sends at most the preview limit. */
async function readAgentFile(
  deps: AgentFilesDependencies,
  { workspace, workdir }: Pick<AgentFolder, "workspace" | "workdir">,
  rawPath: unknown,
  options: { preview?: boolean } = {},
): Promise<OpenedAgentFile> {
  const path = parseAgentFilePath(rawPath, { purpose: "read", agentWorkdir: workdir });
  const maxBytes = options.preview ? deps.limits.previewMaxBytes : -1;
  const { header, body } = await streamFileCommand(deps.runtime, workspace, agentFilesCommand("read", workdir, path, maxBytes), {
    headerTimeoutMs: 30_000,
    what: "reading the file",
  });
  const info = readHeaderSchema.parse(header);
  return {
    path,
    name: baseNameOf(path),
    size: info.size,
    length: info.length,
    truncated: info.length < info.size,
    modifiedAt: new Date(info.modifiedAt),
    body,
  };
}

// ── Zip ──────────────────────────────────────────────────────────────────────────────────────────

const archiveHeaderSchema = z.object({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() });

export interface OpenedAgentArchive {
  /** e.g. "Sales report files.zip"; the folder's name for a subfolder. */
  fileName: string;
  fileCount: number;
  body: Readable;
}

/** Streams a zip of the agent's folder (or one of its subfolders), built inside the workspace. */
async function openAgentArchive(
  deps: AgentFilesDependencies,
  user: ActingUser,
  agentId: string,
  rawFolder: unknown,
): Promise<OpenedAgentArchive> {
  const { agent, workspace, workdir } = await ownedAgentFolder(user, agentId, deps);
  const folder = parseAgentFilePath(rawFolder ?? "", { purpose: "read", allowRoot: true, agentWorkdir: workdir });
  const { header, body } = await streamFileCommand(
    deps.runtime,
    workspace,
    agentFilesCommand("zip", workdir, folder, "0", deps.limits.maxArchiveBytes, deps.limits.maxArchiveFiles),
    { headerTimeoutMs: 60_000, what: "preparing the zip" },
  );
  const info = archiveHeaderSchema.parse(header);
  // Agent names are free text: keep them readable but never a path.
  const baseName = folder === "" ? `${agent.name.replace(/[/\\:*?"<>|\u0000-\u001f]+/g, "-").trim() || "agent"} files` : baseNameOf(folder);
  return { fileName: `${baseName}.zip`, fileCount: info.files, body };
}

// ── Upload ───────────────────────────────────────────────────────────────────────────────────────

const uploadAnswerSchema = z.object({ entry: listedEntrySchema });

/**
 * Saves a file into the agent's folder (creating folders on the way; an existing file is
 * replaced). The bytes stream into the workspace as they arrive; the file appears only once all
 * of them did, so a cancelled or oversized upload leaves nothing behind.
 */
async function uploadAgentFile(
  deps: AgentFilesDependencies,
  user: ActingUser,
  agentId: string,
  rawPath: unknown,
  body: ReadableStream<Uint8Array> | null,
  options: { declaredBytes?: number } = {},
): Promise<FileEntry> {
  const maxBytes = deps.limits.maxUploadBytes;
  const tooLarge = () =>
    new AppError("payload_too_large", `This file is larger than ${formatFileSize(maxBytes)}, the most you can upload at once.`);
  if (options.declaredBytes !== undefined && options.declaredBytes > maxBytes) throw tooLarge();
  const { workspace, workdir } = await ownedAgentFolder(user, agentId, deps);
  const path = parseAgentFilePath(rawPath, { purpose: "write", agentWorkdir: workdir });
  if (!body) throw new AppError("bad_request", "The upload is empty: send the file's bytes as the request body.");

  let exceeded = false;
  const output = await runFileCommand(deps.runtime, workspace, agentFilesCommand("write", workdir, path, maxBytes), {
    maxOutputBytes: 64 * 1024,
    timeoutMs: 30 * 60_000,
    what: "saving the upload",
    feed: async (child) => {
      const reader = body.getReader();
      let received = 0;
      let complete = false;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            complete = true;
            break;
          }
          received += value.byteLength;
          if (received > maxBytes) {
            exceeded = true;
            break;
          }
          if (value.byteLength === 0) continue;
          const length = Buffer.alloc(4);
          length.writeUInt32BE(value.byteLength);
          if (!(await writeToProcess(child, length)) || !(await writeToProcess(child, value))) break;
        }
      } catch {
        // The person's connection dropped mid-upload: end without the final frame, so nothing is saved.
      } finally {
        if (!complete) void reader.cancel().catch(() => undefined);
      }
      if (complete) await writeToProcess(child, Buffer.alloc(4));
      child.stdin.end();
    },
  }).catch((error: unknown) => {
    throw exceeded ? tooLarge() : error;
  });
  if (exceeded) throw tooLarge();
  const answer = uploadAnswerSchema.parse(JSON.parse(output.toString("utf8")));
  return toFileEntry(answer.entry);
}

// ── Delete ───────────────────────────────────────────────────────────────────────────────────────

/** Deletes a file, a link (never what it points to) or a folder with everything in it. */
async function deleteAgentFile(
  deps: AgentFilesDependencies,
  user: ActingUser,
  agentId: string,
  rawPath: unknown,
): Promise<void> {
  const { workspace, workdir } = await ownedAgentFolder(user, agentId, deps);
  const path = parseAgentFilePath(rawPath, { purpose: "read", agentWorkdir: workdir });
  await runFileCommand(deps.runtime, workspace, agentFilesCommand("delete", workdir, path), {
    maxOutputBytes: 64 * 1024,
    timeoutMs: 60_000,
    what: "deleting",
  });
}
