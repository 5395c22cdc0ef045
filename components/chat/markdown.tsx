"use client";

import { memo, type ReactNode } from "react";
import ReactMarkdown, { defaultUrlTransform, type UrlTransform } from "react-markdown";
import { CopyButton } from "./copy-button";
import remarkGfm from "remark-gfm";
import { isPlatformImageSource, outsideImageHost } from "@/lib/markdown-images";
import { HighlightedCode } from "./lazy-highlighted-code";

function childrenToText(children: ReactNode): string {
  if (typeof children === "string") return children;
  if (Array.isArray(children)) return children.map(childrenToText).join("");
  return "";
}

// data: and blob: are kept for images only (the default drops them); links keep the default rules.
const urlTransform: UrlTransform = (url, key) => (key === "src" && isPlatformImageSource(url) ? url : defaultUrlTransform(url));

/** An image from elsewhere is never fetched by the page: the person sees where it is and may open it. */
function OutsideImage({ src, alt }: { src: string; alt: string }) {
  const host = outsideImageHost(src);
  const label = alt.trim() || "image";
  if (!host) return <span className="text-ink-muted">[{label}: not shown]</span>;
  return (
    <a
      href={src}
      target="_blank"
      rel="noopener noreferrer nofollow"
      referrerPolicy="no-referrer"
      title={src}
      data-testid="outside-image"
      className="inline-flex items-center gap-1 rounded border border-border px-1.5 py-0.5 text-sm text-accent hover:bg-surface-muted"
    >
      <svg aria-hidden viewBox="0 0 16 16" className="h-3.5 w-3.5 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.5">
        <rect x="1.75" y="2.75" width="12.5" height="10.5" rx="1.5" />
        <circle cx="5.5" cy="6.5" r="1.25" />
        <path d="M2 12l3.5-3.5 2.5 2.5 2-2 4 3.5" />
      </svg>
      <span>
        {label} from {host} (not loaded; open it)
      </span>
    </a>
  );
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown space-y-3 text-[15px] leading-relaxed break-words">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        urlTransform={urlTransform}
        components={{
          img({ src, alt }) {
            const source = typeof src === "string" ? src : "";
            if (!isPlatformImageSource(source)) return <OutsideImage src={source} alt={alt ?? ""} />;
            // eslint-disable-next-line @next/next/no-img-element -- a file of the agent's, served by the platform
            return <img src={source} alt={alt ?? ""} loading="lazy" className="max-w-full rounded-md border border-border" />;
          },
          code({ className, children }) {
            const language = /language-(\w+)/.exec(className ?? "")?.[1];
            const text = childrenToText(children);
            if (!language && !text.includes("\n")) {
              return <code className="rounded bg-surface-muted px-1 py-0.5 font-mono text-[13px]">{children}</code>;
            }
            const code = text.replace(/\n$/, "");
            return (
              <div className="relative" data-testid="code-block">
                <HighlightedCode code={code} language={language} />
                <CopyButton text={code} label="Copy code" className="absolute top-1.5 right-1.5 rounded border border-border bg-surface/90 px-2 py-0.5 text-xs text-ink-muted hover:text-accent" />
              </div>
            );
          },
          pre({ children }) {
            return <>{children}</>;
          },
          a({ href, children }) {
            return (
              <a href={href} target="_blank" rel="noopener noreferrer" className="text-accent underline underline-offset-2">
                {children}
              </a>
            );
          },
          table({ children }) {
            return (
              <div className="overflow-x-auto">
                <table className="min-w-full border-collapse text-sm">{children}</table>
              </div>
            );
          },
          th({ children }) {
            return <th className="border border-border bg-surface-muted px-2 py-1 text-left font-medium">{children}</th>;
          },
          td({ children }) {
            return <td className="border border-border px-2 py-1">{children}</td>;
          },
          ul({ children }) {
            return <ul className="list-disc space-y-1 pl-5">{children}</ul>;
          },
          ol({ children }) {
            return <ol className="list-decimal space-y-1 pl-5">{children}</ol>;
          },
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
