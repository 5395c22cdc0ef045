import type { ServerResponse } from "node:http";
import { toErrorPayload, AppError } from "../../lib/errors";

/** True when every %-escape in the path decodes (as UTF-8); Next answers a plain-text 500 otherwise. */
export function hasWellFormedEncoding(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

const sentence = "This address has a broken %-encoding (a % must be followed by two hexadecimal digits of UTF-8), so it names nothing here.";

/** 400 for an undecodable path: the JSON error on the API, a small readable page elsewhere. */
export function answerMalformedPath(path: string, res: ServerResponse): void {
  res.statusCode = 400;
  res.setHeader("cache-control", "no-store");
  if (path === "/api" || path.startsWith("/api/")) {
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify({ error: toErrorPayload(new AppError("bad_request", sentence)) }));
    return;
  }
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad address</title></head>` +
      `<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">` +
      `<h1>This address is not valid</h1><p>${sentence}</p><p><a href="/">Go to your agents</a></p></body></html>`,
  );
}
