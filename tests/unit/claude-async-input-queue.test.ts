import { describe, expect, it } from "vitest";

import { AsyncInputQueue } from "../../server/claude/async-input-queue";

describe("async input queue", () => {
  it("hands out pushed items in order, waiting for the next one", async () => {
    const queue = new AsyncInputQueue<string>();
    const iterator = queue[Symbol.asyncIterator]();
    queue.push("first");
    expect(await iterator.next()).toEqual({ value: "first", done: false });
    const pending = iterator.next();
    queue.push("second");
    expect(await pending).toEqual({ value: "second", done: false });
  });

  it("ends after the queued items once closed", async () => {
    const queue = new AsyncInputQueue<number>();
    queue.push(1);
    queue.close();
    const seen: number[] = [];
    for await (const item of queue) seen.push(item);
    expect(seen).toEqual([1]);
    expect(() => queue.push(2)).toThrow();
  });

  it("wakes a waiting reader when closed", async () => {
    const queue = new AsyncInputQueue<number>();
    const pending = queue[Symbol.asyncIterator]().next();
    queue.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});
