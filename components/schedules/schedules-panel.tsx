"use client";

import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/run-api";
import type { ScheduleFire } from "@/lib/records";
import { schedulesPerAgentLimit, type ScheduleWithStatus } from "@/lib/schedule-api";
import { describeCron } from "@/lib/schedule-presets";
import { useNotificationsStore } from "@/stores/notifications-store";
import { createSchedulesStore, type SchedulesStore } from "@/stores/schedules-store";
import type { StoreApi } from "zustand/vanilla";
import { ScheduleDialog } from "./schedule-dialog";
import { openRunConversation } from "@/components/runs/open-run-conversation";
import { WebhookOutcomeNote } from "@/components/runs/webhook-outcome";

/** The agent's schedules: when each runs next, turning them on and off, running one now. */
export function SchedulesPanel({ agentId, onOpenConversation: openInChat }: { agentId: string; onOpenConversation(conversationId: string): void }) {
  const onOpenConversation = (conversationId: string) => openRunConversation(conversationId, openInChat);
  const [store] = useState(() => createSchedulesStore(agentId));
  const status = useStore(store, (state) => state.status);
  const schedules = useStore(store, (state) => state.schedules);
  const notice = useStore(store, (state) => state.notice);
  const saving = useStore(store, (state) => state.saving);
  const webhookSecret = useStore(store, (state) => state.webhookSecret);
  // undefined: closed; null: adding; a schedule: editing it.
  const [editing, setEditing] = useState<ScheduleWithStatus | null | undefined>(undefined);
  const latestNotification = useNotificationsStore((state) => state.notifications[0]?.id);

  useEffect(() => {
    void store.getState().load();
    // Next run times and last results move on by themselves: refresh while the panel is open.
    const timer = window.setInterval(() => void store.getState().load(), 30_000);
    return () => window.clearInterval(timer);
  }, [store]);

  // A notification means a run just ended (Run now, or a slot): "Last run" says so at once. The
  // fire is updated before the notification goes out, so the reload sees the outcome.
  useEffect(() => {
    if (latestNotification) void store.getState().load();
  }, [store, latestNotification]);

  return (
    <section className="flex flex-col gap-4 p-4" data-testid="schedules-panel">
      <div className="flex items-center justify-between gap-2">
        <div>
          <h2 className="text-base font-semibold">Schedules</h2>
          <p className="text-xs text-ink-muted">The agent works by itself at these times, even while you’re away.</p>
        </div>
        <Button size="sm" variant="primary" onClick={() => setEditing(null)} disabled={status !== "ready" || schedules.length >= schedulesPerAgentLimit}>
          Add schedule
        </Button>
      </div>

      {notice ? (
        <div
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="schedules-notice"
          className={`flex items-start justify-between gap-2 rounded-md border px-3 py-2 text-sm ${notice.tone === "error" ? "border-danger/30 bg-danger/5 text-danger" : "border-success/30 bg-success/5 text-ink"}`}
        >
          <span>{notice.message}</span>
          <button type="button" className="text-xs underline" onClick={() => store.getState().dismissNotice()}>
            Dismiss
          </button>
        </div>
      ) : null}

      {status === "loading" || status === "idle" ? <p className="text-sm text-ink-muted">Loading schedules…</p> : null}
      {status === "ready" && schedules.length === 0 ? (
        <div className="rounded-card border border-dashed border-border px-4 py-8 text-center text-sm text-ink-muted">
          <p className="font-medium text-ink">No schedules yet</p>
          <p className="mt-1">For example: every weekday at 09:00, “pull yesterday’s numbers and update the chart”.</p>
        </div>
      ) : null}

      <ul className="flex flex-col gap-3">
        {schedules.map((schedule) => (
          <li key={schedule.id}>
            <ScheduleItem schedule={schedule} store={store} onEdit={() => setEditing(schedule)} onOpenConversation={onOpenConversation} />
          </li>
        ))}
      </ul>

      {editing !== undefined ? (
        <ScheduleDialog
          schedule={editing}
          webhookSecret={webhookSecret}
          saving={saving}
          onSave={(draft) => store.getState().save(draft)}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
    </section>
  );
}

function ScheduleItem({
  schedule,
  store,
  onEdit,
  onOpenConversation,
}: {
  schedule: ScheduleWithStatus;
  store: StoreApi<SchedulesStore>;
  onEdit(): void;
  onOpenConversation(conversationId: string): void;
}) {
  const saving = useStore(store, (state) => state.saving);
  const starting = useStore(store, (state) => state.startingRunIds.includes(schedule.id));
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const { setEnabled, remove, runNow } = store.getState();

  return (
    <article className="flex flex-col gap-2 rounded-card border border-border bg-surface p-3" data-testid="schedule-item" aria-label={`Schedule: ${schedule.prompt}`}>
      <div className="flex items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium text-ink" data-testid="schedule-when">
            {describeCron(schedule.cron, schedule.timezone)}
          </p>
          <p className="line-clamp-2 text-sm text-ink-muted" title={schedule.prompt}>
            {schedule.prompt}
          </p>
        </div>
        <EnabledSwitch label={`Run “${schedule.prompt}” on schedule`} enabled={schedule.enabled} disabled={saving} onChange={(enabled) => void setEnabled(schedule.id, enabled)} />
      </div>

      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
        <dt className="text-ink-muted">Next run</dt>
        <dd className="text-ink" data-testid="schedule-next-run">
          {schedule.enabled ? (schedule.nextRunAt ? <time dateTime={schedule.nextRunAt}>{formatDateTime(schedule.nextRunAt)}</time> : "Not planned") : "Off"}
        </dd>
        <dt className="text-ink-muted">Last run</dt>
        <dd className="text-ink" data-testid="schedule-last-run">
          <LastFire fire={schedule.lastFire} onOpenConversation={onOpenConversation} />
        </dd>
        {schedule.webhookUrl ? (
          <>
            <dt className="text-ink-muted">Webhook</dt>
            <dd className="min-w-0 text-ink">
              <p className="truncate" title={schedule.webhookUrl}>
                {schedule.webhookUrl}
              </p>
              {schedule.lastWebhook ? <WebhookOutcomeNote delivery={schedule.lastWebhook} /> : null}
            </dd>
          </>
        ) : null}
      </dl>

      {confirmingDelete ? (
        <div className="flex flex-col gap-2 rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm sm:flex-row sm:items-center sm:justify-between">
          <span className="text-ink">Delete this schedule? Its past runs stay in Runs.</span>
          <div className="flex gap-2">
            <Button size="sm" variant="secondary" onClick={() => setConfirmingDelete(false)}>
              Keep it
            </Button>
            <Button size="sm" variant="danger" disabled={saving} onClick={() => void remove(schedule.id).then(() => setConfirmingDelete(false))}>
              Delete
            </Button>
          </div>
        </div>
      ) : (
        <div className="flex flex-wrap gap-2">
          <Button
            size="sm"
            disabled={starting}
            onClick={() =>
              void runNow(schedule.id).then((started) => {
                if (started) onOpenConversation(started.conversationId);
              })
            }
          >
            {starting ? "Starting…" : "Run now"}
          </Button>
          <Button size="sm" variant="ghost" onClick={onEdit}>
            Edit
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setConfirmingDelete(true)}>
            Delete
          </Button>
        </div>
      )}
    </article>
  );
}

// Named for what it controls; whether it is on is aria-checked's to say.
function EnabledSwitch({ label, enabled, disabled, onChange }: { label: string; enabled: boolean; disabled: boolean; onChange(enabled: boolean): void }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={enabled}
      aria-label={label}
      disabled={disabled}
      onClick={() => onChange(!enabled)}
      className={`relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors disabled:opacity-60 ${enabled ? "bg-accent" : "bg-surface-muted ring-1 ring-border"}`}
    >
      <span aria-hidden className={`inline-block h-5 w-5 rounded-full bg-surface shadow transition-transform ${enabled ? "translate-x-5" : "translate-x-0.5"}`} />
    </button>
  );
}

const fireLabels: Record<ScheduleFire["status"], [string, BadgeTone]> = {
  claimed: ["Starting", "accent"],
  running: ["Running", "accent"],
  complete: ["Finished", "success"],
  interrupted: ["Interrupted", "warning"],
  failed: ["Failed", "danger"],
  skipped: ["Skipped", "neutral"],
};

function LastFire({ fire, onOpenConversation }: { fire: ScheduleFire | null; onOpenConversation(conversationId: string): void }) {
  if (!fire) return <>Not yet</>;
  const [label, tone] = fireLabels[fire.status];
  const conversationId = fire.conversationId;
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Badge tone={tone}>{label}</Badge>
      <time dateTime={fire.slot}>{formatDateTime(fire.slot)}</time>
      {conversationId ? (
        <button type="button" className="text-accent hover:underline" onClick={() => onOpenConversation(conversationId)}>
          Open
        </button>
      ) : null}
      {fire.reason && (fire.status === "failed" || fire.status === "skipped") ? <span className="basis-full text-ink-muted">{fire.reason}</span> : null}
    </span>
  );
}
