"use client";

import { errorMessageFor } from "@/lib/error-messages";
import { formatFileSize } from "@/lib/file-api";
import type { UploadItem } from "@/stores/files-store";

export interface UploadListProps {
  uploads: readonly UploadItem[];
  onCancel: (id: string) => void;
  onDismiss: (id: string) => void;
}

/** Uploads in progress with their progress bars; failures stay until dismissed, with the reason. */
export function UploadList({ uploads, onCancel, onDismiss }: UploadListProps) {
  if (uploads.length === 0) return null;
  return (
    <ul aria-label="Uploads" className="space-y-1.5">
      {uploads.map((item) => {
        const percent = item.totalBytes === 0 ? (item.status === "done" ? 100 : 0) : Math.min(100, Math.round((item.loadedBytes / item.totalBytes) * 100));
        const active = item.status === "waiting" || item.status === "uploading";
        return (
          <li key={item.id} data-testid="upload-item" data-status={item.status} className="rounded-md border border-border bg-surface px-2.5 py-2 text-sm">
            <div className="flex items-center gap-2">
              <span className="min-w-0 flex-1 truncate" title={item.path}>
                {item.name}
              </span>
              <span className="shrink-0 text-xs text-ink-muted tabular-nums">
                {item.status === "uploading"
                  ? `${percent}%`
                  : item.status === "waiting"
                    ? "waiting"
                    : item.status === "done"
                      ? "uploaded"
                      : item.status === "cancelled"
                        ? "cancelled"
                        : "failed"}
              </span>
              <button
                type="button"
                onClick={() => (active ? onCancel(item.id) : onDismiss(item.id))}
                className="shrink-0 rounded px-1.5 text-xs text-ink-muted hover:bg-surface-muted hover:text-ink"
                aria-label={active ? `Cancel uploading ${item.name}` : `Dismiss ${item.name}`}
              >
                {active ? "Cancel" : "✕"}
              </button>
            </div>
            {active || item.status === "done" ? (
              <div
                role="progressbar"
                aria-label={`Uploading ${item.name}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent}
                aria-valuetext={`${formatFileSize(item.loadedBytes)} of ${formatFileSize(item.totalBytes)}`}
                className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-surface-muted"
              >
                <div className={`h-full rounded-full transition-[width] ${item.status === "done" ? "bg-success" : "bg-accent"}`} style={{ width: `${percent}%` }} />
              </div>
            ) : null}
            {item.status === "failed" && item.error ? (
              <p role="alert" className="mt-1 text-xs text-danger">
                {errorMessageFor(item.error)}
              </p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
