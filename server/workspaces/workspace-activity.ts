interface ActivityEntry {
  lastActiveAt: number;
  runs: number;
}

/**
 * When each user's workspace was last used and whether a run is going on in it, so the idle
 * sweeper never stops a workspace under a running agent. In memory: after a server restart every
 * workspace counts as used at the moment the sweeper first sees it.
 */
export class WorkspaceActivity {
  private readonly entries = new Map<string, ActivityEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  touch(userId: string): void {
    const entry = this.entries.get(userId);
    if (entry) entry.lastActiveAt = this.now();
    else this.entries.set(userId, { lastActiveAt: this.now(), runs: 0 });
  }

  /** Marks a run as in progress until the returned function is called (calling it twice is harmless). */
  beginRun(userId: string): () => void {
    this.touch(userId);
    const entry = this.entries.get(userId)!;
    entry.runs += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.runs = Math.max(0, entry.runs - 1);
      entry.lastActiveAt = this.now();
      // The map may have dropped this entry (forget) while the run was going: put it back.
      if (!this.entries.has(userId)) this.entries.set(userId, entry);
    };
  }

  isBusy(userId: string): boolean {
    return (this.entries.get(userId)?.runs ?? 0) > 0;
  }

  /** Milliseconds since the last activity, or undefined for a workspace never seen. */
  idleForMs(userId: string): number | undefined {
    const entry = this.entries.get(userId);
    return entry ? this.now() - entry.lastActiveAt : undefined;
  }

  forget(userId: string): void {
    if (!this.isBusy(userId)) this.entries.delete(userId);
  }
}
