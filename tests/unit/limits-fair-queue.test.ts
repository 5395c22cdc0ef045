import { describe, expect, it } from "vitest";

import { FairQueue } from "../../server/limits/fair-queue";

describe("fair queue", () => {
  it("serves users in turn and each user's items in order", () => {
    const queue = new FairQueue<string>();
    queue.enqueue("ann", "ann-1");
    queue.enqueue("ann", "ann-2");
    queue.enqueue("ann", "ann-3");
    queue.enqueue("bob", "bob-1");
    queue.enqueue("cat", "cat-1");
    queue.enqueue("bob", "bob-2");
    expect(queue.items()).toEqual(["ann-1", "bob-1", "cat-1", "ann-2", "bob-2", "ann-3"]);
    const served: string[] = [];
    for (let item = queue.dequeue(); item !== undefined; item = queue.dequeue()) served.push(item);
    expect(served).toEqual(["ann-1", "bob-1", "cat-1", "ann-2", "bob-2", "ann-3"]);
    expect(queue.size).toBe(0);
  });

  it("gives each item the position it will be served at, and a newcomer does not wait behind all of one user's runs", () => {
    const queue = new FairQueue<string>();
    for (const item of ["ann-1", "ann-2", "ann-3", "ann-4"]) queue.enqueue("ann", item);
    queue.enqueue("bob", "bob-1");
    expect(queue.positionOf("ann-1")).toBe(1);
    expect(queue.positionOf("bob-1")).toBe(2);
    expect(queue.positionOf("ann-2")).toBe(3);
    expect(queue.positionOf("ann-4")).toBe(5);
    expect(queue.positionOf("nobody")).toBeUndefined();
    for (const item of queue.items()) expect(queue.items().indexOf(item) + 1).toBe(queue.positionOf(item));
  });

  it("keeps the rotation after serving: the user just served goes to the back", () => {
    const queue = new FairQueue<string>();
    queue.enqueue("ann", "ann-1");
    queue.enqueue("ann", "ann-2");
    queue.enqueue("bob", "bob-1");
    expect(queue.dequeue()).toBe("ann-1");
    queue.enqueue("cat", "cat-1");
    expect(queue.items()).toEqual(["bob-1", "ann-2", "cat-1"]);
    expect(queue.positionOf("cat-1")).toBe(3);
  });

  it("removes a cancelled item, moving everyone behind it up", () => {
    const queue = new FairQueue<string>();
    queue.enqueue("ann", "ann-1");
    queue.enqueue("bob", "bob-1");
    queue.enqueue("bob", "bob-2");
    expect(queue.remove("ann-1")).toBe(true);
    expect(queue.remove("ann-1")).toBe(false);
    expect(queue.positionOf("bob-1")).toBe(1);
    expect(queue.positionOf("bob-2")).toBe(2);
    expect(queue.size).toBe(2);
    expect(queue.dequeue()).toBe("bob-1");
  });
});
