import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { AppError, httpStatusOf, toErrorPayload } from "../../lib/errors";
import { checkPayload, payloadProblemMessage } from "../../lib/well-formed-text";
import { withLogContext } from "../log-context";
import { logger } from "../logger";

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is a sane token (a proxy's id joins its logs to ours), else a new one. */
export function requestIdOf(request: unknown): string {
  const given = request instanceof Request ? request.headers.get("x-request-id") : null;
  return given && requestIdPattern.test(given) ? given : randomUUID();
}

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set("x-request-id", requestId);
  } catch {
    // Some responses (e.g. a proxied fetch) have immutable headers; the id is still in the logs.
  }
  return response;
}

/** A JSON error body with the status its code maps to; unexpected errors are logged, not leaked. */
export function errorResponse(error: unknown): Response {
  if (!(error instanceof AppError)) logger.error({ err: error }, "request failed");
  const status = error instanceof AppError ? httpStatusOf(error.code) : 500;
  return Response.json({ error: toErrorPayload(error) }, { status, headers: { "cache-control": "no-store" } });
}

/** Wraps a route handler so every thrown AppError becomes its HTTP status with a clear JSON body. */
export function jsonRoute<Args extends unknown[]>(handler: (...args: Args) => Promise<Response | unknown>) {
  return async (...args: Args): Promise<Response> => {
    const requestId = requestIdOf(args[0]);
    // Every line logged while handling the request carries its id, and so does the response.
    return withLogContext({ requestId }, async () => {
      try {
        const result = await handler(...args);
        if (result instanceof Response) return withRequestId(result, requestId);
        return Response.json(result, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
      } catch (error) {
        return withRequestId(errorResponse(error), requestId);
      }
    });
  };
}

const jsonContentType = /^application\/json\s*(;|$)/i;

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
}

function notJson(): AppError {
  return new AppError("unsupported_media_type", "This address takes JSON: send the body with the header Content-Type: application/json.");
}

/**
 * The body as strict UTF-8 text. Bytes are counted as they arrive, so a chunked body without a
 * Content-Length is cut at the limit instead of being read whole first.
 */
async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const reader = request.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  try {
    // fatal: invalid bytes are refused rather than stored as U+FFFD in someone's record.
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError("bad_request", "The request body is not valid UTF-8 text: some bytes do not form characters. Send the text as UTF-8.");
  }
}

/**
 * Reads and validates a JSON body: a body that is not declared as JSON is unsupported_media_type,
 * malformed JSON and schema failures are both bad_request. No body at all counts as {}.
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S, maxBytes = 1_000_000): Promise<z.output<S>> {
  const contentType = request.headers.get("content-type");
  if (contentType !== null && !jsonContentType.test(contentType.trim())) throw notJson();
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readBodyText(request, maxBytes);
  if (text.length > 0 && contentType === null) throw notJson();
  let body: unknown;
  try {
    body = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  const problem = checkPayload(body);
  if (problem) {
    const path = problem.kind === "too_many_values" ? "(body)" : problem.path || "(body)";
    throw new AppError("bad_request", payloadProblemMessage(problem), { issues: [{ path, message: payloadProblemMessage(problem) }] });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
    throw new AppError("bad_request", `Invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
  }
  return parsed.data;
}
