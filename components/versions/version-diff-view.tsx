import { describeCron } from "@/lib/schedule-presets";
import { hasChanges, type AgentVersionDiff } from "@/lib/agent-version-diff";

/** What changed between two versions: fields, instructions line by line, schedules. */
export function VersionDiffView({ diff }: { diff: AgentVersionDiff }) {
  if (!hasChanges(diff)) return <p className="text-sm text-ink-muted">These two versions are the same.</p>;
  const { added, removed, changed } = diff.schedules;
  return (
    <div className="flex flex-col gap-5 text-sm" data-testid="version-diff">
      {diff.fields.length > 0 ? (
        <section className="flex flex-col gap-2">
          <h3 className="font-medium text-ink">Details</h3>
          <dl className="flex flex-col gap-2">
            {diff.fields.map((change) => (
              <div key={change.field} className="rounded-md border border-border p-2" data-testid="field-change">
                <dt className="text-xs text-ink-muted">{change.label}</dt>
                <dd className="mt-1 flex flex-col gap-1">
                  <span className="rounded bg-danger/10 px-1.5 py-0.5 break-words text-ink line-through decoration-danger/60">{change.before || "(empty)"}</span>
                  <span className="rounded bg-success/10 px-1.5 py-0.5 break-words text-ink">{change.after || "(empty)"}</span>
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}

      {diff.instructions ? (
        <section className="flex flex-col gap-2">
          <h3 className="font-medium text-ink">Instructions</h3>
          <pre className="overflow-x-auto rounded-md border border-border font-mono text-xs leading-relaxed" data-testid="instructions-diff">
            {diff.instructions.map((line, index) => (
              <div
                key={index}
                data-change={line.change}
                className={`px-2 whitespace-pre-wrap ${line.change === "added" ? "bg-success/10 text-ink" : line.change === "removed" ? "bg-danger/10 text-ink" : "text-ink-muted"}`}
              >
                <span aria-hidden className="mr-2 inline-block w-3 select-none">
                  {line.change === "added" ? "+" : line.change === "removed" ? "−" : " "}
                </span>
                <span className="sr-only">{line.change === "added" ? "Added: " : line.change === "removed" ? "Removed: " : ""}</span>
                {line.text || " "}
              </div>
            ))}
          </pre>
        </section>
      ) : null}

      {added.length + removed.length + changed.length > 0 ? (
        <section className="flex flex-col gap-2">
          <h3 className="font-medium text-ink">Schedules</h3>
          <ul className="flex flex-col gap-2">
            {added.map((schedule) => (
              <li key={`added-${schedule.id}`} className="rounded-md bg-success/10 px-2 py-1.5">
                <span className="font-medium">Added:</span> {describeCron(schedule.cron, schedule.timezone)} — “{schedule.prompt}”
              </li>
            ))}
            {removed.map((schedule) => (
              <li key={`removed-${schedule.id}`} className="rounded-md bg-danger/10 px-2 py-1.5">
                <span className="font-medium">Removed:</span> {describeCron(schedule.cron, schedule.timezone)} — “{schedule.prompt}”
              </li>
            ))}
            {changed.map(({ after, changes }) => (
              <li key={`changed-${after.id}`} className="rounded-md border border-border px-2 py-1.5">
                <span className="font-medium">Changed:</span> “{after.prompt}”
                <ul className="mt-1 list-disc pl-5 text-xs text-ink-muted">
                  {changes.map((change) => (
                    <li key={change}>{change}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
