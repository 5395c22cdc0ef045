import pRetry from "p-retry";

import { AppError } from "../../lib/errors";
import { logger } from "../logger";
import { countDockerError } from "../metrics/platform-metrics";

const transientCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOENT", "EHOSTUNREACH"]);

export function dockerStatusCode(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * Errors worth another try: the engine restarting (socket refused or missing), a dropped
 * connection, or a 5xx. 4xx answers (404, 409 ...) are decisions, not accidents.
 */
export function isTransientDockerError(error: unknown): boolean {
  const status = dockerStatusCode(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && transientCodes.has(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /socket hang up|ECONNRESET|ECONNREFUSED/i.test(message);
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 2_000 };

/**
 * Runs a Docker call, retrying transient failures with exponential backoff. When they persist it
 * throws `workspace_unavailable` with a sentence that names the operation; other errors pass through.
 */
export async function withDockerRetry<T>(operation: string, call: () => Promise<T>, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  let attempts = 0;
  try {
    return await pRetry(
      (attempt) => {
        attempts = attempt;
        return call();
      },
      {
        retries: Math.max(0, policy.attempts - 1),
        minTimeout: policy.baseDelayMs,
        maxTimeout: policy.maxDelayMs,
        factor: 2,
        onFailedAttempt: ({ error }) => {
          // 3xx/4xx are answers ("already stopped", "no such container"); a failing engine is anything else.
          if ((dockerStatusCode(error) ?? 500) >= 500) countDockerError(operation);
        },
        // Only asked while attempts remain.
        shouldRetry: ({ error, attemptNumber }) => {
          if (!isTransientDockerError(error)) return false;
          // The wait p-retry takes next (minTimeout · factor^(n-1), capped; no randomisation).
          const delay = Math.min(policy.baseDelayMs * 2 ** (attemptNumber - 1), policy.maxDelayMs);
          logger.warn({ operation, attempt: attemptNumber, delay, err: error }, "transient Docker error, retrying");
          return true;
        },
      },
    );
  } catch (error) {
    if (!isTransientDockerError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError("workspace_unavailable", `The container engine did not answer while trying to ${operation} (${attempts} attempts): ${reason.trim()}`, {
      cause: error,
    });
  }
}
