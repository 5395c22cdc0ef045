"use client";

import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { formatRelativeTime } from "@/components/dashboard/relative-time";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { diffAgentVersions } from "@/lib/agent-version-diff";
import { formatDateTime } from "@/lib/run-api";
import type { AgentVersionEntry } from "@/lib/version-api";
import { createVersionsStore } from "@/stores/versions-store";
import { VersionDiffView } from "./version-diff-view";

/** Every saved version of the agent: who and when, what changed between two, and restoring one. */
export function VersionsPanel({ agentId }: { agentId: string }) {
  const [store] = useState(() => createVersionsStore(agentId));
  const status = useStore(store, (state) => state.status);
  const versions = useStore(store, (state) => state.versions);
  const agent = useStore(store, (state) => state.agent);
  const selected = useStore(store, (state) => state.selected);
  const notice = useStore(store, (state) => state.notice);
  const restoring = useStore(store, (state) => state.restoring);
  const [comparing, setComparing] = useState<[AgentVersionEntry, AgentVersionEntry] | null>(null);
  const [confirming, setConfirming] = useState<AgentVersionEntry | null>(null);
  const { toggleSelected, restore, dismissNotice } = store.getState();

  useEffect(() => {
    void store.getState().load();
  }, [store]);

  const compareSelected = () => {
    const picked = versions.filter((entry) => selected.includes(entry.version)).sort((a, b) => a.version - b.version);
    const [older, newer] = picked;
    if (older && newer) setComparing([older, newer]);
  };

  return (
    <section className="flex flex-col gap-4 p-4" data-testid="versions-panel">
      <div>
        <h2 className="text-base font-semibold">Versions</h2>
        <p className="text-xs text-ink-muted">Every saved change makes a version. Pick two to see what changed, or restore an earlier one: nothing is ever deleted.</p>
      </div>

      {notice ? (
        <div
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="versions-notice"
          className={`flex items-start justify-between gap-2 rounded-md border px-3 py-2 text-sm ${notice.tone === "error" ? "border-danger/30 bg-danger/5 text-danger" : "border-success/30 bg-success/5 text-ink"}`}
        >
          <span>{notice.message}</span>
          <button type="button" className="text-xs underline" onClick={dismissNotice}>
            Dismiss
          </button>
        </div>
      ) : null}

      {status === "loading" || status === "idle" ? <p className="text-sm text-ink-muted">Loading versions…</p> : null}

      {versions.length > 1 ? (
        <div className="flex items-center justify-between gap-2 rounded-md bg-surface-muted px-3 py-2 text-xs text-ink-muted">
          <span>{selected.length === 2 ? `Versions ${[...selected].sort((a, b) => a - b).join(" and ")} picked.` : "Tick two versions to compare them."}</span>
          <Button size="sm" variant="primary" disabled={selected.length !== 2} onClick={compareSelected}>
            Compare
          </Button>
        </div>
      ) : null}

      <ol className="flex flex-col gap-2">
        {versions.map((entry) => {
          const current = entry.version === agent?.version;
          const who = entry.createdBy === agent?.ownerId ? "you" : (entry.createdByName ?? "someone else");
          return (
            <li key={entry.version} className="flex items-start gap-3 rounded-card border border-border bg-surface p-3" data-testid="version-item" data-version={entry.version}>
              <input
                type="checkbox"
                aria-label={`Compare version ${entry.version}`}
                checked={selected.includes(entry.version)}
                onChange={() => toggleSelected(entry.version)}
                className="mt-1 h-4 w-4 accent-accent"
              />
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-ink">
                  Version {entry.version}
                  {current ? <Badge tone="accent">Current</Badge> : null}
                </p>
                <p className="text-xs text-ink-muted">
                  By {who} · <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt)}>{formatRelativeTime(entry.createdAt, new Date())}</time>
                </p>
                {!current ? (
                  <Button size="sm" variant="ghost" className="mt-1 -ml-2.5" onClick={() => setConfirming(entry)} disabled={restoring}>
                    Restore this version
                  </Button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>

      {comparing ? (
        <Dialog open onClose={() => setComparing(null)} size="lg" title={`Changes from version ${comparing[0].version} to version ${comparing[1].version}`}>
          <VersionDiffView diff={diffAgentVersions(comparing[0].config, comparing[1].config)} />
        </Dialog>
      ) : null}

      {confirming ? (
        <Dialog
          open
          onClose={() => setConfirming(null)}
          size="sm"
          title={`Restore version ${confirming.version}?`}
          description="The agent's name, description, instructions, model and schedules go back to how they were in that version. This is saved as a new version, so you can undo it the same way."
        >
          <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <Button variant="secondary" onClick={() => setConfirming(null)} disabled={restoring}>
              Cancel
            </Button>
            <Button
              variant="primary"
              disabled={restoring}
              onClick={() => {
                void restore(confirming.version).then(() => setConfirming(null));
              }}
            >
              {restoring ? "Restoring…" : `Restore version ${confirming.version}`}
            </Button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
