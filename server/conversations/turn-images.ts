import type { ContentBlock } from "../../lib/records";
import { logger } from "../logger";
import { agentPaths } from "../workspaces/workspace-names";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";

/** A file the agent wrote or changed during a turn. */
export interface TurnFile {
  /** Relative to the agent's directory, as the files API expects. */
  path: string;
  mimeType: string;
}

/** Kept for callers that only ever dealt with images; every turn file has the same shape. */
export type TurnImage = TurnFile;

const imageTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
};

const otherTypes: Record<string, string> = {
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  md: "text/markdown",
  json: "application/json",
  html: "text/html",
  pdf: "application/pdf",
  py: "text/x-python",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  zip: "application/zip",
};

const maxImages = 8;
const maxOtherFiles = 20;

export function mimeTypeOfPath(path: string): string {
  const extension = path.includes(".") ? path.split(".").pop()!.toLowerCase() : "";
  return imageTypes[extension] ?? otherTypes[extension] ?? "application/octet-stream";
}

export function isImageFile(file: TurnFile): boolean {
  return file.mimeType.startsWith("image/");
}

/**
 * Picks what a reply shows from the files found by modification time (oldest first): the newest
 * few images, and the newest other files, each in the order they were written.
 */
export function selectTurnFiles(pathsOldestFirst: readonly string[]): TurnFile[] {
  const files = pathsOldestFirst.map((path) => ({ path, mimeType: mimeTypeOfPath(path) }));
  const images = files.filter(isImageFile).slice(-maxImages);
  const others = files.filter((file) => !isImageFile(file)).slice(-maxOtherFiles);
  return [...images, ...others];
}

/** Images show inline in the reply; any other file becomes a link to it. */
export function turnFileBlock(file: TurnFile): ContentBlock {
  if (isImageFile(file)) return { type: "image", path: file.path, mimeType: file.mimeType };
  return { type: "file", path: file.path, mimeType: file.mimeType, name: file.path.split("/").pop() ?? file.path };
}

/**
 * The files an agent wrote or changed during a turn (plots saved by Python, CSVs, reports), so the
 * reply and the run history can show them. Found by modification time inside the container: the
 * agent may create them with any tool, not only the Write tool the CLI reports. Hidden files and
 * folders (the CLI's own state, caches) are left out.
 */
export async function findTurnFiles(runtime: WorkspaceRuntime, userId: string, agentId: string, sinceMs: number): Promise<TurnFile[]> {
  try {
    const workspace = await runtime.ensureWorkspace(userId);
    const { workdir } = agentPaths(agentId);
    // One second of slack: file systems round modification times.
    const since = `@${Math.floor(sinceMs / 1000) - 1}`;
    const result = await runtime.exec(
      workspace,
      ["find", workdir, "-maxdepth", "4", "-type", "f", "-newermt", since, "-not", "-path", "*/.*", "-not", "-path", "*/__pycache__/*", "-printf", "%T@ %P\\n"],
      { timeoutMs: 10_000 },
    );
    if (result.exitCode !== 0) return [];
    const paths = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(" ");
        return { mtime: Number(line.slice(0, space)), path: line.slice(space + 1) };
      })
      .sort((a, b) => a.mtime - b.mtime)
      .map(({ path }) => path);
    return selectTurnFiles(paths);
  } catch (error) {
    logger.warn({ err: error, agentId }, "could not look for the turn's files");
    return [];
  }
}

/** The images among a turn's files (what the chat has always shown inline). */
export async function findTurnImages(runtime: WorkspaceRuntime, userId: string, agentId: string, sinceMs: number): Promise<TurnImage[]> {
  return (await findTurnFiles(runtime, userId, agentId, sinceMs)).filter(isImageFile);
}
