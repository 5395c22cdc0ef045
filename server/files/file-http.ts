import { Readable } from "node:stream";

import { AppError } from "../../lib/errors";
import { FILE_SIZE_HEADER, FILE_TRUNCATED_HEADER, fileTypeOf, formatFileSize, isPassiveContent } from "../../lib/file-api";
import type { OpenedAgentArchive, OpenedAgentFile } from "./agent-files";
import { contentDisposition, joinAgentPath } from "./file-paths";

/** Headers every file answer carries: files come from an agent, so they are treated as hostile. */
function untrustedContentHeaders(sandbox: string): Record<string, string> {
  return {
    // Even opened directly, a file runs in an opaque origin: no cookies, no storage, no API of ours.
    "content-security-policy": sandbox,
    "x-content-type-options": "nosniff",
    // Other sites can't embed a person's files using that person's cookies.
    "cross-origin-resource-policy": "same-origin",
  };
}

function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
}

/**
 * A file as an HTTP answer. On the app's origin only passive content (images, text, PDF) is shown
 * inline; HTML, SVG and the rest are downloads, so nothing an agent wrote ever runs there. On
 * FILES_ORIGIN (files-origin-server.ts) HTML may run its scripts (charts exported by plotly need
 * them), still sandboxed in an opaque origin.
 */
export function agentFileResponse(file: OpenedAgentFile, options: { download: boolean; servedFrom: "app" | "files-origin" }): Response {
  const type = fileTypeOf(file.name);
  const runsAsPage = options.servedFrom === "files-origin" && type.preview === "html" && !options.download;
  const inline = !options.download && (runsAsPage || isPassiveContent(type));
  return new Response(toWebStream(file.body), {
    status: 200,
    headers: {
      "content-type": type.contentType,
      "content-length": String(file.length),
      "content-disposition": contentDisposition(inline ? "inline" : "attachment", file.name),
      // Agents rewrite files in place: always revalidate, never share between people.
      "cache-control": "private, no-cache",
      "last-modified": file.modifiedAt.toUTCString(),
      [FILE_SIZE_HEADER]: String(file.size),
      [FILE_TRUNCATED_HEADER]: String(file.truncated),
      ...untrustedContentHeaders(runsAsPage ? "sandbox allow-scripts" : "sandbox"),
    },
  });
}

export function agentArchiveResponse(archive: OpenedAgentArchive): Response {
  return new Response(toWebStream(archive.body), {
    status: 200,
    headers: {
      "content-type": "application/zip",
      "content-disposition": contentDisposition("attachment", archive.fileName),
      "cache-control": "no-store",
      ...untrustedContentHeaders("sandbox"),
    },
  });
}

export function isFlagSet(value: string | null): boolean {
  return value === "1" || value === "true";
}

export interface UploadRequest {
  /** Unchecked: agent-files.ts validates it. */
  path: unknown;
  body: ReadableStream<Uint8Array> | null;
  declaredBytes?: number;
}

// Room for the multipart boundaries and part headers around the file itself.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Reads an upload in either shape: the raw file as the body with ?path=, which streams straight
 * into the workspace, or a multipart form (field "file", optional "path" or "folder"), which is
 * buffered up to the limit first because the form must be parsed.
 */
export async function readUploadRequest(request: Request, maxUploadBytes: number): Promise<UploadRequest> {
  const query = new URL(request.url).searchParams;
  const contentType = request.headers.get("content-type") ?? "";
  const length = request.headers.get("content-length");
  const declaredBytes = length === null || !/^\d+$/.test(length) ? undefined : Number(length);
  if (!/^multipart\/form-data/i.test(contentType)) {
    return { path: query.get("path"), body: request.body, declaredBytes };
  }

  const limit = maxUploadBytes + MULTIPART_OVERHEAD_BYTES;
  const tooLarge = () => new AppError("payload_too_large", `This file is larger than ${formatFileSize(maxUploadBytes)}, the most you can upload at once.`);
  if (declaredBytes !== undefined && declaredBytes > limit) throw tooLarge();
  let exceeded = false;
  let received = 0;
  const limited = request.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) {
          exceeded = true;
          controller.error(tooLarge());
        } else controller.enqueue(chunk);
      },
    }),
  );
  let form: FormData;
  try {
    form = await new Response(limited ?? null, { headers: { "content-type": contentType } }).formData();
  } catch {
    if (exceeded) throw tooLarge();
    throw new AppError("bad_request", "The upload form could not be read. Send the file in a multipart field named \"file\".");
  }
  const file = form.get("file");
  if (file === null || typeof file === "string") {
    throw new AppError("bad_request", 'Add the file in a multipart field named "file".', { issues: [{ path: "file", message: "is missing" }] });
  }
  const field = (name: string) => {
    const value = query.get(name) ?? form.get(name);
    return typeof value === "string" ? value : null;
  };
  return { path: field("path") ?? joinAgentPath(field("folder") ?? "", file.name), body: file.stream(), declaredBytes: file.size };
}
