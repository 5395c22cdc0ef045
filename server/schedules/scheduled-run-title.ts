import type { Schedule } from "../../lib/records";

const promptPartLength = 40;

/** "25 Nov 09:00" in the schedule's own time zone: the time the owner chose, as they think of it. */
export function formatSlot(slot: Date, timezone: string): string {
  const format = (zone: string) =>
    new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(slot);
  let text: string;
  try {
    text = format(timezone);
  } catch {
    // A zone this Node build does not know: UTC, said as such, rather than no title at all.
    text = `${format("UTC")} UTC`;
  }
  return text.replace(",", "");
}

/** A scheduled run's conversation title, e.g. "Pull yesterday's sales and update… · 25 Nov 09:00". */
export function scheduledRunTitle(schedule: Pick<Schedule, "prompt" | "timezone">, slot: Date): string {
  const oneLine = schedule.prompt.replace(/\s+/g, " ").trim();
  const promptPart = oneLine.length <= promptPartLength ? oneLine : `${oneLine.slice(0, promptPartLength - 1).trimEnd()}…`;
  return `${promptPart} · ${formatSlot(slot, schedule.timezone)}`;
}
