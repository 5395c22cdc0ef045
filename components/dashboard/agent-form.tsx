"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import type { AgentEdit } from "@/lib/agent-api";
import { modelChoices } from "@/lib/agent-choices";
import { asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { ErrorPayload } from "@/lib/errors";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/input";
import { SelectField } from "@/components/ui/select";
import { TextareaField } from "@/components/ui/textarea";

export interface AgentFormValues {
  name: string;
  description: string;
  instructions: string;
  model: string;
}

type FieldName = keyof AgentFormValues;
const fieldNames: readonly FieldName[] = ["name", "description", "instructions", "model"];

/** The listed models, plus the server's default and the agent's current model when they are not listed. */
export function modelOptions(current: string, defaultModel: string | null): { value: string; label: string }[] {
  const options = modelChoices.map((choice) => ({
    value: choice.id,
    label: choice.id === defaultModel ? `${choice.label} (default)` : choice.label,
  }));
  for (const extra of [defaultModel, current]) {
    if (extra && !options.some((option) => option.value === extra)) {
      options.push({ value: extra, label: extra === defaultModel ? `${extra} (default)` : extra });
    }
  }
  return options;
}

/** Only what changed, so an edit does not overwrite fields another tab changed meanwhile for nothing. */
export function changedFields(initial: AgentFormValues, values: AgentFormValues): AgentEdit {
  const edit: AgentEdit = {};
  for (const field of fieldNames) {
    const value = field === "name" ? values.name.trim() : values[field];
    if (value !== initial[field]) edit[field] = value;
  }
  return edit;
}

/**
 * Name, description, instructions and model, for creating a blank agent and for editing one.
 * `onSubmit` throws ApiError on failure: field problems appear under their fields, anything else
 * above the buttons (with `errorAction`, e.g. reloading after a conflict).
 */
export function AgentForm({
  initial,
  defaultModel,
  submitLabel,
  submittingLabel,
  onSubmit,
  onCancel,
  errorAction,
}: {
  initial: AgentFormValues;
  defaultModel: string | null;
  submitLabel: string;
  submittingLabel: string;
  onSubmit: (values: AgentFormValues) => Promise<void>;
  onCancel: () => void;
  errorAction?: (error: ErrorPayload) => ReactNode;
}) {
  const [values, setValues] = useState(initial);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);

  const fieldError = (field: FieldName) => {
    const issue = error?.issues?.find((candidate) => candidate.path === field);
    return issue ? `${field === "name" ? "The name" : `The ${field}`} ${issue.message}.` : undefined;
  };
  const update = (field: FieldName) => (event: { target: { value: string } }) => setValues((current) => ({ ...current, [field]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (values.name.trim() === "") {
      setError({ code: "bad_request", message: "Give the agent a name.", issues: [{ path: "name", message: "must not be empty" }] });
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      await onSubmit(values);
    } catch (caught) {
      setError(asErrorPayload(caught));
      setSubmitting(false);
    }
  };

  const fieldLevelOnly = error?.issues?.every((issue) => fieldNames.includes(issue.path as FieldName)) ?? false;
  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4" aria-busy={submitting || undefined}>
      <TextField
        label="Name"
        name="name"
        value={values.name}
        onChange={update("name")}
        maxLength={100}
        required
        autoComplete="off"
        placeholder="e.g. Monthly sales analyst"
        error={fieldError("name")}
      />
      <TextareaField
        label="Description"
        name="description"
        value={values.description}
        onChange={update("description")}
        maxLength={2000}
        rows={2}
        hint="One sentence on what this agent is for. It appears on the agent's card."
        error={fieldError("description")}
      />
      <TextareaField
        label="Instructions"
        name="instructions"
        value={values.instructions}
        onChange={update("instructions")}
        maxLength={50_000}
        rows={7}
        hint="Tell the agent what to do and how, as you would brief a new colleague: its job, the files it works with, how to present results."
        error={fieldError("instructions")}
      />
      <SelectField
        label="AI model"
        name="model"
        value={values.model}
        onChange={update("model")}
        options={modelOptions(values.model, defaultModel)}
        hint="Balanced suits most work. Switch to the most capable model for hard analyses."
        error={fieldError("model")}
      />

      {error && !fieldLevelOnly ? (
        <div role="alert" className="rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
          <p>{errorMessageFor(error)}</p>
          {errorAction ? <div className="mt-2">{errorAction(error)}</div> : null}
        </div>
      ) : null}

      {/* Kept in view while a long form scrolls inside the dialog. */}
      <div className="sticky bottom-0 -mx-5 -mb-5 flex flex-col-reverse gap-2 border-t border-border bg-surface px-5 py-3 sm:-mx-6 sm:-mb-6 sm:flex-row sm:justify-end sm:px-6">
        <Button variant="secondary" onClick={onCancel} disabled={submitting}>
          Cancel
        </Button>
        <Button variant="primary" type="submit" disabled={submitting}>
          {submitting ? submittingLabel : submitLabel}
        </Button>
      </div>
    </form>
  );
}
