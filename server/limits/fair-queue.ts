/**
 * Waiting items served round-robin by user and first-in-first-out within a user, so one person
 * with many waiting runs cannot push everyone else back. Positions are 1-based: 1 is served next.
 */
export class FairQueue<T> {
  private readonly byUser = new Map<string, T[]>();
  /** Users with waiting items, in the order they will be served; the first is next. */
  private rotation: string[] = [];

  get size(): number {
    let total = 0;
    for (const items of this.byUser.values()) total += items.length;
    return total;
  }

  enqueue(userId: string, item: T): void {
    const items = this.byUser.get(userId);
    if (items) items.push(item);
    else {
      this.byUser.set(userId, [item]);
      this.rotation.push(userId);
    }
  }

  /** The next item; its user moves to the back of the rotation if they have more waiting. */
  dequeue(): T | undefined {
    const userId = this.rotation.shift();
    if (userId === undefined) return undefined;
    const items = this.byUser.get(userId)!;
    const item = items.shift()!;
    if (items.length > 0) this.rotation.push(userId);
    else this.byUser.delete(userId);
    return item;
  }

  /** Takes an item out wherever it is (e.g. its run was stopped while waiting); false when absent. */
  remove(item: T): boolean {
    for (const [userId, items] of this.byUser) {
      const index = items.indexOf(item);
      if (index === -1) continue;
      items.splice(index, 1);
      if (items.length === 0) {
        this.byUser.delete(userId);
        this.rotation = this.rotation.filter((id) => id !== userId);
      }
      return true;
    }
    return false;
  }

  /**
   * Where the item stands if nothing else arrives: the k-th waiting item of its user is served in
   * round k, after every user's items of earlier rounds and the users ahead of its own in round k.
   */
  positionOf(item: T): number | undefined {
    for (const [userId, items] of this.byUser) {
      const round = items.indexOf(item);
      if (round === -1) continue;
      const rotationIndex = this.rotation.indexOf(userId);
      let ahead = 0;
      this.rotation.forEach((otherId, index) => {
        const count = this.byUser.get(otherId)!.length;
        ahead += Math.min(count, round);
        if (index < rotationIndex && count > round) ahead += 1;
      });
      return ahead + 1;
    }
    return undefined;
  }

  /** Every waiting item in the order it would be served. */
  items(): T[] {
    const order: T[] = [];
    const rounds = Math.max(0, ...[...this.byUser.values()].map((items) => items.length));
    for (let round = 0; round < rounds; round += 1) {
      for (const userId of this.rotation) {
        const item = this.byUser.get(userId)![round];
        if (item !== undefined) order.push(item);
      }
    }
    return order;
  }
}
