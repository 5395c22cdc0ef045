import { AppError } from "../../lib/errors";

/**
 * The rules for paths a person (or an agent's message) names inside an agent's folder. Pure, so
 * the rules are unit-tested on their own; the workspace re-checks the resolved location with
 * realpath, because symlinks can only be judged where the files are.
 */

export type AgentPathPurpose = "read" | "write";

export interface AgentPathOptions {
  purpose: AgentPathPurpose;
  /** Whether "" (the agent's folder itself) is acceptable, e.g. for listing or zipping. */
  allowRoot?: boolean;
  /**
   * The agent's folder as the agent sees it (/workspace/agent-{id}). Agents often name files by
   * absolute path in their replies; such a path is accepted when it lies inside this folder.
   */
  agentWorkdir?: string;
}

/** Linux allows 255 bytes per name; the whole path stays well under PATH_MAX with the prefix. */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 1024;
export const MAX_PATH_DEPTH = 32;

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional overrides let "gpj.exe" display as "exe.jpg": refused so names look like what they are.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WINDOWS_DRIVE = /^[A-Za-z]:\//;

function refuse(message: string): never {
  throw new AppError("bad_request", message, { issues: [{ path: "path", message }] });
}

/**
 * Checks and normalises a path relative to the agent's folder: NFC, "/" separators, no empty or
 * "." segments. Returns "" for the folder itself (only when allowRoot). Throws bad_request with
 * a sentence a person can act on. Shell metacharacters and quotes are ordinary characters here:
 * paths only ever travel as separate argv entries, never through a shell.
 */
export function parseAgentFilePath(input: unknown, options: AgentPathOptions): string {
  if (typeof input !== "string") refuse("Say which file you mean.");
  if (input.includes("\u0000")) refuse("File names can't contain a NUL character.");
  if (LONE_SURROGATE.test(input)) refuse("This file name contains broken characters.");
  let path = input.normalize("NFC");
  if (CONTROL_CHARACTERS.test(path)) refuse("File names can't contain invisible control characters such as line breaks or tabs.");
  if (BIDI_CONTROLS.test(path)) refuse("File names can't contain characters that change the reading direction.");
  if (path.includes("\\")) refuse('Use "/" between folder names, not "\\".');

  const workdir = options.agentWorkdir?.replace(/\/+$/, "");
  if (workdir && (path === workdir || path.startsWith(`${workdir}/`))) path = path.slice(workdir.length);
  else if (path.startsWith("/") || path === "~" || path.startsWith("~/") || WINDOWS_DRIVE.test(path)) {
    refuse("Give the path inside the agent's folder (like reports/summary.csv), not a full path.");
  }

  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) refuse('Paths can\'t contain "..": files outside the agent\'s folder are out of reach.');
  if (segments.length === 0) {
    if (options.allowRoot) return "";
    refuse("Say which file you mean.");
  }
  if (segments.length > MAX_PATH_DEPTH) refuse(`Paths can be at most ${MAX_PATH_DEPTH} folders deep.`);
  for (const segment of segments) {
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) refuse(`Each file or folder name can be at most ${MAX_NAME_BYTES} bytes long.`);
    if (segment.trim() === "") refuse("File and folder names can't be only spaces.");
    // Dot files are configuration (.claude/settings.json can change what the agent runs): not uploadable.
    if (options.purpose === "write" && segment.startsWith(".")) {
      refuse(`Names starting with "." are hidden settings files and can't be uploaded. Rename "${segment}" first.`);
    }
  }
  const normalized = segments.join("/");
  if (Buffer.byteLength(normalized) > MAX_PATH_BYTES) refuse(`Paths can be at most ${MAX_PATH_BYTES} bytes long.`);
  return normalized;
}

/** The last segment; "" for the root. */
export function baseNameOf(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf("/") + 1);
}

/** Joins a folder and a name that were each checked; "" is the root folder. */
export function joinAgentPath(folder: string, name: string): string {
  return folder === "" ? name : `${folder}/${name}`;
}

/**
 * A Content-Disposition value that survives any name: an ASCII fallback for old clients and the
 * exact UTF-8 name in filename* (RFC 6266 / RFC 8187), so quotes or newlines never break the header.
 */
export function contentDisposition(kind: "inline" | "attachment", fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%;]/g, "_").trim() || "download";
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
