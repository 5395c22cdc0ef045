"use client";

import dynamic from "next/dynamic";

/**
 * Code highlighting loads with the first code block on screen, not with the page: highlight.js is
 * a large part of a chat page's JavaScript. Until it arrives the code shows plain.
 */
export const HighlightedCode = dynamic(() => import("./highlighted-code").then((module) => module.HighlightedCode), {
  ssr: false,
  loading: () => <pre className="overflow-x-auto rounded-md bg-surface-muted p-3 text-[13px] leading-relaxed" />,
});
