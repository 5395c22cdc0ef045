import { CronExpressionParser, type CronExpression } from "cron-parser";
import { AppError } from "../../lib/errors";
import type { Schedule, ScheduleInput } from "../../lib/records";

/**
 * What makes a schedule valid, and when it runs: the one place that reads cron expressions on the
 * server. Saving an agent's schedules validates them here; the scheduler asks here for the next
 * and the latest slot. Times are wall-clock times in the schedule's own time zone.
 */

type Issue = { path: string; message: string };
type Timing = Pick<Schedule, "cron" | "timezone">;

const cronHelp = "Use 5 fields: minute hour day-of-month month day-of-week, for example 0 9 * * 1-5 (weekdays at 9:00).";
const minutesPerDay = 24 * 60;

/** True for IANA names the runtime knows (Europe/Paris, America/New_York, UTC). */
export function isKnownTimeZone(timezone: string): boolean {
  if (timezone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function parseCron(timing: Timing, currentDate?: Date): CronExpression {
  return CronExpressionParser.parse(timing.cron.trim(), { tz: timing.timezone, currentDate: currentDate ?? new Date() });
}

/**
 * The shortest gap, in seconds, the expression can leave between two runs on the clock: the
 * closest two times of day, or the last run of a day and the first of the next. (It assumes two
 * consecutive days may both run, so it errs on the strict side; daylight-saving jumps aside.)
 */
export function shortestIntervalSeconds(timing: Timing): number {
  const { minute, hour } = parseCron(timing).fields;
  const minutesOfDay = new Set<number>();
  for (const h of hour.values) {
    for (const m of minute.values) {
      if (typeof h === "number" && typeof m === "number") minutesOfDay.add(h * 60 + m);
    }
  }
  const times = [...minutesOfDay].sort((a, b) => a - b);
  if (times.length === 0) return minutesPerDay * 60;
  let shortest = minutesPerDay - times[times.length - 1]! + times[0]!;
  for (let index = 1; index < times.length; index += 1) shortest = Math.min(shortest, times[index]! - times[index - 1]!);
  return shortest * 60;
}

/** The problems with one schedule, each with its field path under `path` (empty when it is fine). */
export function scheduleIssues(schedule: Pick<ScheduleInput, "cron" | "timezone">, minIntervalSeconds: number, path = ""): Issue[] {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const issues: Issue[] = [];
  const timezoneKnown = isKnownTimeZone(schedule.timezone);
  if (!timezoneKnown) {
    issues.push({ path: at("timezone"), message: `"${schedule.timezone}" is not a time zone we know. Use an IANA name such as Europe/Paris or America/New_York.` });
  }
  const fields = schedule.cron.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    issues.push({ path: at("cron"), message: `has ${fields.length} field${fields.length === 1 ? "" : "s"}. ${cronHelp}` });
    return issues;
  }
  const timing = { cron: schedule.cron, timezone: timezoneKnown ? schedule.timezone : "UTC" };
  try {
    parseCron(timing).next();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    issues.push({ path: at("cron"), message: `"${schedule.cron}" is not a cron expression that ever runs (${reason}). ${cronHelp}` });
    return issues;
  }
  const interval = shortestIntervalSeconds(timing);
  if (interval < minIntervalSeconds) {
    issues.push({
      path: at("cron"),
      message: `would run every ${describeSeconds(interval)}; schedules may run at most once every ${describeSeconds(minIntervalSeconds)}.`,
    });
  }
  return issues;
}

/** Throws bad_request with one issue per problem, paths like schedules.0.cron. */
export function validateSchedule(schedule: Pick<ScheduleInput, "cron" | "timezone">, minIntervalSeconds: number, path = ""): void {
  throwIfAny(scheduleIssues(schedule, minIntervalSeconds, path));
}

/** Every schedule of an agent; ids, where present, must be distinct. */
export function validateSchedules(schedules: readonly Pick<ScheduleInput, "id" | "cron" | "timezone">[], minIntervalSeconds: number): void {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  schedules.forEach((schedule, index) => {
    issues.push(...scheduleIssues(schedule, minIntervalSeconds, `schedules.${index}`));
    if (schedule.id === undefined) return;
    if (seen.has(schedule.id)) issues.push({ path: `schedules.${index}.id`, message: "is used by another schedule of this agent" });
    seen.add(schedule.id);
  });
  throwIfAny(issues);
}

function throwIfAny(issues: Issue[]): void {
  const first = issues[0];
  if (!first) return;
  throw new AppError("bad_request", `Invalid schedule: ${first.path} ${first.message}`, { issues });
}

/** The first run strictly after `after`; null when the expression never runs again (or is invalid). */
export function nextRunAt(schedule: Timing, after: Date): Date | null {
  return nextRunTimes(schedule, after, 1)[0] ?? null;
}

/** Up to `count` runs strictly after `after`, in order. */
export function nextRunTimes(schedule: Timing, after: Date, count: number): Date[] {
  try {
    const expression = parseCron(schedule, after);
    const times: Date[] = [];
    while (times.length < count && expression.hasNext()) times.push(expression.next().toDate());
    return times;
  } catch {
    return [];
  }
}

/** The latest run at or before `atOrBefore` (a slot exactly then counts); null when there is none. */
export function previousRunAt(schedule: Timing, atOrBefore: Date): Date | null {
  try {
    // prev() looks strictly before its current date: one millisecond later includes the instant itself.
    return parseCron(schedule, new Date(atOrBefore.getTime() + 1)).prev().toDate();
  } catch {
    return null;
  }
}

function describeSeconds(seconds: number): string {
  if (seconds % 3_600 === 0) return seconds === 3_600 ? "hour" : `${seconds / 3_600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}
