import type { Agent } from "../../lib/records";
import { nextRunAt } from "../schedules/schedule-rules";
import type { PlatformStore } from "../store/store";

export interface ScheduledRunsDueOptions {
  store: Pick<PlatformStore, "listAgentsWithEnabledSchedules">;
  /** A workspace whose owner has a scheduled run due within this long is kept running. */
  withinMs?: number;
  /** The owners are looked up at most this often (one sweep asks for every running workspace). */
  cacheMs?: number;
  now?: () => number;
}

const pageSize = 500;

/** Owners with an enabled schedule whose next run falls within the window. */
export async function ownersWithScheduledRunDue(
  store: ScheduledRunsDueOptions["store"],
  from: Date,
  withinMs: number,
): Promise<Set<string>> {
  const owners = new Set<string>();
  let afterId: string | undefined;
  for (;;) {
    const agents: Agent[] = await store.listAgentsWithEnabledSchedules({ limit: pageSize, ...(afterId ? { afterId } : {}) });
    for (const agent of agents) {
      if (owners.has(agent.ownerId)) continue;
      const due = agent.schedules.some((schedule) => {
        if (!schedule.enabled) return false;
        const next = nextRunAt(schedule, from);
        return next !== null && next.getTime() - from.getTime() <= withinMs;
      });
      if (due) owners.add(agent.ownerId);
    }
    if (agents.length < pageSize) return owners;
    afterId = agents.at(-1)!.id;
  }
}

/**
 * The idle sweeper's "is a scheduled run about to need this workspace?" question: stopping a
 * container minutes before its owner's schedule fires would only make that run wait for a start.
 */
export function scheduledRunDueSoon(options: ScheduledRunsDueOptions): (userId: string) => Promise<boolean> {
  const withinMs = options.withinMs ?? 5 * 60_000;
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; owners: Promise<Set<string>> } | undefined;
  return async (userId) => {
    const at = now();
    if (!cached || at - cached.at > cacheMs) {
      const owners = ownersWithScheduledRunDue(options.store, new Date(at), withinMs);
      cached = { at, owners };
      // A failed lookup is not remembered: the next question asks the store again.
      owners.catch(() => {
        if (cached?.owners === owners) cached = undefined;
      });
    }
    return (await cached.owners).has(userId);
  };
}
