/**
 * Friendly schedule presets ↔ 5-field cron (minute hour day-of-month month day-of-week), and a cron
 * described in words. The server validates every cron with cron-parser; this module only helps a
 * person pick one and read it, without loading a cron library into the page.
 */

export type SchedulePreset =
  | { kind: "minutes"; every: number }
  | { kind: "hours"; every: number; minute: number }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "weekdays"; hour: number; minute: number }
  | { kind: "weekly"; weekday: number; hour: number; minute: number }
  | { kind: "custom"; cron: string };

export type SchedulePresetKind = SchedulePreset["kind"];

export const presetKindChoices: readonly { value: SchedulePresetKind; label: string }[] = [
  { value: "minutes", label: "Every few minutes" },
  { value: "hourly", label: "Every hour" },
  { value: "hours", label: "Every few hours" },
  { value: "daily", label: "Every day" },
  { value: "weekdays", label: "Every weekday (Monday to Friday)" },
  { value: "weekly", label: "Once a week" },
  { value: "custom", label: "Custom (cron expression)" },
];

/** Index = cron day-of-week number (0 = Sunday; cron also accepts 7 for Sunday). */
export const weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const weekdayAbbreviations = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const monthAbbreviations = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

export function presetToCron(preset: SchedulePreset): string {
  switch (preset.kind) {
    case "minutes":
      return preset.every === 1 ? "* * * * *" : `*/${preset.every} * * * *`;
    case "hours":
      return `${preset.minute} */${preset.every} * * *`;
    case "hourly":
      return `${preset.minute} * * * *`;
    case "daily":
      return `${preset.minute} ${preset.hour} * * *`;
    case "weekdays":
      return `${preset.minute} ${preset.hour} * * 1-5`;
    case "weekly":
      return `${preset.minute} ${preset.hour} * * ${preset.weekday}`;
    case "custom":
      return normalizeCron(preset.cron);
  }
}

/** The preset a cron stands for, so editing a schedule opens on the friendly form when it can. */
export function cronToPreset(cron: string): SchedulePreset {
  const fields = splitCron(cron);
  if (!fields) return { kind: "custom", cron };
  const [minuteField, hourField, dayField, monthField, weekdayField] = fields;
  const minuteStep = stepOf(minuteField);
  if (minuteStep !== null && minuteStep >= 1 && minuteStep <= 59 && hourField === "*" && dayField === "*" && monthField === "*" && weekdayField === "*") {
    return { kind: "minutes", every: minuteStep };
  }
  const minute = singleNumber(minuteField, 0, 59);
  if (minute === null || dayField !== "*" || monthField !== "*") return { kind: "custom", cron };
  if (hourField === "*" && weekdayField === "*") return { kind: "hourly", minute };
  const hourStep = hourField === "*" ? null : stepOf(hourField);
  if (hourStep !== null && hourStep >= 2 && hourStep <= 23 && weekdayField === "*") return { kind: "hours", every: hourStep, minute };
  const hour = singleNumber(hourField, 0, 23);
  if (hour === null) return { kind: "custom", cron };
  if (weekdayField === "*") return { kind: "daily", hour, minute };
  if (weekdayField === "1-5") return { kind: "weekdays", hour, minute };
  const weekday = weekdayNumber(weekdayField);
  if (weekday !== null) return { kind: "weekly", weekday, hour, minute };
  return { kind: "custom", cron };
}

/** A sentence-case description: "Every weekday at 09:00 (Europe/Berlin)". */
export function describeCron(cron: string, timezone?: string): string {
  const words = describeCronFields(cron);
  return timezone ? `${words} (${timezone})` : words;
}

/** Why a cron cannot be used, in words; null when its shape is fine (the server has the last word). */
export function cronProblem(cron: string): string | null {
  const fields = splitCron(cron);
  if (!fields) return "Use five fields separated by spaces: minute, hour, day of month, month, day of week (e.g. “*/15 * * * *”).";
  const limits: [string, number, number, string[]?][] = [
    ["minute", 0, 59],
    ["hour", 0, 23],
    ["day of month", 1, 31],
    ["month", 1, 12, monthAbbreviations],
    ["day of week", 0, 7, weekdayAbbreviations],
  ];
  for (const [index, [name, min, max, names]] of limits.entries()) {
    const field = fields[index] ?? "";
    if (!validField(field, min, max, names)) return `The ${name} field “${field}” is not valid: use a number from ${min} to ${max}, a range (1-5), a list (1,3), a step (*/10) or *.`;
  }
  return null;
}

/** The browser's IANA time zone, e.g. "Europe/Berlin"; UTC when the browser does not say. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** IANA zones the browser knows, for the time zone picker (falls back to the given one alone). */
export function knownTimeZones(current: string): string[] {
  const supported = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zones = new Set<string>([...supported, "UTC", current]);
  return [...zones].sort((a, b) => a.localeCompare(b));
}

