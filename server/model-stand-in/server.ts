import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { logger } from "../logger";
import { planReply, randomId, requestInputTokens } from "./conversation";
import { countTokensRequestSchema, describeZodError, messagesRequestSchema } from "./schema";
import { formatSseEvent, messageBody, streamEvents } from "./sse";
import type { Script } from "./types";

export interface ModelStandInOptions {
  /** Defaults to 0.0.0.0 so workspace containers reach it through host.docker.internal. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Milliseconds between streamed deltas; 0 streams as fast as the socket takes it. */
  pacing?: number;
  /** Words per text_delta. */
  wordsPerChunk?: number;
  /** Tried before the built-in scripts, so a caller can override any of them. */
  scripts?: readonly Script[];
  /** Sees every request, e.g. to learn which auxiliary calls the CLI makes. */
  onRequest?: (entry: StandInRequestLog) => void;
}

export interface StandInRequestLog {
  method: string;
  path: string;
  status: number;
  model?: string;
  hasTools?: boolean;
  toolCount?: number;
  stream?: boolean;
  maxTokens?: number;
  scriptId?: string;
  stepIndex?: number;
  auxiliary?: boolean;
}

export interface ModelStandIn {
  server: http.Server;
  port: number;
  /** Base URL for ANTHROPIC_BASE_URL on this host (loopback when bound to all interfaces). */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_PACING_MS = 15;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { type: "error", error: { type: error.errorType, message: error.message } });
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request_too_large", "Request exceeds the maximum allowed size");
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_request_error", "Request body is not valid JSON");
  }
}

export async function createModelStandIn(options: ModelStandInOptions = {}): Promise<ModelStandIn> {
  const host = options.host ?? "0.0.0.0";
  const pacing = options.pacing ?? DEFAULT_PACING_MS;
  const log = logger.child({ component: "model-stand-in" });

  async function handleMessages(req: http.IncomingMessage, res: http.ServerResponse, entry: StandInRequestLog): Promise<void> {
    const parsed = messagesRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeZodError(parsed.error));
    const request = parsed.data;
    const reply = planReply(request, options.scripts);
    Object.assign(entry, {
      model: request.model,
      hasTools: (request.tools?.length ?? 0) > 0,
      toolCount: request.tools?.length ?? 0,
      stream: request.stream === true,
      maxTokens: request.max_tokens,
      scriptId: reply.scriptId,
      stepIndex: reply.stepIndex,
      auxiliary: reply.auxiliary,
      status: 200,
    });
    const meta = { id: randomId("msg_"), model: request.model, inputTokens: requestInputTokens(request) };
    if (request.stream !== true) {
      sendJson(res, 200, messageBody(reply, meta));
      return;
    }

    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "request-id": randomId("req_"),
    });
    for (const event of streamEvents(reply, meta, options.wordsPerChunk)) {
      if (event.paced && pacing > 0) await sleep(pacing);
      // An interrupted CLI hangs up mid-stream; stop rather than write into a dead socket.
      if (closed) return;
      res.write(formatSseEvent(event.event, event.data));
    }
    res.end();
  }

  async function handleCountTokens(req: http.IncomingMessage, res: http.ServerResponse, entry: StandInRequestLog): Promise<void> {
    const parsed = countTokensRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeZodError(parsed.error));
    entry.model = parsed.data.model;
    entry.status = 200;
    sendJson(res, 200, { input_tokens: requestInputTokens(parsed.data) });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, entry: StandInRequestLog): Promise<void> {
    const { method, path } = entry;
    if ((path === "/" || path === "/api/hello") && (method === "GET" || method === "HEAD")) {
      entry.status = 200;
      // Reachability probes: the CLI sends HEAD /api/hello unless non-essential traffic is off
      // (then HEAD /); GET answers humans checking the port.
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(method === "HEAD" ? undefined : "model stand-in: offline demo model (Anthropic Messages API)\n");
      return;
    }
    if (method === "POST" && path === "/v1/messages") return handleMessages(req, res, entry);
    if (method === "POST" && path === "/v1/messages/count_tokens") return handleCountTokens(req, res, entry);
    throw new HttpError(404, "not_found_error", `Not found: ${method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    const entry: StandInRequestLog = {
      method: req.method ?? "GET",
      path: new URL(req.url ?? "/", "http://stand-in").pathname,
      status: 500,
    };
    route(req, res, entry)
      .catch((error: unknown) => {
        const httpError =
          error instanceof HttpError ? error : new HttpError(500, "api_error", "Internal error in the model stand-in");
        entry.status = httpError.status;
        if (!(error instanceof HttpError)) log.error({ err: error }, "model stand-in request failed");
        if (res.headersSent) res.destroy();
        else sendError(res, httpError);
      })
      .finally(() => {
        log.debug(entry, "model stand-in request");
        options.onRequest?.(entry);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

  return {
    server,
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The CLI keeps connections alive; without this, close() would wait for them to idle out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
