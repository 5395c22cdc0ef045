"use client";

import { useCallback, useEffect, useRef, useState } from "react";

// Within this many pixels of the end still counts as "at the bottom" (rounding, a last line).
const NEAR_BOTTOM_PX = 48;

/**
 * Keeps a scrolling message list at its end while the person is there: as a reply streams, when a
 * chart decodes, when a conversation opens. Scrolling up leaves them where they are; `atBottom`
 * says whether a "jump to the latest" button is needed. Only the list scrolls, never the page, so
 * the composer under it stays on screen.
 */
export function useStickToBottom<List extends HTMLElement, Content extends HTMLElement>() {
  const listRef = useRef<List>(null);
  const contentRef = useRef<Content>(null);
  const pinned = useRef(true);
  const [atBottom, setAtBottom] = useState(true);

  const scrollToBottom = useCallback(() => {
    const list = listRef.current;
    if (!list) return;
    pinned.current = true;
    setAtBottom(true);
    list.scrollTop = list.scrollHeight;
  }, []);

  useEffect(() => {
    const list = listRef.current;
    const content = contentRef.current;
    if (!list || !content) return;
    let lastTop = list.scrollTop;
    const onScroll = () => {
      const near = list.scrollHeight - list.scrollTop - list.clientHeight <= NEAR_BOTTOM_PX;
      // Only scrolling up lets go of the end. Content growing (markdown rendering, an image
      // decoding) can move scrollTop down through scroll anchoring before the resize is seen.
      if (near) pinned.current = true;
      else if (list.scrollTop < lastTop) pinned.current = false;
      lastTop = list.scrollTop;
      setAtBottom(near || pinned.current);
    };
    // Growth of the content (text streaming in, an image decoding) and of the list (the window,
    // the composer growing a line) both move the end.
    const observer = new ResizeObserver(() => {
      if (pinned.current) list.scrollTop = list.scrollHeight;
    });
    observer.observe(content);
    observer.observe(list);
    list.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      observer.disconnect();
      list.removeEventListener("scroll", onScroll);
    };
  }, []);

  return { listRef, contentRef, atBottom, scrollToBottom };
}
