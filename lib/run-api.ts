import { apiFetch } from "./api-client";
import type { Run, RunTrigger } from "./records";

/** A run as the run history shows it: the run, its prompt, its conversation's title, its output and the files it made. */
export interface RunSummary extends Run {
  conversationTitle: string;
  /** What started it: the message it answered (a scheduled run's is its schedule's prompt). */
  prompt: string;
  outputPreview: string;
  /** Paths inside the agent's folder. */
  files: string[];
}

/** One calendar month (UTC, "2026-12") of an agent's use by its owner. */
export interface AgentUsageMonth {
  month: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AgentUsageResponse {
  months: AgentUsageMonth[];
}

export function fetchAgentUsage(agentId: string): Promise<AgentUsageResponse> {
  return apiFetch<AgentUsageResponse>(`/api/agents/${encodeURIComponent(agentId)}/usage`);
}

export interface RunListResponse {
  runs: RunSummary[];
}

export function fetchRuns(agentId: string, options: { trigger?: RunTrigger; limit?: number } = {}): Promise<RunListResponse> {
  const query = new URLSearchParams();
  if (options.trigger) query.set("trigger", options.trigger);
  if (options.limit) query.set("limit", String(options.limit));
  const suffix = query.size > 0 ? `?${query}` : "";
  return apiFetch<RunListResponse>(`/api/agents/${encodeURIComponent(agentId)}/runs${suffix}`);
}

/** "1.4 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return ms < 10_000 ? `${(ms / 1_000).toFixed(1)} s` : `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 60)} h`;
}

/** "$0.0123" below a cent, "$1.25" above. */
export function formatCost(usd: number): string {
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "Tue 25 Nov, 09:00" in the browser's time zone and language. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}
