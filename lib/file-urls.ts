/**
 * The addresses of an agent's files, with no other imports: the chat links to produced files and
 * must not pull the whole file client into the agent page's first load.
 */
export function filesBase(agentId: string): string {
  return `/api/agents/${encodeURIComponent(agentId)}/files`;
}

export function fileTreeUrl(agentId: string, options: { hidden?: boolean } = {}): string {
  return options.hidden ? `${filesBase(agentId)}?hidden=1` : filesBase(agentId);
}

export function fileContentUrl(agentId: string, path: string, options: { download?: boolean; preview?: boolean; version?: string } = {}): string {
  const query = new URLSearchParams({ path });
  if (options.download) query.set("download", "1");
  if (options.preview) query.set("preview", "1");
  // Agents overwrite plots in place; the modification time in the URL keeps the browser from showing an old one.
  if (options.version) query.set("v", options.version);
  return `${filesBase(agentId)}/content?${query.toString()}`;
}

export function fileLinkUrl(agentId: string, path: string): string {
  return `${filesBase(agentId)}/link?${new URLSearchParams({ path }).toString()}`;
}

export function fileArchiveUrl(agentId: string, folder = ""): string {
  return folder === "" ? `${filesBase(agentId)}/archive` : `${filesBase(agentId)}/archive?${new URLSearchParams({ path: folder }).toString()}`;
}

export function fileUploadUrl(agentId: string, path: string): string {
  return `${filesBase(agentId)}?${new URLSearchParams({ path }).toString()}`;
}
