import { AppError } from "../../lib/errors";
import { recordIdSchema } from "../../lib/records";
import type { AgentUsageResponse, RunListResponse } from "../../lib/run-api";
import type { RunNowResponse, SchedulesResponse } from "../../lib/schedule-api";
import { findOwnedAgent, type ActingUser } from "../agents/agent-ownership";
import { parseInput } from "../http/parse-query";
import type { PlatformStore } from "../store/store";
import { listRunsQuerySchema, summarizeRuns, summarizeUsage } from "./run-history";
import { nextRunAt } from "./schedule-rules";
import type { Scheduler } from "./scheduler";

/**
 * What the REST routes for schedules and run history call. Editing schedules is an agent edit
 * (PATCH /api/agents/{id}); these read their state and start a run by hand. The answers' types
 * are the ones the browser's clients declare (lib/schedule-api.ts, lib/run-api.ts).
 */

export interface ScheduleService {
  /** The agent's schedules with when each runs next and how its latest fire went; the secret for the owner. */
  list(user: ActingUser, agentId: string): Promise<SchedulesResponse>;
  /** "Run now": starts the schedule's prompt at once, in a new conversation; 409 while its last run goes on. */
  runNow(user: ActingUser, agentId: string, scheduleId: string): Promise<RunNowResponse>;
  listRuns(user: ActingUser, agentId: string, query: Record<string, string>): Promise<RunListResponse>;
  /** Turns, tokens and cost per month, from the same runs the history lists. */
  usage(user: ActingUser, agentId: string): Promise<AgentUsageResponse>;
}

/** `scheduler` is absent where a server runs no scheduled runs (tests that build part of the platform). */
export function createScheduleService({ store, scheduler }: { store: PlatformStore; scheduler?: Scheduler }): ScheduleService {
  return {
    async list(user, agentId) {
      const agent = await findOwnedAgent(store, user, agentId);
      const now = new Date();
      const schedules = await Promise.all(
        agent.schedules.map(async (schedule) => {
          const latest = await store.latestScheduleFire(agent.id, schedule.id);
          // A fire its server never finished shows how its run really ended.
          const lastFire = latest && scheduler ? await scheduler.reconcileFire(latest).catch(() => latest) : latest;
          const next = schedule.enabled ? nextRunAt(schedule, now) : null;
          const lastRun = lastFire?.runId ? await store.getRun(lastFire.runId).catch(() => null) : null;
          return { ...schedule, nextRunAt: next ? next.toISOString() : null, lastFire, lastWebhook: lastRun?.webhook ?? null };
        }),
      );
      return { schedules, webhookSecret: agent.webhookSecret ?? null };
    },

    async runNow(user, agentId, scheduleId) {
      const agent = await findOwnedAgent(store, user, agentId);
      if (!recordIdSchema.safeParse(scheduleId).success) throw new AppError("not_found", "This schedule does not exist.");
      if (!scheduler) throw new AppError("internal", "The scheduler is not running on this server.");
      const { runId, conversationId } = await scheduler.runNow(agent, scheduleId);
      return { runId, conversationId };
    },

    async listRuns(user, agentId, query) {
      const parsed = parseInput(listRunsQuerySchema, query);
      const agent = await findOwnedAgent(store, user, agentId);
      return { runs: await summarizeRuns(store, agent.id, user.userId, parsed) };
    },

    async usage(user, agentId) {
      const agent = await findOwnedAgent(store, user, agentId);
      return { months: await summarizeUsage(store, agent.id, user.userId) };
    },
  };
}
