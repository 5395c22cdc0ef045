"use client";

import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import sql from "highlight.js/lib/languages/sql";

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
