import type { AgentResponse } from "./agent-api";
import { apiFetch } from "./api-client";
import type { RunWebhookDelivery, Schedule, ScheduleFire, ScheduleInput } from "./records";

/**
 * The browser's client for an agent's schedules. Schedules are part of the agent's configuration:
 * they are read with their next run time from /schedules and saved as an agent edit (PATCH
 * /api/agents/{id} with expectedVersion), so every change makes a version.
 */

export interface ScheduleWithStatus extends Schedule {
  /** When it runs next (ISO); null while turned off. */
  nextRunAt: string | null;
  lastFire: ScheduleFire | null;
  /** What became of the webhook after the last fire's run; null without a webhook or before it settled. */
  lastWebhook: RunWebhookDelivery | null;
}

export interface SchedulesResponse {
  schedules: ScheduleWithStatus[];
  /** Signs webhook bodies; shown to the owner only. Null until a schedule has a webhook. */
  webhookSecret: string | null;
}

/** A schedule as saved: a new one has no id yet (the server gives it one). */
export type ScheduleDraft = ScheduleInput;

export interface RunNowResponse {
  runId: string;
  conversationId: string;
}

/**
 * records.ts's maxSchedulesPerAgent, repeated because importing records.ts at run time brings zod
 * and every record schema into the page (a unit test keeps the two equal).
 */
export const schedulesPerAgentLimit = 10;

const agentUrl = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}`;

export function fetchSchedules(agentId: string): Promise<SchedulesResponse> {
  return apiFetch<SchedulesResponse>(`${agentUrl(agentId)}/schedules`);
}

/** Replaces the agent's whole schedule list; answers the agent at its new version. */
export function saveSchedules(agentId: string, schedules: ScheduleDraft[], expectedVersion: number): Promise<AgentResponse> {
  return apiFetch<AgentResponse>(agentUrl(agentId), { method: "PATCH", json: { schedules: schedules.map(toSavedSchedule), expectedVersion } });
}

export function runScheduleNow(agentId: string, scheduleId: string): Promise<RunNowResponse> {
  return apiFetch<RunNowResponse>(`${agentUrl(agentId)}/schedules/${encodeURIComponent(scheduleId)}/run`, { method: "POST" });
}

/** Only the stored fields: the status the list shows beside them is not part of the configuration. */
export function toSavedSchedule(schedule: ScheduleDraft | ScheduleWithStatus): ScheduleDraft {
  const { id, cron, timezone, prompt, enabled, missedRunPolicy, webhookUrl } = schedule;
  return { ...(id ? { id } : {}), cron, timezone, prompt, enabled, missedRunPolicy, ...(webhookUrl ? { webhookUrl } : {}) };
}

export const missedRunPolicyChoices = [
  {
    value: "skip",
    label: "Skip it",
    hint: "If the platform was down when a run was due, that run is dropped and the next one happens on time.",
  },
  {
    value: "catch_up_once",
    label: "Catch up once",
    hint: "If one or more runs were missed while the platform was down, it runs once as soon as it is back, then carries on as usual.",
  },
] as const satisfies readonly { value: Schedule["missedRunPolicy"]; label: string; hint: string }[];

/**
 * The headers a schedule's webhook POST carries (server/notifications/webhook-delivery.ts):
 * the signature is `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + raw body).
 */
export const webhookSignatureHeader = "X-AgentDesk-Signature";
export const webhookTimestampHeader = "X-AgentDesk-Timestamp";
