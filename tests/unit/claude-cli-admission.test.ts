import { describe, expect, it } from "vitest";

import { CliAdmission, queuedMessage, type CliSlot } from "../../server/claude/cli-admission";

describe("CLI admission", () => {
  it("hands out slots up to the cap, then queues fairly and tells each waiter its position as it changes", async () => {
    const admission = new CliAdmission(1);
    const first = await admission.acquire("ann");
    const heard: Record<string, number[]> = { ann2: [], ann3: [], bob: [] };
    const granted: string[] = [];
    const wait = (user: string, name: string) =>
      admission.acquire(user, { onQueued: (position) => heard[name]!.push(position) }).then((slot) => {
        granted.push(name);
        return slot;
      });
    const ann2 = wait("ann", "ann2");
    const ann3 = wait("ann", "ann3");
    const bob = wait("bob", "bob");
    expect(admission.waiting).toBe(3);
    // Bob came last but is served before Ann's third run, which moves back a place and is told so.
    expect(heard).toEqual({ ann2: [1], ann3: [2, 3], bob: [2] });

    first.release();
    const ann2Slot = await ann2;
    expect(granted).toEqual(["ann2"]);
    expect(heard.bob).toEqual([2, 1]);
    expect(heard.ann3).toEqual([2, 3, 2]);
    // Releasing twice frees one slot, not two.
    ann2Slot.release();
    ann2Slot.release();
    const bobSlot = await bob;
    expect(granted).toEqual(["ann2", "bob"]);
    expect(heard.ann3).toEqual([2, 3, 2, 1]);
    expect(admission.used).toBe(1);
    bobSlot.release();
    (await ann3).release();
    expect(admission.used).toBe(0);
  });

  it("takes a waiter whose run was stopped out of the queue, and moves the others up", async () => {
    const admission = new CliAdmission(1);
    const held = await admission.acquire("ann");
    const stop = new AbortController();
    const positions: number[] = [];
    const stopped = admission.acquire("bob", { signal: stop.signal });
    const cat = admission.acquire("cat", { onQueued: (position) => positions.push(position) });
    expect(positions).toEqual([2]);
    stop.abort();
    await expect(stopped).rejects.toThrow(/stopped while it waited/);
    expect(positions).toEqual([2, 1]);
    expect(admission.waiting).toBe(1);
    held.release();
    await expect(cat).resolves.toBeDefined();
  });

  it("asks for room before queueing, and does not tell a waiter to wait when a slot is already coming back", async () => {
    let comingBack = 0;
    const held: { slot?: CliSlot } = {};
    const admission = new CliAdmission(1, {
      makeRoom: () => {
        // The runner ends an idle CLI: its slot returns shortly.
        comingBack = 1;
        setTimeout(() => {
          comingBack = 0;
          held.slot?.release();
        }, 5);
      },
      roomBeingMade: () => comingBack,
    });
    held.slot = await admission.acquire("ann");
    const positions: number[] = [];
    await admission.acquire("bob", { onQueued: (position) => positions.push(position) });
    expect(positions).toEqual([]);
  });

  it("does not let a prewarm jump the queue", async () => {
    const admission = new CliAdmission(1);
    const held = await admission.acquire("ann");
    expect(admission.tryAcquire()).toBeUndefined();
    const waiting = admission.acquire("bob");
    held.release();
    await waiting;
    expect(admission.tryAcquire()).toBeUndefined();
  });

  it("lets only as many CLIs boot at once as there are start shares, and the next one starts as soon as one has booted", async () => {
    const admission = new CliAdmission(10, undefined, 2);
    const first = await admission.acquire("ann");
    const second = await admission.acquire("bob");
    expect(admission.starting).toBe(2);
    const positions: number[] = [];
    let thirdGranted = false;
    const third = admission.acquire("cat", { onQueued: (position) => positions.push(position) }).then((slot) => {
      thirdGranted = true;
      return slot;
    });
    // Memory would allow it, the CPU does not: it waits, and is told its place.
    expect(admission.used).toBe(2);
    expect(admission.waiting).toBe(1);
    expect(positions).toEqual([1]);
    expect(admission.tryAcquire()).toBeUndefined();
    await Promise.resolve();
    expect(thirdGranted).toBe(false);
    first.started();
    first.started();
    const thirdSlot = await third;
    // The booted CLI still holds its memory; only its start share went to the waiter.
    expect(admission.used).toBe(3);
    expect(admission.starting).toBe(2);
    // A CLI that ends while booting gives its start share back too.
    second.release();
    expect(admission.starting).toBe(1);
    expect(admission.used).toBe(2);
    thirdSlot.started();
    expect(admission.starting).toBe(0);
    // Released after it booted: the start share is not returned twice.
    thirdSlot.release();
    first.release();
    expect(admission.used).toBe(0);
    expect(admission.starting).toBe(0);
    const prewarm = admission.tryAcquire();
    expect(prewarm).toBeDefined();
    expect(admission.starting).toBe(1);
  });

  it("words the position for people", () => {
    expect(queuedMessage(1)).toBe("Waiting for a free slot — you're next in line.");
    expect(queuedMessage(2)).toBe("Waiting for a free slot — you're 2nd in line.");
    expect(queuedMessage(3)).toBe("Waiting for a free slot — you're 3rd in line.");
    expect(queuedMessage(11)).toBe("Waiting for a free slot — you're 11th in line.");
    expect(queuedMessage(22)).toBe("Waiting for a free slot — you're 22nd in line.");
  });
});
