/** When a workspace was last used and how many runs are going on in it. */
export interface ActivityMark {
  lastActiveAt: number;
  runs: number;
}

export interface WorkspaceUsage {
  /** A run is going on in the workspace (on any server, for the shared view). */
  busy: boolean;
  /** Milliseconds since it was last used, or undefined when nobody has seen it used. */
  idleForMs: number | undefined;
}

/**
 * What the idle sweeper, adoption and metrics use: this process's activity (WorkspaceActivity) or
 * every server's (redis-workspace-activity.ts). Reads are asynchronous because another server may
 * have to be asked; marks stay synchronous. A view that cannot tell answers busy, so nothing is
 * stopped on a guess.
 */
export interface WorkspaceActivityView {
  usage(userId: string): Promise<WorkspaceUsage>;
  touch(userId: string): void;
  forget(userId: string): void;
}

/**
 * When each user's workspace was last used and whether a run is going on in it, so the idle
 * sweeper never stops a workspace under a running agent. In memory: after a server restart every
 * workspace counts as used at the moment the sweeper first sees it. `onChange` hears every change
 * (the shared view mirrors them to Redis).
 */
export class WorkspaceActivity implements WorkspaceActivityView {
  private readonly entries = new Map<string, ActivityMark>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly onChange?: (userId: string) => void,
  ) {}

  touch(userId: string): void {
    this.markUsed(userId);
    this.onChange?.(userId);
  }

  /** Marks a run as in progress until the returned function is called (calling it twice is harmless). */
  beginRun(userId: string): () => void {
    const entry = this.markUsed(userId);
    entry.runs += 1;
    this.onChange?.(userId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.runs = Math.max(0, entry.runs - 1);
      entry.lastActiveAt = this.now();
      // The map may have dropped this entry (forget) while the run was going: put it back.
      if (!this.entries.has(userId)) this.entries.set(userId, entry);
      this.onChange?.(userId);
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

  async usage(userId: string): Promise<WorkspaceUsage> {
    return { busy: this.isBusy(userId), idleForMs: this.idleForMs(userId) };
  }

  forget(userId: string): void {
    if (!this.isBusy(userId)) this.entries.delete(userId);
    this.onChange?.(userId);
  }

  /** A copy of the user's mark, or undefined when there is none. */
  markOf(userId: string): ActivityMark | undefined {
    const entry = this.entries.get(userId);
    return entry ? { ...entry } : undefined;
  }

  usersWithRuns(): string[] {
    return [...this.entries].filter(([, entry]) => entry.runs > 0).map(([userId]) => userId);
  }

  private markUsed(userId: string): ActivityMark {
    const entry = this.entries.get(userId);
    if (entry) {
      entry.lastActiveAt = this.now();
      return entry;
    }
    const created = { lastActiveAt: this.now(), runs: 0 };
    this.entries.set(userId, created);
    return created;
  }
}
