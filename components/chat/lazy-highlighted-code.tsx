"use client";

import { lazy, Suspense, type ComponentProps } from "react";
import type { HighlightedCode as HighlightedCodeComponent } from "./highlighted-code";

// React.lazy rather than next/dynamic: next/dynamic's loader machinery alone weighs ~2 kB in the
// agent page's first load (see bench/README.md).
const Highlighted = lazy(() => import("./highlighted-code").then((module) => ({ default: module.HighlightedCode })));

/**
 * Code highlighting loads with the first code block on screen, not with the page: highlight.js is
 * a large part of a chat page's JavaScript. Until it arrives the code shows plain.
 */
export function HighlightedCode(props: ComponentProps<typeof HighlightedCodeComponent>) {
  return (
    <Suspense fallback={<pre className="overflow-x-auto rounded-md bg-surface-muted p-3 text-[13px] leading-relaxed">{props.code}</pre>}>
      <Highlighted {...props} />
    </Suspense>
  );
}
