"use client";

import { lazy, Suspense, useSyncExternalStore } from "react";

// The bell, its list and its store load after the page: the header is on every page, and every
// page's first load is on a budget (bench/README.md). React.lazy rather than next/dynamic keeps
// even the loader's code out of the layout's first load.
const NotificationBell = lazy(() => import("./notification-bell").then((module) => ({ default: module.NotificationBell })));

const subscribeToNothing = () => () => undefined;

export function NotificationBellLoader() {
  // False while rendering on the server and hydrating: the bell's store lives in the browser only.
  const inBrowser = useSyncExternalStore(
    subscribeToNothing,
    () => true,
    () => false,
  );
  const placeholder = <span aria-hidden className="h-8 w-8 rounded-full border border-border" />;
  if (!inBrowser) return placeholder;
  return (
    <Suspense fallback={placeholder}>
      <NotificationBell />
    </Suspense>
  );
}
