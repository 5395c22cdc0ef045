/**
 * The images of a shared conversation, as an anonymous visitor loads them: authorised by the share
 * token alone (/api/share/{token}/files/content), never by the owner's session. A module of its
 * own so the owner's chat does not carry it.
 */
export function sharedFileContentUrl(shareToken: string, path: string): string {
  return `/api/share/${encodeURIComponent(shareToken)}/files/content?${new URLSearchParams({ path }).toString()}`;
}
