import type { AgentVersion, Schedule } from "../../lib/records";

/**
 * What the scheduler does about one schedule at one moment, as pure functions of time, so the
 * rules (due slot, missed while down, never overlapping itself, never before it existed) are
 * tested with a test clock and the scheduler only carries them out.
 */

export type SlotPlan =
  | { action: "none" }
  | { action: "run"; slot: Date; missed: boolean }
  | { action: "skip"; slot: Date; reason: string };

export interface SlotPlanInput {
  schedule: Pick<Schedule, "enabled" | "missedRunPolicy">;
  now: Date;
  /** The newest cron time at or before `now` (previousRunAt), or null when there is none. */
  dueSlot: Date | null;
  /** Since when the schedule, as it is now, exists and is on: slots before this never run. */
  activeSince: Date;
  /** A slot found later than this after its time was missed: no server was up to run it. */
  graceMs: number;
  /** The schedule's previous run is still going (on any server). */
  previousRunInProgress: boolean;
}

export const overlapReason = "The previous run of this schedule was still going, so this one was skipped (a schedule never runs twice at once).";

export function missedReason(slot: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - slot.getTime()) / 60_000);
  const late = minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
  return `No server was running at ${slot.toISOString()} (found ${late} late). This schedule skips missed runs; the next one happens on time.`;
}

/** The grace window: twice the tick (a slow tick is not a missed run), and never under two minutes. */
export function missedAfterMs(tickSeconds: number): number {
  return Math.max(2 * tickSeconds * 1_000, 120_000);
}

export function planSlot(input: SlotPlanInput): SlotPlan {
  const { schedule, now, dueSlot, activeSince, graceMs } = input;
  if (!schedule.enabled || !dueSlot) return { action: "none" };
  // A slot from before the schedule existed (or before it was turned on, or had this cron) is
  // not a missed run: nobody asked for it.
  if (dueSlot.getTime() < activeSince.getTime()) return { action: "none" };
  const missed = now.getTime() - dueSlot.getTime() > graceMs;
  if (missed && schedule.missedRunPolicy === "skip") return { action: "skip", slot: dueSlot, reason: missedReason(dueSlot, now) };
  if (input.previousRunInProgress) return { action: "skip", slot: dueSlot, reason: overlapReason };
  return { action: "run", slot: dueSlot, missed };
}

/** The fields that decide when a schedule fires: a change to any of them starts it afresh. */
function sameTiming(a: Pick<Schedule, "cron" | "timezone" | "enabled">, b: Pick<Schedule, "cron" | "timezone" | "enabled">): boolean {
  return a.enabled && b.enabled && a.cron.trim() === b.cron.trim() && a.timezone === b.timezone;
}

/**
 * Since when a schedule has existed and been on with its current cron and time zone: the creation
 * time of the oldest agent version in the unbroken run of versions (newest first) that hold it so.
 * Versions are the agent's history, so this survives restarts and needs no extra record; editing
 * the prompt or the instructions does not reset it. When the history does not reach the current
 * version (not recorded), `fallback` (the agent's last edit) is used: later than the truth, so a
 * slot is at worst not caught up, never run before the schedule existed.
 */
export function scheduleActiveSince(
  schedule: Pick<Schedule, "id" | "cron" | "timezone" | "enabled">,
  currentVersion: number,
  versionsNewestFirst: readonly Pick<AgentVersion, "version" | "createdAt" | "config">[],
  fallback: Date,
): Date {
  if (versionsNewestFirst[0]?.version !== currentVersion) return fallback;
  let since: Date | null = null;
  for (const version of versionsNewestFirst) {
    const held = (version.config.schedules ?? []).find((candidate) => candidate.id === schedule.id);
    if (!held || !sameTiming(held, schedule)) break;
    since = new Date(version.createdAt);
  }
  return since ?? fallback;
}
