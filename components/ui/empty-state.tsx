import type { ReactNode } from "react";

/** What to show where a list is empty: what happened, and what to do next. */
export function EmptyState({
  icon,
  title,
  description,
  children,
  className = "",
}: {
  icon?: ReactNode;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  className?: string;
}) {
  return (
    <div className={`rounded-card border border-dashed border-border bg-surface px-6 py-10 text-center shadow-card ${className}`}>
      {icon ? (
        <div aria-hidden className="mx-auto mb-3 grid h-12 w-12 place-items-center rounded-full bg-surface-muted text-2xl">
          {icon}
        </div>
      ) : null}
      <h2 className="text-base font-semibold text-ink">{title}</h2>
      {description ? <p className="mx-auto mt-2 max-w-prose text-sm text-ink-muted">{description}</p> : null}
      {children ? <div className="mt-6">{children}</div> : null}
    </div>
  );
}
