/**
 * The headers every page is served with (proxy.ts): a nonce-based Content-Security-Policy as
 * Next.js documents it (it reads the nonce back from the request's CSP header and puts it on its
 * own scripts), no framing, no sniffing, and referrers that never carry a share link's token.
 */
export interface PageSecurityOptions {
  pathname: string;
  /** Fresh for every request (newNonce). */
  nonce: string;
  /** AUTH_URL; HSTS is sent only when it is https (a plain-http origin must stay reachable). */
  appUrl: URL | undefined;
  /** Where agent-made pages are previewed (FILES_ORIGIN), the one other origin a page may frame. */
  filesOrigin: string | undefined;
  /** React's development build uses eval for its error overlay; production never does. */
  development: boolean;
}

export function newNonce(): string {
  return Buffer.from(crypto.randomUUID()).toString("base64");
}

function isSharePage(pathname: string): boolean {
  return pathname === "/share" || pathname.startsWith("/share/");
}

export function contentSecurityPolicy(options: Pick<PageSecurityOptions, "nonce" | "filesOrigin" | "development">): string {
  const nonce = `'nonce-${options.nonce}'`;
  return [
    "default-src 'self'",
    // 'strict-dynamic': the scripts Next.js loads at runtime are trusted through the nonced bootstrap.
    `script-src 'self' ${nonce} 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${nonce}`,
    // React renders `style={…}` props as attributes in the server HTML; a nonce cannot cover those.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    `frame-src 'self'${options.filesOrigin ? ` ${options.filesOrigin}` : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function pageSecurityHeaders(options: PageSecurityOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // A share page's URL is its token: it must never leave in a Referer.
    "Referrer-Policy": isSharePage(options.pathname) ? "no-referrer" : "strict-origin-when-cross-origin",
  };
  if (options.appUrl?.protocol === "https:") headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  return headers;
}