export function formatClock(hour: number, minute: number): string {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** "09:30" → { hour: 9, minute: 30 }; null when it is not a time of day. */
export function parseClock(text: string): { hour: number; minute: number } | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

// ── Describing ───────────────────────────────────────────────────────────────────────────────────

function describeCronFields(cron: string): string {
  const fields = splitCron(cron);
  if (!fields || cronProblem(cron)) return `Custom schedule “${cron.trim()}”`;
  const [minuteField, hourField, dayField, monthField, weekdayField] = fields;

  const when = describeTimeOfDay(minuteField, hourField);
  if (!when) return `Custom schedule “${normalizeCron(cron)}”`;

  const days = describeDays(dayField, monthField, weekdayField);
  if (days === null) return `Custom schedule “${normalizeCron(cron)}”`;
  if (when.kind === "repeating") return days ? `${when.text}, ${days}` : when.text;
  return days ? `${capitalize(days)} at ${when.text}` : `Every day at ${when.text}`;
}

type TimeOfDay = { kind: "repeating"; text: string } | { kind: "clock"; text: string };

function describeTimeOfDay(minuteField: string, hourField: string): TimeOfDay | null {
  if (minuteField === "*" && hourField === "*") return { kind: "repeating", text: "Every minute" };
  const minuteStep = stepOf(minuteField);
  if (minuteStep !== null && hourField === "*") return { kind: "repeating", text: minuteStep === 1 ? "Every minute" : `Every ${minuteStep} minutes` };
  const minutes = numberList(minuteField, 0, 59);
  if (!minutes) return null;
  if (hourField === "*") {
    const past = minutes.map((minute) => `:${String(minute).padStart(2, "0")}`);
    return { kind: "repeating", text: `Every hour at ${joinWords(past)}` };
  }
  const hourStep = stepOf(hourField);
  if (hourStep !== null && minutes.length === 1) {
    const past = `:${String(minutes[0]).padStart(2, "0")}`;
    return { kind: "repeating", text: hourStep === 1 ? `Every hour at ${past}` : `Every ${hourStep} hours at ${past}` };
  }
  const hours = numberList(hourField, 0, 23);
  if (!hours || hours.length * minutes.length > 6) return null;
  const clocks = hours.flatMap((hour) => minutes.map((minute) => formatClock(hour, minute)));
  return { kind: "clock", text: joinWords(clocks) };
}

/** "" for every day; a phrase ("every weekday", "on day 1 of every month"); null when too unusual to say. */
function describeDays(dayField: string, monthField: string, weekdayField: string): string | null {
  let days: string;
  if (dayField === "*" && (weekdayField === "*" || weekdayField === "0-6" || weekdayField === "0-7")) days = "";
  else if (dayField === "*") {
    if (/^(1-5|mon-fri)$/i.test(weekdayField)) days = "every weekday";
    else if (/^(0,6|6,0|6,7|sat,sun|sun,sat)$/i.test(weekdayField)) days = "every Saturday and Sunday";
    else {
      const weekdays = numberList(weekdayField, 0, 7, weekdayAbbreviations);
      if (!weekdays) return null;
      const unique = [...new Set(weekdays.map((day) => day % 7))].sort((a, b) => a - b);
      days = `every ${joinWords(unique.map((day) => weekdayNames[day] ?? String(day)))}`;
    }
  } else if (weekdayField === "*") {
    const monthDays = numberList(dayField, 1, 31);
    if (!monthDays) return null;
    days = `on day ${joinWords(monthDays.map(String))} of every month`;
  } else return null;

  if (monthField === "*") return days;
  const months = numberList(monthField, 1, 12, monthAbbreviations);
  if (!months) return null;
  const inMonths = `in ${joinWords(months.map((month) => monthNames[month - 1] ?? String(month)))}`;
  if (!days) return `every day ${inMonths}`;
  return days.endsWith("of every month") ? `${days.replace(" of every month", "")} ${inMonths}` : `${days} ${inMonths}`;
}

// ── Parsing ──────────────────────────────────────────────────────────────────────────────────────

function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(" ");
}

function splitCron(cron: string): [string, string, string, string, string] | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || fields.some((field) => field === "")) return null;
  return fields as [string, string, string, string, string];
}

function valueOf(text: string, min: number, max: number, names?: string[]): number | null {
  const lower = text.toLowerCase();
  if (names) {
    const named = names.indexOf(lower);
    // Month names count from 1, weekday names from 0.
    if (named >= 0) return min === 1 ? named + 1 : named;
  }
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

function validField(field: string, min: number, max: number, names?: string[]): boolean {
  return field.split(",").every((part) => {
    const [range = "", step, ...rest] = part.split("/");
    if (rest.length > 0) return false;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
    if (range === "*") return true;
    const bounds = range.split("-");
    if (bounds.length > 2) return false;
    const values = bounds.map((bound) => valueOf(bound, min, max, names));
    if (values.some((value) => value === null)) return false;
    return values.length === 1 || (values[0] as number) <= (values[1] as number);
  });
}

/** "*\/15" → 15; "*" → 1; anything else → null. */
function stepOf(field: string): number | null {
  if (field === "*") return 1;
  const match = /^\*\/(\d+)$/.exec(field);
  return match ? Number(match[1]) : null;
}

function singleNumber(field: string, min: number, max: number): number | null {
  return /^\d+$/.test(field) ? valueOf(field, min, max) : null;
}

function weekdayNumber(field: string): number | null {
  const value = valueOf(field, 0, 7, weekdayAbbreviations);
  return value === null ? null : value % 7;
}

/** "1,3-5" → [1,3,4,5]; null for steps or anything not a plain list of values and ranges. */
function numberList(field: string, min: number, max: number, names?: string[]): number[] | null {
  const values: number[] = [];
  for (const part of field.split(",")) {
    const bounds = part.split("-");
    if (bounds.length > 2) return null;
    const [from, to] = bounds.map((bound) => valueOf(bound, min, max, names));
    if (from === null || from === undefined || to === null) return null;
    const end = to ?? from;
    if (end < from) return null;
    for (let value = from; value <= end; value++) values.push(value);
  }
  return values;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
