"use client";

import { useId, useMemo, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/input";
import { SelectField } from "@/components/ui/select";
import { TextareaField } from "@/components/ui/textarea";
import type { MissedRunPolicy } from "@/lib/records";
import { missedRunPolicyChoices, type ScheduleDraft, type ScheduleWithStatus } from "@/lib/schedule-api";
import {
  browserTimeZone,
  cronProblem,
  cronToPreset,
  describeCron,
  formatClock,
  knownTimeZones,
  parseClock,
  presetKindChoices,
  presetToCron,
  weekdayNames,
  type SchedulePreset,
  type SchedulePresetKind,
} from "@/lib/schedule-presets";
import type { SaveOutcome } from "@/stores/schedules-store";
import { WebhookSecret } from "./webhook-secret";

interface FormValues {
  prompt: string;
  kind: SchedulePresetKind;
  /** "HH:MM" for daily, weekdays and weekly. */
  time: string;
  minute: string;
  /** How many minutes or hours apart, for "every few minutes/hours". */
  every: string;
  weekday: string;
  cron: string;
  timezone: string;
  missedRunPolicy: MissedRunPolicy;
  enabled: boolean;
  webhookUrl: string;
}

type FieldErrors = Partial<Record<"prompt" | "time" | "minute" | "every" | "cron" | "timezone" | "webhookUrl", string>>;

/** Adding a schedule (`schedule` null) or editing one. Mounted only while open. */
interface ScheduleDialogProps {
  schedule: ScheduleWithStatus | null;
  webhookSecret: string | null;
  saving: boolean;
  onSave(draft: ScheduleDraft): Promise<SaveOutcome>;
  onClose(): void;
}

export function ScheduleDialog({ schedule, webhookSecret, saving, onSave, onClose }: ScheduleDialogProps) {
  return (
    <Dialog
      open
      onClose={onClose}
      title={schedule ? "Edit schedule" : "Add a schedule"}
      description="The agent runs the prompt by itself at these times, in its own workspace, and the run shows under Runs. Saving makes a new version of the agent."
    >
      <ScheduleForm schedule={schedule} webhookSecret={webhookSecret} saving={saving} onSave={onSave} onClose={onClose} />
    </Dialog>
  );
}

function initialValues(schedule: ScheduleWithStatus | null): FormValues {
  const preset: SchedulePreset = schedule ? cronToPreset(schedule.cron) : { kind: "weekdays", hour: 9, minute: 0 };
  const hour = "hour" in preset ? preset.hour : 9;
  const minute = "minute" in preset ? preset.minute : 0;
  return {
    prompt: schedule?.prompt ?? "",
    kind: preset.kind,
    time: formatClock(hour, minute),
    minute: String(minute),
    every: String("every" in preset ? preset.every : preset.kind === "custom" ? 15 : 2),
    weekday: String(preset.kind === "weekly" ? preset.weekday : 1),
    cron: schedule?.cron ?? "0 9 * * 1-5",
    timezone: schedule?.timezone ?? browserTimeZone(),
    missedRunPolicy: schedule?.missedRunPolicy ?? "skip",
    enabled: schedule?.enabled ?? true,
    webhookUrl: schedule?.webhookUrl ?? "",
  };
}

/** The cron the form stands for, or what is wrong with it. */
function cronOf(values: FormValues): { cron: string } | { errors: FieldErrors } {
  if (values.kind === "custom") {
    const problem = cronProblem(values.cron);
    return problem ? { errors: { cron: problem } } : { cron: presetToCron({ kind: "custom", cron: values.cron }) };
  }
  const every = Number(values.every);
  if (values.kind === "minutes") {
    if (!/^\d{1,2}$/.test(values.every.trim()) || every < 1 || every > 59) return { errors: { every: "Enter a number of minutes from 1 to 59." } };
    return { cron: presetToCron({ kind: "minutes", every }) };
  }
  if (values.kind === "hourly" || values.kind === "hours") {
    const minute = Number(values.minute);
    if (!/^\d{1,2}$/.test(values.minute.trim()) || minute > 59) return { errors: { minute: "Enter a minute from 0 to 59." } };
    if (values.kind === "hourly") return { cron: presetToCron({ kind: "hourly", minute }) };
    if (!/^\d{1,2}$/.test(values.every.trim()) || every < 2 || every > 23) return { errors: { every: "Enter a number of hours from 2 to 23." } };
    return { cron: presetToCron({ kind: "hours", every, minute }) };
  }
  const clock = parseClock(values.time);
  if (!clock) return { errors: { time: "Enter a time of day, like 09:00." } };
  if (values.kind === "weekly") return { cron: presetToCron({ kind: "weekly", weekday: Number(values.weekday), ...clock }) };
  return { cron: presetToCron({ kind: values.kind, ...clock }) };
}

function ScheduleForm({ schedule, webhookSecret, saving, onSave, onClose }: ScheduleDialogProps) {
  const [values, setValues] = useState<FormValues>(() => initialValues(schedule));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const timeZones = useMemo(() => knownTimeZones(values.timezone), [values.timezone]);
  const policyHintId = useId();
  const update = (patch: Partial<FormValues>) => setValues((current) => ({ ...current, ...patch }));

  const cron = cronOf(values);
  const summary = "cron" in cron ? describeCron(cron.cron, values.timezone) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = "errors" in cron ? { ...cron.errors } : {};
    if (!values.prompt.trim()) found.prompt = "Say what the agent should do on each run.";
    const webhookUrl = values.webhookUrl.trim();
    if (webhookUrl && !/^https?:\/\/\S+$/i.test(webhookUrl)) found.webhookUrl = "Enter an address starting with https:// (or http://).";
    setErrors(found);
    if (Object.keys(found).length > 0 || !("cron" in cron)) return;
    setProblem(null);
    const outcome = await onSave({
      ...(schedule ? { id: schedule.id } : {}),
      cron: cron.cron,
      timezone: values.timezone,
      prompt: values.prompt.trim(),
      enabled: values.enabled,
      missedRunPolicy: values.missedRunPolicy,
      ...(webhookUrl ? { webhookUrl } : {}),
    });
    if (outcome.ok) {
      onClose();
      return;
    }
    // The server checks cron and time zone fully: put its words next to the field they are about.
    const fieldErrors: FieldErrors = {};
    for (const issue of outcome.error.issues ?? []) {
      const field = issue.path.split(".").pop();
      if (field === "cron" || field === "timezone" || field === "prompt" || field === "webhookUrl") fieldErrors[field] = issue.message;
    }
    if (fieldErrors.cron && values.kind !== "custom") update({ kind: "custom", cron: "cron" in cron ? cron.cron : values.cron });
    setErrors(fieldErrors);
    setProblem(outcome.message);
  };

  return (
    <form className="flex flex-col gap-5" onSubmit={(event) => void submit(event)} noValidate>
      <TextareaField
        label="What the agent should do"
        hint="Written as you would ask it in the chat, e.g. “Pull yesterday’s sales from sales.csv and update the weekly chart.”"
        rows={4}
        value={values.prompt}
        error={errors.prompt}
        onChange={(event) => update({ prompt: event.target.value })}
        maxLength={10_000}
      />

      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="How often"
          options={presetKindChoices}
          value={values.kind}
          onChange={(event) => update({ kind: event.target.value as SchedulePresetKind })}
        />
        {values.kind === "minutes" || values.kind === "hours" ? (
          <TextField
            label={values.kind === "minutes" ? "Every how many minutes" : "Every how many hours"}
            type="number"
            min={values.kind === "minutes" ? 1 : 2}
            max={values.kind === "minutes" ? 59 : 23}
            inputMode="numeric"
            value={values.every}
            error={errors.every}
            onChange={(event) => update({ every: event.target.value })}
          />
        ) : null}
        {values.kind === "hourly" || values.kind === "hours" ? (
          <TextField
            label="Minutes past the hour"
            type="number"
            min={0}
            max={59}
            inputMode="numeric"
            value={values.minute}
            error={errors.minute}
            onChange={(event) => update({ minute: event.target.value })}
          />
        ) : null}
        {values.kind === "weekly" ? (
          <SelectField
            label="Day"
            options={weekdayNames.map((name, index) => ({ value: String(index), label: name }))}
            value={values.weekday}
            onChange={(event) => update({ weekday: event.target.value })}
          />
        ) : null}
        {values.kind === "daily" || values.kind === "weekdays" || values.kind === "weekly" ? (
          <TextField label="At" type="time" value={values.time} error={errors.time} onChange={(event) => update({ time: event.target.value })} />
        ) : null}
        {values.kind === "custom" ? (
          <TextField
            label="Cron expression"
            hint="Five fields: minute, hour, day of month, month, day of week. “*/15 * * * *” is every 15 minutes; “0 9 * * 1-5” is 09:00 on weekdays."
            value={values.cron}
            error={errors.cron}
            spellCheck={false}
            className="font-mono"
            onChange={(event) => update({ cron: event.target.value })}
          />
        ) : null}
      </div>

      <SelectField
        label="Time zone"
        hint="The times above are in this zone; it starts as your browser’s."
        options={timeZones.map((zone) => ({ value: zone, label: zone.replace(/_/g, " ") }))}
        value={values.timezone}
        error={errors.timezone}
        onChange={(event) => update({ timezone: event.target.value })}
      />

      <p className="rounded-md bg-surface-muted px-3 py-2 text-sm text-ink" data-testid="schedule-summary">
        {summary ? (
          <>
            <span className="text-ink-muted">Runs: </span>
            {summary}
          </>
        ) : (
          <span className="text-ink-muted">Fix the time above to see when it runs.</span>
        )}
      </p>

      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium text-ink">If a run is missed</legend>
        <p id={policyHintId} className="mb-1 text-xs text-ink-muted">
          A run can be missed only while the platform itself is down (for an update, say). Your computer can be off: runs happen on the platform.
        </p>
        {missedRunPolicyChoices.map((choice) => (
          <label
            key={choice.value}
            className={`flex items-start gap-3 rounded-md border px-3 py-2.5 ${values.missedRunPolicy === choice.value ? "border-accent bg-accent/5" : "border-border"}`}
          >
            <input
              type="radio"
              name="missedRunPolicy"
              value={choice.value}
              checked={values.missedRunPolicy === choice.value}
              onChange={() => update({ missedRunPolicy: choice.value })}
              aria-describedby={policyHintId}
              className="mt-1 accent-accent"
            />
            <span className="min-w-0">
              <span className="block text-sm font-medium text-ink">{choice.label}</span>
              <span className="block text-xs text-ink-muted">{choice.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <div className="flex flex-col gap-3">
        <TextField
          label="Webhook (optional)"
          hint="We POST a signed JSON summary to this address when each run ends, e.g. to post in a team chat."
          type="url"
          inputMode="url"
          placeholder="https://example.com/hooks/agentdesk"
          value={values.webhookUrl}
          error={errors.webhookUrl}
          onChange={(event) => update({ webhookUrl: event.target.value })}
        />
        {values.webhookUrl.trim() ? <WebhookSecret secret={webhookSecret} /> : null}
      </div>

      <label className="flex items-center gap-2 text-sm text-ink">
        <input type="checkbox" checked={values.enabled} onChange={(event) => update({ enabled: event.target.checked })} className="h-4 w-4 accent-accent" />
        Turned on (runs at the times above)
      </label>

      {problem ? (
        <p role="alert" className="rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
          {problem}
        </p>
      ) : null}

      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onClose} disabled={saving}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={saving}>
          {saving ? "Saving…" : schedule ? "Save schedule" : "Add schedule"}
        </Button>
      </div>
    </form>
  );
}
