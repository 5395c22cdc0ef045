"use client";

import { useEffect, useRef, useState, type DragEvent } from "react";
import { useStore } from "zustand";
import { errorMessageFor } from "@/lib/error-messages";
import { fileArchiveUrl, fileContentUrl, fileTypeOf, formatFileSize, isPassiveContent, type FileEntry } from "@/lib/file-api";
import { describeDiskUsage, workspaceFullMessage, type WorkspaceDiskUsage } from "@/lib/workspace-disk";
import { createFilesStore, findEntry, uploadFolderFor, type FilesStore } from "@/stores/files-store";
import { FilePreview } from "./file-preview";
import { FileTree } from "./file-tree";
import { UploadList } from "./upload-list";

export interface AgentFilesPanelProps {
  agentId: string;
  /**
   * Change it to reload the tree, e.g. when the agent finished a reply that may have written
   * files. The panel also reloads when the window regains focus.
   */
  refreshToken?: string | number;
  className?: string;
}

const buttonClass =
  "inline-flex items-center gap-1.5 rounded-md border border-border bg-surface px-2.5 py-1.5 text-sm text-ink hover:bg-surface-muted disabled:opacity-50";

function describeModified(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function SelectedEntry({ agentId, entry, store }: { agentId: string; entry: FileEntry; store: FilesStore }) {
  const confirming = useStore(store, (state) => state.confirmingDelete === entry.path);
  const deleting = useStore(store, (state) => state.deleting);
  const deleteError = useStore(store, (state) => state.deleteError);
  const { askToDelete, confirmDelete } = store.getState();
  const isFolder = entry.type === "directory";
  // Only passive files (images, PDF) open from the app's origin; a page or an SVG would be a download there.
  const opensInTab = isPassiveContent(fileTypeOf(entry.name)) && (fileTypeOf(entry.name).preview === "image" || entry.name.toLowerCase().endsWith(".pdf"));

  return (
    <section aria-label={`Selected: ${entry.name}`} data-testid="file-details" className="space-y-3 border-t border-border pt-3">
      <div className="flex items-start gap-2">
        <div className="min-w-0 flex-1">
          <h3 className="truncate text-sm font-semibold" title={entry.path}>
            {entry.name}
          </h3>
          <p className="text-xs text-ink-muted">
            {isFolder ? "Folder" : formatFileSize(entry.size)} · changed {describeModified(entry.modifiedAt)}
          </p>
        </div>
      </div>
      <div className="flex flex-wrap gap-2">
        {isFolder ? (
          <a className={buttonClass} href={fileArchiveUrl(agentId, entry.path)} download>
            Download folder (.zip)
          </a>
        ) : (
          <>
            <a className={buttonClass} href={fileContentUrl(agentId, entry.path, { download: true })} download={entry.name}>
              Download
            </a>
            {opensInTab ? (
              <a className={buttonClass} href={fileContentUrl(agentId, entry.path, { version: entry.modifiedAt })} target="_blank" rel="noopener noreferrer">
                Open in new tab
              </a>
            ) : null}
          </>
        )}
        <button type="button" className={`${buttonClass} text-danger`} onClick={() => askToDelete(entry.path)} disabled={deleting}>
          Delete
        </button>
      </div>
      {confirming ? (
        <div role="alertdialog" aria-label="Confirm deletion" className="space-y-2 rounded-md border border-danger/40 bg-danger/5 p-3 text-sm">
          <p>
            Delete <strong className="break-all">{entry.path}</strong>
            {isFolder ? " and everything in it" : ""}? This can&apos;t be undone.
          </p>
          <div className="flex gap-2">
            <button
              type="button"
              onClick={() => void confirmDelete()}
              disabled={deleting}
              className="rounded-md bg-danger px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60"
            >
              {deleting ? "Deleting…" : "Delete"}
            </button>
            <button type="button" onClick={() => askToDelete(null)} disabled={deleting} className={buttonClass}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {deleteError ? (
        <p role="alert" className="text-sm text-danger">
          {errorMessageFor(deleteError)}
        </p>
      ) : null}
      {isFolder ? null : <FilePreview agentId={agentId} file={entry} />}
    </section>
  );
}

/** Used / total of the workspace disk; near the limit it says what to do before writes fail. */
function DiskGauge({ disk }: { disk: WorkspaceDiskUsage }) {
  const share = disk.totalBytes ? Math.min(1, disk.usedBytes / disk.totalBytes) : 0;
  const nearlyFull = disk.totalBytes !== null && share >= 0.9;
  return (
    <div data-testid="workspace-disk" className="space-y-1 text-xs text-ink-muted">
      <p>
        Workspace disk: <span className="font-medium text-ink">{describeDiskUsage(disk)}</span> (shared by all your agents)
      </p>
      {disk.totalBytes !== null ? (
        <div
          role="meter"
          aria-label="Workspace disk used"
          aria-valuemin={0}
          aria-valuemax={disk.totalBytes}
          aria-valuenow={disk.usedBytes}
          className="h-1.5 overflow-hidden rounded-full bg-surface-muted"
        >
          <div className={`h-full ${nearlyFull ? "bg-danger" : "bg-accent"}`} style={{ width: `${Math.round(share * 100)}%` }} />
        </div>
      ) : null}
      {nearlyFull ? <p className="text-danger">{share >= 0.999 ? workspaceFullMessage(disk.totalBytes) : "Your workspace is almost full. Delete files you no longer need."}</p> : null}
    </div>
  );
}

/**
 * The agent's folder: browse it, preview files, upload (button or drag and drop, with progress),
 * download a file or everything as a zip, and delete with a confirmation.
 */
export function AgentFilesPanel({ agentId, refreshToken, className }: AgentFilesPanelProps) {
  const [store] = useState(createFilesStore);
  const state = useStore(store);
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragDepth, setDragDepth] = useState(0);

  useEffect(() => {
    void store.getState().load(agentId);
  }, [store, agentId]);

  const lastRefreshToken = useRef(refreshToken);
  useEffect(() => {
    // The first value arrives with the initial load; only a change asks for a new listing.
    if (lastRefreshToken.current === refreshToken) return;
    lastRefreshToken.current = refreshToken;
    void store.getState().refresh();
  }, [store, refreshToken]);

  // Agents write files while a person reads elsewhere; coming back shows the current folder.
  useEffect(() => {
    const onFocus = () => void store.getState().refresh();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [store]);

  useEffect(() => () => store.getState().reset(), [store]);

  const targetFolder = uploadFolderFor(state);
  const selected = state.selectedPath ? findEntry(state.entries, state.selectedPath) : undefined;
  const dragging = dragDepth > 0;

  const startUpload = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    void store.getState().upload(Array.from(files), targetFolder);
  };

  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes("Files");

  return (
    <section
      aria-labelledby={`files-heading-${agentId}`}
      data-testid="files-panel"
      className={`relative flex h-full min-h-0 flex-col gap-3 p-4 ${className ?? ""}`}
      onDragEnter={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setDragDepth((depth) => depth + 1);
      }}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={(event) => {
        if (!hasFiles(event)) return;
        setDragDepth((depth) => Math.max(0, depth - 1));
      }}
      onDrop={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setDragDepth(0);
        startUpload(event.dataTransfer.files);
      }}
    >
      <header className="flex items-center gap-2">
        <h2 id={`files-heading-${agentId}`} className="flex-1 text-base font-semibold">
          Files
        </h2>
        <button type="button" className={buttonClass} onClick={() => void store.getState().refresh()} disabled={state.refreshing} aria-label="Refresh files">
          <span aria-hidden className={state.refreshing ? "inline-block animate-spin" : "inline-block"}>
            ↻
          </span>
        </button>
        <a className={buttonClass} href={fileArchiveUrl(agentId)} download aria-label="Download all files as a zip" title="Download all files as a zip">
          Download all
        </a>
        <button type="button" className={`${buttonClass} border-accent bg-accent text-accent-ink hover:bg-accent/90`} onClick={() => inputRef.current?.click()}>
          Upload
        </button>
        <input
          ref={inputRef}
          type="file"
          multiple
          hidden
          data-testid="file-upload-input"
          onChange={(event) => {
            startUpload(event.currentTarget.files);
            event.currentTarget.value = "";
          }}
        />
      </header>

      <p className="text-xs text-ink-muted">
        Uploads go to <span className="font-medium text-ink">{targetFolder === "" ? "the agent's folder" : `${targetFolder}/`}</span>
        {state.limits ? ` · up to ${formatFileSize(state.limits.maxUploadBytes)} each` : ""}. You can also drop files here.
      </p>

      {state.disk ? <DiskGauge disk={state.disk} /> : null}

      <UploadList uploads={state.uploads} onCancel={store.getState().cancelUpload} onDismiss={store.getState().dismissUpload} />

      {state.error ? (
        <div role="alert" className="flex items-start gap-2 rounded-md border border-danger/40 bg-danger/5 px-3 py-2 text-sm text-danger">
          <span className="flex-1">{errorMessageFor(state.error)}</span>
          <button type="button" className="underline" onClick={() => void store.getState().refresh()}>
            Try again
          </button>
        </div>
      ) : null}

      <div className="min-h-0 flex-1 space-y-3 overflow-y-auto">
        {state.status === "loading" || state.status === "idle" ? (
          <p className="text-sm text-ink-muted">Loading files…</p>
        ) : state.entries.length === 0 && state.status === "ready" ? (
          <div className="rounded-card border border-dashed border-border px-4 py-8 text-center">
            <p className="text-sm font-medium">No files yet</p>
            <p className="mt-1 text-sm text-ink-muted">Files the agent creates appear here. Upload a spreadsheet or document for it to work with.</p>
          </div>
        ) : (
          <FileTree
            entries={state.entries}
            selectedPath={state.selectedPath}
            expanded={state.expanded}
            onSelect={store.getState().select}
            onToggleFolder={store.getState().toggleFolder}
          />
        )}
        {state.truncated ? <p className="text-xs text-ink-muted">Only the first {state.entryCount} files and folders are shown.</p> : null}
        {selected ? <SelectedEntry key={selected.path} agentId={agentId} entry={selected} store={store} /> : null}
      </div>

      {dragging ? (
        <div
          aria-hidden
          className="pointer-events-none absolute inset-2 grid place-items-center rounded-card border-2 border-dashed border-accent bg-accent/10 text-sm font-medium text-accent"
        >
          Drop to upload to {targetFolder === "" ? "the agent's folder" : `${targetFolder}/`}
        </div>
      ) : null}
    </section>
  );
}
