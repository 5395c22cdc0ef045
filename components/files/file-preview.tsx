"use client";

import { lazy, Suspense, useEffect, useState } from "react";
import { asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { ErrorPayload } from "@/lib/errors";
import { fetchFileLink, fetchFileText, fileContentUrl, fileTypeOf, formatFileSize, type FileEntry, type FileLinkResponse, type FileTextPreview } from "@/lib/file-api";
import { HighlightedCode } from "@/components/chat/lazy-highlighted-code";

// The CSV parser (papaparse) loads with the first CSV opened, not with the files panel.
const CsvPreview = lazy(() => import("./csv-table").then((module) => ({ default: module.CsvPreview })));

// Highlighting is quadratic-ish on huge inputs; beyond this a plain <pre> keeps the page responsive.
const MAX_HIGHLIGHTED_CHARACTERS = 100_000;

type Loaded<T> = { key: string; preview: T; error: null } | { key: string; preview: null; error: ErrorPayload };

/** Fetches what a preview needs (the start of a text file, a page's link); again when the file changes. */
function useFileFetch<T>(
  fetcher: (agentId: string, path: string, init: { signal: AbortSignal }) => Promise<T>,
  agentId: string,
  file: FileEntry,
  enabled: boolean,
): { loading: boolean; preview: T | null; error: ErrorPayload | null } {
  const key = `${agentId}\u0000${file.path}\u0000${file.modifiedAt}`;
  const [state, setState] = useState<Loaded<T> | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    fetcher(agentId, file.path, { signal: controller.signal }).then(
      (preview) => setState({ key, preview, error: null }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ key, preview: null, error: asErrorPayload(error) });
      },
    );
    return () => controller.abort();
  }, [fetcher, agentId, file.path, key, enabled]);
  const current = state?.key === key ? state : null;
  return { loading: enabled && !current, preview: current?.preview ?? null, error: current?.error ?? null };
}

function Notice({ children, tone = "muted" }: { children: React.ReactNode; tone?: "muted" | "danger" }) {
  return (
    <p role={tone === "danger" ? "alert" : undefined} className={`rounded-md bg-surface-muted px-3 py-2 text-sm ${tone === "danger" ? "text-danger" : "text-ink-muted"}`}>
      {children}
    </p>
  );
}

function TruncationNote({ preview }: { preview: FileTextPreview }) {
  if (!preview.truncated) return null;
  return (
    <p className="text-xs text-ink-muted">
      Showing the first {formatFileSize(new TextEncoder().encode(preview.text).length)} of {formatFileSize(preview.size)}. Download the file to see all of
      it.
    </p>
  );
}

export interface FilePreviewProps {
  agentId: string;
  file: FileEntry;
}

/**
 * The right view for a file: images as images, CSV as a table, code and text as text, HTML
 * inside a sandboxed frame loaded from FILES_ORIGIN (its scripts run, but in an opaque origin away
 * from the app's); without FILES_ORIGIN, HTML is offered as a download only.
 */
export function FilePreview({ agentId, file }: FilePreviewProps) {
  const kind = fileTypeOf(file.name).preview;
  const language = fileTypeOf(file.name).language;
  const needsText = kind === "csv" || kind === "text";
  const text = useFileFetch<FileTextPreview>(fetchFileText, agentId, file, needsText);
  const page = useFileFetch<FileLinkResponse>(fetchFileLink, agentId, file, kind === "html");
  const src = fileContentUrl(agentId, file.path, { version: file.modifiedAt });

  if (kind === "image") {
    return (
      <div className="grid place-items-center rounded-md border border-border bg-surface-muted/50 p-2">
        {/* A plain img: the bytes come from our API with the person's cookie, which next/image's optimiser would not send. */}
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img data-testid="image-preview" src={src} alt={file.name} className="max-h-[28rem] max-w-full object-contain" />
      </div>
    );
  }
  if (kind === "html") {
    if (page.loading) return <Notice>Loading preview…</Notice>;
    if (!page.preview) {
      // not_found: this server has no FILES_ORIGIN, so agent-made pages are never rendered here.
      if (page.error?.code === "not_found") {
        return (
          <Notice>
            Pages made by agents are not shown here, so they can&apos;t act as you.{" "}
            <a className="underline" href={fileContentUrl(agentId, file.path, { download: true })} download={file.name}>
              Download
            </a>{" "}
            it to open it on your computer.
          </Notice>
        );
      }
      return <Notice tone="danger">{page.error ? errorMessageFor(page.error) : "The preview could not be loaded."}</Notice>;
    }
    return (
      <iframe
        data-testid="html-preview"
        title={`Preview of ${file.name}`}
        // From FILES_ORIGIN: another origin, which holds no session of ours.
        src={page.preview.url}
        // No allow-same-origin either: the page gets an opaque origin, so it can't read our cookies or call our API as the person.
        sandbox="allow-scripts"
        referrerPolicy="no-referrer"
        className="h-[28rem] w-full rounded-md border border-border bg-white"
      />
    );
  }
  if (!needsText) {
    return <Notice>There&apos;s no preview for this kind of file. Download it to open it on your computer.</Notice>;
  }
  if (text.loading) return <Notice>Loading preview…</Notice>;
  if (text.error || !text.preview) return <Notice tone="danger">{text.error ? errorMessageFor(text.error) : "The preview could not be loaded."}</Notice>;

  const preview = text.preview;
  if (kind === "csv") {
    return (
      <Suspense fallback={<Notice>Loading preview…</Notice>}>
        <CsvPreview text={preview.text} delimiter={file.name.toLowerCase().endsWith(".tsv") ? "\t" : undefined} textWasCut={preview.truncated} />
      </Suspense>
    );
  }
  if (preview.text.includes("\u0000")) return <Notice>This file holds binary data, not text. Download it to open it.</Notice>;
  return (
    <div data-testid="text-preview" className="space-y-2">
      {preview.text.length === 0 ? (
        <Notice>This file is empty.</Notice>
      ) : preview.text.length <= MAX_HIGHLIGHTED_CHARACTERS ? (
        <div className="max-h-[28rem] overflow-auto">
          <HighlightedCode code={preview.text} language={language} />
        </div>
      ) : (
        <pre className="max-h-[28rem] overflow-auto rounded-md bg-surface-muted p-3 font-mono text-[13px] leading-relaxed">{preview.text}</pre>
      )}
      <TruncationNote preview={preview} />
    </div>
  );
}
