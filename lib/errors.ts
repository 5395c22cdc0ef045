/**
 * One error type for the whole platform. A code names what went wrong; the same code maps to an
 * HTTP status for REST and travels as-is in socket acknowledgements, and the UI turns it into a
 * sentence the person can act on (errorMessageFor, in error-messages.ts).
 */
export const errorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  /** The route exists, but not for this HTTP method; the response's Allow header lists the ones it takes. */
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  /** A body that is not JSON (by its Content-Type) sent to a JSON route. */
  unsupported_media_type: 415,
  rate_limited: 429,
  /** A per-user quota (agents, runs at once) is used up; the sentence says which and what to do. */
  quota_exceeded: 429,
  unknown_event: 400,
  internal: 500,
  workspace_unavailable: 503,
  workspace_lost: 503,
  /** The person's workspace disk (WORKSPACE_DISK_MB) is full; the sentence says how big and what to delete. */
  workspace_full: 507,
  model_unavailable: 502,
  shutting_down: 503,
  /** The store (Firestore) did not answer in time or is unreachable; nothing was changed. */
  store_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Field-level problems for bad_request, so a form can mark the field. */
  issues?: { path: string; message: string }[];
}

// The custom server and Next's route handlers load separate copies of this module, so an error
// thrown by a service built in one is checked in the other: instanceof looks for this brand.
const appErrorBrand = Symbol.for("agent-platform.AppError");

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues?: ErrorPayload["issues"];
  readonly [appErrorBrand] = true;

  static [Symbol.hasInstance](value: unknown): value is AppError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[appErrorBrand] === true;
  }

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; issues?: ErrorPayload["issues"] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.issues = options?.issues;
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toPayload(): ErrorPayload {
    return toErrorPayload(this);
  }
}

/** Anything thrown becomes a payload; unexpected errors never leak their internals. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof AppError) {
    return error.issues ? { code: error.code, message: error.message, issues: error.issues } : { code: error.code, message: error.message };
  }
  return { code: "internal", message: "Something went wrong on our side. Please try again in a moment." };
}

export function httpStatusOf(code: string): number {
  return (errorCodes as Record<string, number>)[code] ?? 500;
}
