import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { AppError } from "../../lib/errors";
import { errorResponse } from "../http/json-route";
import type { AgentFileService } from "./agent-files";
import { agentFileResponse } from "./file-http";
import { fileLinkPath, verifyFileLink } from "./file-links";

export interface FilesOriginDependencies {
  files: AgentFileService;
  /** The auth secret the links were signed with. */
  secret: string;
  now?: () => number;
}

async function send(res: ServerResponse, response: Response, method: string): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body || method === "HEAD") {
    await response.body?.cancel();
    res.end();
    return;
  }
  Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>).pipe(res);
}

async function answer(req: IncomingMessage, deps: FilesOriginDependencies): Promise<Response> {
  const url = new URL(req.url ?? "/", "http://files.invalid");
  if (url.pathname !== fileLinkPath) throw new AppError("not_found", "There is nothing here: this address only serves files through links the app hands out.");
  if (req.method !== "GET" && req.method !== "HEAD") {
    const refused = errorResponse(new AppError("method_not_allowed", `This address does not take ${req.method} requests; it takes GET, HEAD.`));
    refused.headers.set("allow", "GET, HEAD");
    return refused;
  }
  const { user, agentId, path } = verifyFileLink(url.searchParams, deps.secret, (deps.now ?? Date.now)());
  const file = await deps.files.open(user, agentId, path);
  return agentFileResponse(file, { download: false, servedFrom: "files-origin" });
}

/**
 * The FILES_ORIGIN listener: agent-made files by signed link (file-links.ts), and nothing else. It
 * reads no cookie and serves no app page, so a script in an agent's page that runs here can never
 * act for the person.
 */
export function createFilesOriginHandler(deps: FilesOriginDependencies): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void answer(req, deps)
      .catch((error: unknown) => errorResponse(error))
      .then((response) => send(res, response, req.method ?? "GET"))
      .catch(() => res.destroy());
  };
}
