import { signInPath } from "./sign-in-path";

/**
 * Where to go after signing in, reduced to a path on this site: an absolute or protocol-relative
 * URL could otherwise send a person elsewhere (open redirect), and the sign-in page itself would loop.
 */
export function safeCallbackUrl(value: unknown): string {
  if (typeof value !== "string" || value === "") return "/";
  let url: URL;
  try {
    url = new URL(value, "http://callback.invalid");
  } catch {
    return "/";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "/";
  if (url.pathname === signInPath || url.pathname.startsWith("/api/auth/") || url.pathname.startsWith("//")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page's URL that brings the person back to `returnTo` afterwards. */
export function signInUrlFor(returnTo: string): string {
  const target = safeCallbackUrl(returnTo);
  return target === "/" ? signInPath : `${signInPath}?${new URLSearchParams({ callbackUrl: target })}`;
}
