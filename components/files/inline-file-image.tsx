"use client";

import { useState } from "react";
import { fileContentUrl } from "@/lib/file-api";

export interface InlineFileImageProps {
  agentId: string;
  /** As the agent wrote it: relative to its folder, or absolute inside it (/workspace/agent-…/plot.png). */
  path: string;
  alt?: string;
  className?: string;
}

/** An image or plot from the agent's folder, shown in the chat; a click opens it full size. */
export function InlineFileImage({ agentId, path, alt, className }: InlineFileImageProps) {
  const [failed, setFailed] = useState(false);
  const name = path.slice(path.lastIndexOf("/") + 1) || path;
  const src = fileContentUrl(agentId, path);
  if (failed) {
    return (
      <p data-testid="inline-file-image-missing" className="rounded-md border border-dashed border-border px-3 py-2 text-sm text-ink-muted">
        The image “{name}” is no longer in the agent&apos;s files.
      </p>
    );
  }
  return (
    <a href={src} target="_blank" rel="noopener noreferrer" className="inline-block max-w-full" title={`Open ${name} full size`}>
      {/* A plain img: the bytes come from our API with the person's cookie, which next/image's optimiser would not send. */}
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img
        data-testid="inline-file-image"
        src={src}
        alt={alt ?? name}
        loading="lazy"
        onError={() => setFailed(true)}
        className={className ?? "max-h-96 max-w-full rounded-md border border-border bg-surface object-contain"}
      />
    </a>
  );
}
