import { diffLines } from "diff";
import { modelName } from "./agent-choices";
import type { AgentConfig, Schedule } from "./records";
import { describeCron } from "./schedule-presets";

/** What changed between two versions of an agent, in the shape the versions panel shows. */
export interface AgentVersionDiff {
  fields: FieldChange[];
  /** Null when the instructions are the same in both. */
  instructions: InstructionLine[] | null;
  schedules: ScheduleChanges;
}

export interface FieldChange {
  field: "name" | "model" | "description";
  label: string;
  before: string;
  after: string;
}

export interface InstructionLine {
  change: "added" | "removed" | "same";
  text: string;
}

export interface ScheduleChanges {
  added: Schedule[];
  removed: Schedule[];
  changed: { before: Schedule; after: Schedule; changes: string[] }[];
}

const fieldLabels: readonly [FieldChange["field"], string][] = [
  ["name", "Name"],
  ["model", "Model"],
  ["description", "Description"],
];

/** From `before` (the older version, usually) to `after`. */
export function diffAgentVersions(before: AgentConfig, after: AgentConfig): AgentVersionDiff {
  const fields = fieldLabels
    .filter(([field]) => before[field] !== after[field])
    .map(([field, label]) => {
      const shown = field === "model" ? modelName : (value: string) => value;
      return { field, label, before: shown(before[field]), after: shown(after[field]) };
    });
  return {
    fields,
    instructions: before.instructions === after.instructions ? null : diffInstructions(before.instructions, after.instructions),
    schedules: diffSchedules(before.schedules ?? [], after.schedules ?? []),
  };
}

export function hasChanges(diff: AgentVersionDiff): boolean {
  const { added, removed, changed } = diff.schedules;
  return diff.fields.length > 0 || diff.instructions !== null || added.length + removed.length + changed.length > 0;
}

function diffInstructions(before: string, after: string): InstructionLine[] {
  const lines: InstructionLine[] = [];
  for (const part of diffLines(withFinalNewline(before), withFinalNewline(after))) {
    const change = part.added ? "added" : part.removed ? "removed" : "same";
    for (const text of part.value.replace(/\n$/, "").split("\n")) lines.push({ change, text });
  }
  return lines;
}

// Without it, "a" → "a\nb" would show line "a" as removed and re-added.
function withFinalNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** Schedules pair up by id: the same id in both is the same schedule, changed or not. */
function diffSchedules(before: Schedule[], after: Schedule[]): ScheduleChanges {
  const beforeById = new Map(before.map((schedule) => [schedule.id, schedule]));
  const afterIds = new Set(after.map((schedule) => schedule.id));
  const changes: ScheduleChanges = { added: [], removed: before.filter((schedule) => !afterIds.has(schedule.id)), changed: [] };
  for (const schedule of after) {
    const old = beforeById.get(schedule.id);
    if (!old) {
      changes.added.push(schedule);
      continue;
    }
    const differences = describeScheduleChanges(old, schedule);
    if (differences.length > 0) changes.changed.push({ before: old, after: schedule, changes: differences });
  }
  return changes;
}

function describeScheduleChanges(before: Schedule, after: Schedule): string[] {
  const changes: string[] = [];
  if (before.cron !== after.cron || before.timezone !== after.timezone) {
    changes.push(`When: ${describeCron(before.cron, before.timezone)} → ${describeCron(after.cron, after.timezone)}`);
  }
  if (before.prompt !== after.prompt) changes.push(`Prompt: “${before.prompt}” → “${after.prompt}”`);
  if (before.enabled !== after.enabled) changes.push(after.enabled ? "Turned on" : "Turned off");
  if (before.missedRunPolicy !== after.missedRunPolicy) {
    changes.push(after.missedRunPolicy === "catch_up_once" ? "Missed runs: now caught up once" : "Missed runs: now skipped");
  }
  if ((before.webhookUrl ?? "") !== (after.webhookUrl ?? "")) {
    changes.push(after.webhookUrl ? (before.webhookUrl ? `Webhook: ${before.webhookUrl} → ${after.webhookUrl}` : `Webhook added: ${after.webhookUrl}`) : "Webhook removed");
  }
  return changes;
}
