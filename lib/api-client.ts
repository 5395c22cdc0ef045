import type { ErrorPayload } from "./errors";

/** A failed API call, carrying the server's error code and sentence for the UI. */
export class ApiError extends Error {
  constructor(readonly payload: ErrorPayload, readonly status: number) {
    super(payload.message);
    this.name = "ApiError";
  }
}

/** fetch for the platform's own REST API from the browser: JSON in and out, errors as ApiError. */
export async function apiFetch<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, headers, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(path, {
      ...rest,
      credentials: "same-origin",
      headers: { ...(json !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  } catch {
    throw new ApiError({ code: "internal", message: "Can't reach the platform. Check your connection and try again." }, 0);
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as ({ error?: ErrorPayload } & T) | null;
  if (!response.ok) {
    throw new ApiError(body?.error ?? { code: "internal", message: `The platform answered ${response.status}.` }, response.status);
  }
  return body as T;
}

export function asErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof ApiError) return error.payload;
  return { code: "internal", message: error instanceof Error ? error.message : "Something went wrong." };
}
