import type { AgentResponse } from "./agent-api";
import { apiFetch } from "./api-client";
import type { AgentVersion } from "./records";

/** The browser's client for an agent's versions and rollback. */

export interface AgentVersionEntry extends AgentVersion {
  createdByName: string | null;
}

export interface VersionListResponse {
  versions: AgentVersionEntry[];
}

const agentUrl = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}`;

export function fetchVersions(agentId: string): Promise<VersionListResponse> {
  return apiFetch<VersionListResponse>(`${agentUrl(agentId)}/versions`);
}

/** Makes a new version whose configuration is `version`'s; answers the agent at that new version. */
export function rollbackToVersion(agentId: string, version: number, expectedVersion: number): Promise<AgentResponse> {
  return apiFetch<AgentResponse>(`${agentUrl(agentId)}/rollback`, { method: "POST", json: { version, expectedVersion } });
}
