import { ApiError, apiFetch } from "./api-client";
import { fileContentUrl, fileLinkUrl, fileTreeUrl, fileUploadUrl } from "./file-urls";
import type { ErrorPayload } from "./errors";
import type { WorkspaceDiskUsage } from "./workspace-disk";
export { formatFileSize } from "./file-size";

/**
 * The files of an agent's folder over REST, declared once: the route handlers answer with these
 * types and the browser calls them through the functions below.
 *
 *   GET    /api/agents/{id}/files                      → FileTreeResponse (?hidden=1 shows dot files)
 *   GET    /api/agents/{id}/files/content?path=…       → the bytes (inline; ?download=1 attachment; ?preview=1 first bytes only)
 *   GET    /api/agents/{id}/files/archive[?path=folder] → a zip of the folder
 *   GET    /api/agents/{id}/files/link?path=…          → FileLinkResponse (a signed FILES_ORIGIN link; not_found when unset)
 *   POST   /api/agents/{id}/files?path=…               → UploadResponse (raw body, or multipart field "file")
 *   DELETE /api/agents/{id}/files?path=…               → 204
 */

export type FileEntryType = "file" | "directory" | "symlink";

export interface FileEntry {
  name: string;
  /** Relative to the agent's folder, "/"-separated; what every other call takes as `path`. */
  path: string;
  type: FileEntryType;
  /** Bytes; 0 for folders and links. */
  size: number;
  modifiedAt: string;
  /** Folders only, sorted folders first then by name. */
  children?: FileEntry[];
  /** A folder that is not listed because it is usually huge and not for people (node_modules, .git…). */
  skipped?: boolean;
  /** A folder with more entries than are listed. */
  truncated?: boolean;
}

export interface FileLimits {
  maxUploadBytes: number;
  /** How much of a file ?preview=1 returns. */
  previewMaxBytes: number;
}

export interface FileTreeResponse {
  entries: FileEntry[];
  /** Entries listed (files and folders, at any depth). */
  entryCount: number;
  /** True when the listing stopped at its cap; some deeper entries are missing. */
  truncated: boolean;
  limits: FileLimits;
  /** The whole workspace's disk (all the person's agents share it); absent when it could not be measured. */
  disk?: WorkspaceDiskUsage;
}

/** GET /api/agents/{id}/files/link?path=… : where to show an agent-made page (FILES_ORIGIN). */
export interface FileLinkResponse {
  url: string;
  expiresAt: string;
}

export interface UploadResponse {
  file: FileEntry;
}

// Headers of a ?preview=1 answer, so the UI can say "showing the first 1 MB of 40 MB".
export const FILE_SIZE_HEADER = "x-file-size";
export const FILE_TRUNCATED_HEADER = "x-file-truncated";

// ── File types ───────────────────────────────────────────────────────────────────────────────────

export type FilePreviewKind = "image" | "csv" | "html" | "text" | "none";

export interface FileTypeInfo {
  /** What the server sends as Content-Type. Code is sent as text/plain so it can never run as script. */
  contentType: string;
  preview: FilePreviewKind;
  /** highlight.js language for code previews. */
  language?: string;
}

const text = (language?: string): FileTypeInfo => ({ contentType: "text/plain; charset=utf-8", preview: "text", language });

