"use client";

import { useEffect, useRef, useState, type RefObject } from "react";
import { asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import { uploadAgentFile } from "@/lib/file-api";

interface Attachment {
  name: string;
  status: "uploading" | "done" | "failed";
  error?: string;
}

/**
 * Files attached from the composer's button or dropped anywhere on the chat go to the top of the
 * agent's folder through the Files panel's upload; the message sent next names them for the agent.
 */
export function ComposerAttachments({
  agentId,
  dropTarget,
  onChange,
}: {
  agentId: string;
  dropTarget: RefObject<HTMLElement | null>;
  /** The uploaded files' paths in the agent's folder; reset by the parent after a send. */
  onChange(paths: string[]): void;
}) {
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  const attach = (files: readonly File[]) => {
    for (const file of files) {
      setAttachments((current) => [...current.filter((item) => item.name !== file.name), { name: file.name, status: "uploading" }]);
      void uploadAgentFile(agentId, file.name, file, {}).then(
        ({ file: stored }) =>
          setAttachments((current) => current.map((item) => (item.name === file.name ? { name: stored.path, status: "done" } : item))),
        (error: unknown) =>
          setAttachments((current) =>
            current.map((item) => (item.name === file.name ? { ...item, status: "failed", error: errorMessageFor(asErrorPayload(error)) } : item)),
          ),
      );
    }
  };
  const attachRef = useRef(attach);
  useEffect(() => {
    attachRef.current = attach;
  });

  useEffect(() => {
    onChangeRef.current(attachments.filter((item) => item.status === "done").map((item) => item.name));
  }, [attachments]);

  // The parent clears what was sent by remounting this piece (a new key), so no reset prop is needed.
  useEffect(() => {
    const target = dropTarget.current;
    if (!target) return;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
    const onDragOver = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      setDragging(true);
    };
    const onDragLeave = (event: DragEvent) => {
      if (event.relatedTarget === null || !target.contains(event.relatedTarget as Node)) setDragging(false);
    };
    const onDrop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      setDragging(false);
      attachRef.current([...(event.dataTransfer?.files ?? [])]);
    };
    target.addEventListener("dragover", onDragOver);
    target.addEventListener("dragleave", onDragLeave);
    target.addEventListener("drop", onDrop);
    return () => {
      target.removeEventListener("dragover", onDragOver);
      target.removeEventListener("dragleave", onDragLeave);
      target.removeEventListener("drop", onDrop);
    };
  }, [dropTarget]);

  return (
    <>
      {dragging ? (
        <div aria-hidden className="pointer-events-none fixed inset-0 z-40 flex items-center justify-center bg-accent/10 text-lg font-medium text-accent">
          Drop files to add them to the agent&apos;s folder
        </div>
      ) : null}
      <div className="flex flex-wrap items-center gap-2" data-testid="composer-attachments">
        <input
          ref={input}
          type="file"
          multiple
          className="sr-only"
          tabIndex={-1}
          aria-hidden
          onChange={(event) => {
            attach([...(event.target.files ?? [])]);
            event.target.value = "";
          }}
        />
        <button
          type="button"
          onClick={() => input.current?.click()}
          className="h-11 rounded-md border border-border px-3 text-sm text-ink-muted hover:border-accent hover:text-accent"
          title="Attach files (or drop them on the chat)"
          aria-label="Attach a file"
        >
          {/* A drawn paperclip: an emoji needs a font not every machine has. */}
          <svg aria-hidden viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
            <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 01-7.8-7.8l8.6-8.6a3.7 3.7 0 015.2 5.2l-8.6 8.6a1.8 1.8 0 01-2.6-2.6l7.9-7.9" />
          </svg>
        </button>
        {attachments.map((item) => (
          <span
            key={item.name}
            data-testid="attachment"
            data-status={item.status}
            title={item.error}
            className={`rounded-full border px-2.5 py-0.5 text-xs ${item.status === "failed" ? "border-danger/40 text-danger" : "border-border text-ink"}`}
          >
            {item.status === "uploading" ? "Uploading " : item.status === "failed" ? "Not added: " : ""}
            {item.name}
            {item.error ? ` (${item.error})` : null}
          </span>
        ))}
      </div>
    </>
  );
}
