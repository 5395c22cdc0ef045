import type { ReactNode } from "react";

export interface FieldProps {
  label: string;
  hint?: string;
  /** Shown under the control and announced with it. */
  error?: string;
}

/** Ids a control needs so its hint and error are read out with it. */
export function fieldDescriptionIds(id: string, { hint, error }: Pick<FieldProps, "hint" | "error">): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

/** Label above, hint and error below: the frame every form control shares. */
export function Field({ id, label, hint, error, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-ink">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-ink-muted">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="text-xs font-medium text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export const controlClasses =
  "w-full rounded-md border bg-surface px-3 text-sm text-ink placeholder:text-ink-muted/80 focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-accent disabled:opacity-60";

export function borderFor(error: string | undefined): string {
  return error ? "border-danger" : "border-border";
}
