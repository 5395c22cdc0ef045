import type { Run } from "../../lib/records";
import { logger } from "../logger";
import type { PlatformStore } from "../store/store";
import { recoverInterruptedRuns, type RecoveryOptions } from "./run-recovery";

export interface RunLeaseKeeperOptions {
  store: PlatformStore;
  instanceId: string;
  leaseMs: number;
  /** The runs going on in this process (ConversationService.runsHere). */
  runsHere(): Run[];
  /** What recovering a cut-off run involves beyond the store (ending processes, telling followers). */
  recovery: Pick<RecoveryOptions, "claim" | "onRecovered">;
}

export interface RunLeaseKeeper {
  /** One renewal and one sweep now (tests; the timer does the same every third of a lease). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Each run records the server running it and a lease that server renews every third of
 * RUN_LEASE_SECONDS. Every server also looks, as often, for runs whose lease lapsed (their server
 * died without a word) and recovers them, so a dead server's runs end within about one lease.
 */
export function startRunLeaseKeeper(options: RunLeaseKeeperOptions): RunLeaseKeeper {
  const { store, instanceId, leaseMs } = options;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const renew = async () => {
    const leaseExpiresAt = new Date(Date.now() + leaseMs).toISOString();
    for (const run of options.runsHere()) {
      // A run that just ended answers conflict: nothing to renew.
      await store.updateRun(run.id, { leaseExpiresAt }).catch((error: unknown) => logger.debug({ err: error, runId: run.id }, "run lease not renewed"));
    }
  };
  const sweep = async () => {
    const here = new Set(options.runsHere().map((run) => run.id));
    await recoverInterruptedRuns(store, {
      instanceId,
      includeOwnEarlierRuns: false,
      isRunningHere: (run) => here.has(run.id),
      ...options.recovery,
    });
  };
  const tick = () => {
    running = running
      .then(async () => {
        if (stopped) return;
        await renew();
        await sweep();
      })
      .catch((error: unknown) => logger.warn({ err: error }, "run lease renewal or recovery failed; trying again shortly"));
    return running;
  };
  const timer = setInterval(() => void tick(), Math.max(1_000, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
