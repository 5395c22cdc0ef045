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
 * What to conclude from a request that names no page. REST refuses unless `Sec-Fetch-Site` says
 * same-origin: every browser sends Origin on a POST/PUT/PATCH/DELETE, so only a script can omit it,
 * and a script should send a Bearer token. A Socket.IO handshake starts with a same-origin GET, which
 * browsers send without Origin, so there only an explicit cross-site `Sec-Fetch-Site` is refused.
 */
export type WithoutOrigin = "refuse" | "allow-unless-cross-site";

/**
 * Refuses a request signed by the session cookie that a page of another origin made the browser
 * send (CSRF, cross-site WebSocket hijacking). `Origin: null` (sandboxed frames such as agent-made
 * pages, data: URLs) is never the app's own origin.
 */
export function assertCookieRequestFromApp(headers: OriginHeaders, appUrl: URL | undefined, withoutOrigin: WithoutOrigin): void {
  if (headers.origin !== undefined && headers.origin !== "") {
    if (headers.origin === "null" || !sameOrigin(headers.origin, headers.host, appUrl)) throw new AppError("forbidden", refusal);
    return;
  }
  const site = headers.secFetchSite;
  if (site === "same-origin") return;
  if (withoutOrigin === "allow-unless-cross-site" && (site === undefined || site === "none")) return;
  throw new AppError("forbidden", refusal);
}

/** The REST form: only methods that change state are checked, reads stay linkable. */
export function assertCookieRestCallFromApp(request: Request, appUrl: URL | undefined): void {
  if (readOnlyMethods.has(request.method.toUpperCase())) return;
  assertCookieRequestFromApp(
    {
      origin: request.headers.get("origin") ?? undefined,
      // A Request built outside Node's HTTP server (tests, fetch handlers) names its host only in its URL.
      host: request.headers.get("host") ?? new URL(request.url).host,
      secFetchSite: request.headers.get("sec-fetch-site") ?? undefined,
    },
    appUrl,
    "refuse",
  );
}