const fileTypes: Record<string, FileTypeInfo> = {
  png: { contentType: "image/png", preview: "image" },
  jpg: { contentType: "image/jpeg", preview: "image" },
  jpeg: { contentType: "image/jpeg", preview: "image" },
  gif: { contentType: "image/gif", preview: "image" },
  webp: { contentType: "image/webp", preview: "image" },
  avif: { contentType: "image/avif", preview: "image" },
  bmp: { contentType: "image/bmp", preview: "image" },
  ico: { contentType: "image/x-icon", preview: "image" },
  svg: { contentType: "image/svg+xml", preview: "image" },
  csv: { contentType: "text/csv; charset=utf-8", preview: "csv" },
  tsv: { contentType: "text/tab-separated-values; charset=utf-8", preview: "csv" },
  html: { contentType: "text/html; charset=utf-8", preview: "html" },
  htm: { contentType: "text/html; charset=utf-8", preview: "html" },
  json: { contentType: "application/json; charset=utf-8", preview: "text", language: "json" },
  ipynb: { contentType: "application/json; charset=utf-8", preview: "text", language: "json" },
  txt: text(),
  log: text(),
  md: text(),
  markdown: text(),
  rst: text(),
  py: text("python"),
  js: text("javascript"),
  mjs: text("javascript"),
  cjs: text("javascript"),
  ts: text("javascript"),
  tsx: text("javascript"),
  jsx: text("javascript"),
  sh: text("bash"),
  bash: text("bash"),
  sql: text("sql"),
  css: text(),
  xml: text(),
  yaml: text(),
  yml: text(),
  toml: text(),
  ini: text(),
  cfg: text(),
  conf: text(),
  env: text(),
  r: text(),
  tex: text(),
  pdf: { contentType: "application/pdf", preview: "none" },
  zip: { contentType: "application/zip", preview: "none" },
  xlsx: { contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", preview: "none" },
  xls: { contentType: "application/vnd.ms-excel", preview: "none" },
  docx: { contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", preview: "none" },
  pptx: { contentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation", preview: "none" },
  mp3: { contentType: "audio/mpeg", preview: "none" },
  wav: { contentType: "audio/wav", preview: "none" },
  mp4: { contentType: "video/mp4", preview: "none" },
};

const unknownType: FileTypeInfo = { contentType: "application/octet-stream", preview: "none" };
// Extension-less files agents write are almost always text (Makefile, Dockerfile, README).
const plainNames = new Set(["readme", "license", "makefile", "dockerfile", "procfile", "requirements"]);

export function fileTypeOf(name: string): FileTypeInfo {
  const lower = name.toLowerCase();
  const dot = lower.lastIndexOf(".");
  if (dot <= 0) return plainNames.has(lower) ? text() : unknownType;
  return fileTypes[lower.slice(dot + 1)] ?? unknownType;
}

// What a browser only ever displays, never runs. Anything else (HTML, SVG, XML, unknown types) is
// active content: the app's origin serves it as a download, and only FILES_ORIGIN renders it.
const passiveContentTypes = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
  "image/x-icon",
  "application/pdf",
  "text/plain",
  "text/csv",
  "text/tab-separated-values",
]);

export function isPassiveContent(type: FileTypeInfo): boolean {
  return passiveContentTypes.has(type.contentType.split(";")[0]!.trim());
}


// ── URLs ─────────────────────────────────────────────────────────────────────────────────────────

export { fileArchiveUrl, fileContentUrl, fileLinkUrl, fileTreeUrl, fileUploadUrl } from "./file-urls";

// ── Browser calls ────────────────────────────────────────────────────────────────────────────────

export function fetchFileTree(agentId: string, init: { signal?: AbortSignal } = {}): Promise<FileTreeResponse> {
  return apiFetch<FileTreeResponse>(fileTreeUrl(agentId), { signal: init.signal });
}

export function fetchFileLink(agentId: string, path: string, init: { signal?: AbortSignal } = {}): Promise<FileLinkResponse> {
  return apiFetch<FileLinkResponse>(fileLinkUrl(agentId, path), { signal: init.signal });
}

export function deleteAgentFile(agentId: string, path: string): Promise<void> {
  return apiFetch<void>(fileUploadUrl(agentId, path), { method: "DELETE" });
}

export interface FileTextPreview {
  text: string;
  /** The whole file's size. */
  size: number;
  truncated: boolean;
}

/** The start of a text file (up to the server's preview limit), decoded as UTF-8. */
export async function fetchFileText(agentId: string, path: string, init: { signal?: AbortSignal } = {}): Promise<FileTextPreview> {
  let response: Response;
  try {
    response = await fetch(fileContentUrl(agentId, path, { preview: true }), { credentials: "same-origin", signal: init.signal });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError({ code: "internal", message: "Can't reach the platform. Check your connection and try again." }, 0);
  }
  if (!response.ok) throw await apiErrorOf(response);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    // A preview cut mid-character ends in U+FFFD rather than failing.
    text: new TextDecoder("utf-8").decode(bytes),
    size: Number(response.headers.get(FILE_SIZE_HEADER) ?? bytes.length),
    truncated: response.headers.get(FILE_TRUNCATED_HEADER) === "true",
  };
}

export interface UploadOptions {
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Uploads one file as the raw request body. XMLHttpRequest rather than fetch because only it
 * reports upload progress in browsers today.
 */
export function uploadAgentFile(agentId: string, path: string, file: Blob, options: UploadOptions = {}): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", fileUploadUrl(agentId, path));
    request.withCredentials = true;
    request.responseType = "json";
    request.setRequestHeader("content-type", file.type || "application/octet-stream");
    request.upload.onprogress = (event) => options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      const body = request.response as ({ error?: ErrorPayload } & Partial<UploadResponse>) | null;
      if (request.status >= 200 && request.status < 300 && body?.file) resolve({ file: body.file });
      else reject(new ApiError(body?.error ?? { code: "internal", message: `The upload failed (${request.status}).` }, request.status));
    };
    request.onerror = () => reject(new ApiError({ code: "internal", message: "The upload was interrupted. Check your connection and try again." }, 0));
    request.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    options.signal?.addEventListener("abort", () => request.abort(), { once: true });
    request.send(file);
  });
}

async function apiErrorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: ErrorPayload } | null;
  return new ApiError(body?.error ?? { code: "internal", message: `The platform answered ${response.status}.` }, response.status);
}
