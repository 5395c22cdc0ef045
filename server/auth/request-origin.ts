import { AppError } from "../../lib/errors";

/** The headers a browser adds that say which page a request came from. */
export interface OriginHeaders {
  origin?: string;
  host?: string;
  secFetchSite?: string;
}

const refusal =
  "This request came from another site, so it was refused: open the app itself to make this change, or send an 'Authorization: Bearer <session_id>' header instead of the session cookie.";

/** Methods that change nothing; a cookie-signed request with any other method is origin-checked. */
const readOnlyMethods = new Set(["GET", "HEAD", "OPTIONS"]);

function sameOrigin(origin: string, host: string | undefined, appUrl: URL | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  // AUTH_URL pins the public origin; without it the app answers on whatever host it was reached by.
  if (appUrl) return parsed.origin === appUrl.origin;
  return host !== undefined && parsed.host === host.toLowerCase();
}

/**
 * Refuses a request signed by the session cookie that a page of another origin made the browser
 * send (CSRF, cross-site WebSocket hijacking). `Origin: null` (sandboxed frames, data: URLs) is
 * another origin. A browser names the page on every cross-origin request that can change state, so
 * a request naming none (curl, a server-side script) comes from no page and is let through.
 */
export function assertCookieRequestFromApp(headers: OriginHeaders, appUrl: URL | undefined): void {
  if (headers.origin !== undefined) {
    if (!sameOrigin(headers.origin, headers.host, appUrl)) throw new AppError("forbidden", refusal);
    return;
  }
  if (headers.secFetchSite !== undefined && headers.secFetchSite !== "same-origin" && headers.secFetchSite !== "none") {
    throw new AppError("forbidden", refusal);
  }
}

/** The REST form: only methods that change state are checked, reads stay linkable. */
export function assertCookieRestCallFromApp(request: Request, appUrl: URL | undefined): void {
  if (readOnlyMethods.has(request.method.toUpperCase())) return;
  assertCookieRequestFromApp(
    {
      origin: request.headers.get("origin") ?? undefined,
      host: request.headers.get("host") ?? undefined,
      secFetchSite: request.headers.get("sec-fetch-site") ?? undefined,
    },
    appUrl,
  );
}
