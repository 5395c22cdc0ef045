/**
 * Which images a rendered Markdown reply may load. An agent's reply (or a prompt-injected one)
 * could otherwise embed a tracking pixel, or carry data out past the egress proxy in an image
 * URL that the owner's browser, or an anonymous share visitor's, fetches. Only the platform's own
 * file URLs (relative, so the same origin on every page; the owner's, or a share link's) and
 * in-page data:/blob: images load; any
 * other image is shown as a link the person may choose to open.
 */

// fileContentUrl() in file-urls.ts: /api/agents/{id}/files/content?path=…, and on the share page
// sharedFileContentUrl() in shared-file-urls.ts: /api/share/{token}/files/content?path=…
const ownFileContent = /^\/api\/(?:agents|share)\/[^/?#]+\/files\/content(?:[?#]|$)/;

export function isPlatformImageSource(src: string): boolean {
  const value = src.trim();
  if (/^data:image\//i.test(value) || /^blob:/i.test(value)) return true;
  // "//host/…" is another origin; "/api/…" is this one whatever the page's address.
  return !value.startsWith("//") && !value.includes("\\") && ownFileContent.test(value);
}

/** The host an outside image would have come from, for the link's words; null when it has none. */
export function outsideImageHost(src: string): string | null {
  try {
    const url = new URL(src);
    return url.protocol === "http:" || url.protocol === "https:" ? url.host : null;
  } catch {
    return null;
  }
}
