"use client";

import { memo, type ReactNode } from "react";
import ReactMarkdown from "react-markdown";
import { CopyButton } from "./copy-button";
import { HighlightedCode } from "./lazy-highlighted-code";
import remarkGfm from "remark-gfm";

function childrenToText(children: ReactNode): string {
  if (typeof children === "string") return children;
  if (Array.isArray(children)) return children.map(childrenToText).join("");
  return "";
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown space-y-3 text-[15px] leading-relaxed break-words">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
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
