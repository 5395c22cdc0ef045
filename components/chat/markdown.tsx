"use client";

import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import sql from "highlight.js/lib/languages/sql";
import { memo, type ReactNode } from "react";
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

// Only the languages agents actually write here: the full highlight.js would triple the page's JS.
hljs.registerLanguage("python", python);
hljs.registerLanguage("bash", bash);
hljs.registerLanguage("sh", bash);
hljs.registerLanguage("shell", bash);
hljs.registerLanguage("json", json);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("js", javascript);
hljs.registerLanguage("sql", sql);

export function HighlightedCode({ code, language }: { code: string; language?: string }) {
  const known = language && hljs.getLanguage(language) ? language : undefined;
  const html = known ? hljs.highlight(code, { language: known, ignoreIllegals: true }).value : escapeHtml(code);
  return (
    <pre className="hljs overflow-x-auto rounded-md bg-surface-muted p-3 text-[13px] leading-relaxed">
      {/* highlight.js escapes the source; nothing from the model is injected as markup. */}
      <code className="font-mono" dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

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
            return <HighlightedCode code={text.replace(/\n$/, "")} language={language} />;
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
