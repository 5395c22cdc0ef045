import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { AppError } from "../../lib/errors";
import type { Agent, Schedule, ScheduleFire } from "../../lib/records";
import type { ConversationService, FinishedRun } from "../conversations/conversation-service";
import { logger } from "../logger";
import type { PlatformStore } from "../store/store";
import { previousRunAt } from "./schedule-rules";
import { missedAfterMs, planSlot, scheduleActiveSince } from "./slot-planning";

/**
 * Runs agents' schedules. Every tick it looks at each enabled schedule, works out the slot that is
 * due (slot-planning.ts), and takes it by creating the slot's fire record, whose id is derived from
 * the slot: the create is the lease, so with several servers on one store each slot runs exactly
 * once. The run itself is an ordinary conversation run (trigger "schedule") in the owner's
 * workspace; the fire follows it to the end through recordRunFinished.
 */

export interface SchedulerOptions {
  store: PlatformStore;
  conversations: Pick<ConversationService, "startScheduledRun">;
  /** 0 turns the tick loop off ("Run now" still works). */
  tickSeconds: number;
  instanceId?: string;
  /** The clock; tests move it. */
  now?: () => Date;
  /**
   * Tells the owner when a scheduled slot could not even start (a quota, a store error): no run
   * means no finished-run notification, yet the owner expected one.
   */
  onStartFailed?(agent: Agent, schedule: Schedule, reason: string): void | Promise<void>;
}

/** What one tick did with one schedule, for logs and tests. */
export interface TickAction {
  agentId: string;
  scheduleId: string;
  slot: string;
  /** started: this server runs it; skipped: recorded as skipped; taken: another server had it already. */
  outcome: "started" | "skipped" | "taken" | "failed";
  reason?: string;
}

/** Unique per process, readable in the store: which machine and process holds a fire. */
export function serverInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "-").slice(0, 100) || "host";
  return `${host}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

const agentsPerPage = 200;
const runsConsideredForOverlap = 100;
const versionsConsidered = 100;
// A fire claimed this long ago with no run yet belongs to a server that died while starting it.
const abandonedClaimMs = 2 * 60_000;
const unfinishedStatuses = new Set<ScheduleFire["status"]>(["claimed", "running"]);

function scheduleKey(agentId: string, scheduleId: string): string {
  return `${agentId}/${scheduleId}`;
}

export class Scheduler {
  readonly instanceId: string;
  private readonly now: () => Date;
  private readonly graceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private currentTick: Promise<unknown> = Promise.resolve();
  /** The slot this process has settled per schedule, so a slot costs one claim, not one per tick. */
  private readonly settledSlots = new Map<string, number>();
  /** Schedules with a fire going (or being started) on this server: the fire's id. */
  private readonly activeFires = new Map<string, string>();
  private readonly fireByRun = new Map<string, string>();
  /** Resolves once a fire's run id is recorded, so a very quick finish cannot overtake it. */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly activeSinceCache = new Map<string, { version: number; since: Map<string, Date> }>();

  constructor(private readonly options: SchedulerOptions) {
    this.instanceId = options.instanceId ?? serverInstanceId();
    this.now = options.now ?? (() => new Date());
    this.graceMs = missedAfterMs(options.tickSeconds);
  }

  /** Recovers fires cut off by a restart, then ticks every tickSeconds (nothing when 0). */
  start(): void {
    if (this.options.tickSeconds <= 0) {
      logger.info("scheduler off on this server (SCHEDULER_TICK_SECONDS=0)");
      this.currentTick = this.recoverInterruptedFires().catch((error: unknown) => logger.error({ err: error }, "recovering schedule fires failed"));
      return;
    }
    const intervalMs = this.options.tickSeconds * 1_000;
    const loop = () => {
      if (this.stopped) return;
      this.currentTick = this.tick()
        .catch((error: unknown) => logger.error({ err: error }, "scheduler tick failed"))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
        });
    };
    this.currentTick = this.recoverInterruptedFires()
      .catch((error: unknown) => logger.error({ err: error }, "recovering schedule fires failed"))
      .finally(loop);
    logger.info({ instanceId: this.instanceId, tickSeconds: this.options.tickSeconds }, "scheduler started");
  }

  /** No new fires after this; runs already started go on (the runner's shutdown ends them). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.currentTick.catch(() => undefined);
  }

  /** One pass over every enabled schedule, as of `at`. */
  async tick(at: Date = this.now()): Promise<TickAction[]> {
    const actions: TickAction[] = [];
    let afterId: string | undefined;
    for (;;) {
      const agents = await this.options.store.listAgentsWithEnabledSchedules({ limit: agentsPerPage, ...(afterId ? { afterId } : {}) });
      for (const agent of agents) {
        for (const schedule of agent.schedules.filter((candidate) => candidate.enabled)) {
          if (this.stopped) return actions;
          try {
            const action = await this.considerSchedule(agent, schedule, at);
            if (action) actions.push(action);
          } catch (error) {
            logger.error({ err: error, agentId: agent.id, scheduleId: schedule.id }, "could not handle a due schedule");
          }
        }
      }
      if (agents.length < agentsPerPage) return actions;
      afterId = agents[agents.length - 1]!.id;
    }
  }

  private async considerSchedule(agent: Agent, schedule: Schedule, now: Date): Promise<TickAction | null> {
    const key = scheduleKey(agent.id, schedule.id);
    const dueSlot = previousRunAt(schedule, now);
    if (!dueSlot || this.settledSlots.get(key) === dueSlot.getTime()) return null;
    const activeSince = await this.activeSince(agent, schedule);
    const due = dueSlot.getTime() >= activeSince.getTime();
    const previousRunInProgress = due && (await this.runInProgress(agent.id, schedule.id));
    const plan = planSlot({ schedule, now, dueSlot, activeSince, graceMs: this.graceMs, previousRunInProgress });
    if (plan.action === "none") {
      this.settledSlots.set(key, dueSlot.getTime());
      return null;
    }
    // Checked again without an await in between: a "Run now" may have started meanwhile.
    if (plan.action === "run" && this.activeFires.has(key)) return null;
    const base = { agentId: agent.id, scheduleId: schedule.id, slot: plan.slot.toISOString() };
    if (plan.action === "run") this.activeFires.set(key, "pending");
    let fire: ScheduleFire | null;
    try {
      fire = await this.options.store.claimScheduleFire({
        agentId: agent.id,
        scheduleId: schedule.id,
        ownerId: agent.ownerId,
        slot: plan.slot.toISOString(),
        claimedBy: this.instanceId,
        ...(plan.action === "skip" ? { status: "skipped" as const, reason: plan.reason } : { status: "claimed" as const }),
      });
    } catch (error) {
      if (this.activeFires.get(key) === "pending") this.activeFires.delete(key);
      throw error;
    }
    this.settledSlots.set(key, plan.slot.getTime());
    if (!fire) {
      if (this.activeFires.get(key) === "pending") this.activeFires.delete(key);
      logger.info(base, "scheduled slot already taken (by another server, or before a restart)");
      return { ...base, outcome: "taken" };
    }
    if (plan.action === "skip") {
      logger.info({ ...base, reason: plan.reason }, "scheduled run skipped");
      return { ...base, outcome: "skipped", reason: plan.reason };
    }
    logger.info({ ...base, missed: plan.missed, fireId: fire.id }, plan.missed ? "catching up a missed scheduled run" : "starting a scheduled run");
    try {
      await this.startFire(agent, schedule, fire, plan.slot);
      return { ...base, outcome: "started" };
    } catch (error) {
      const reason = error instanceof AppError ? error.message : "The run could not start because of an error on our side.";
      await Promise.resolve(this.options.onStartFailed?.(agent, schedule, reason)).catch((err: unknown) =>
        logger.error({ err, ...base }, "could not tell the owner a scheduled run did not start"),
      );
      return { ...base, outcome: "failed", reason };
    }
  }

  /**
   * "Run now": a fire of its own (slot = now, held by this server) that no cron slot counts,
   * refused while the schedule's previous run is still going.
   */
  async runNow(agent: Agent, scheduleId: string): Promise<{ runId: string; conversationId: string; fireId: string }> {
    const schedule = agent.schedules.find((candidate) => candidate.id === scheduleId);
    if (!schedule) throw new AppError("not_found", "This schedule does not exist (it may have been deleted). Reload the agent's schedules.");
    const key = scheduleKey(agent.id, schedule.id);
    const busy = () => new AppError("conflict", "This schedule's previous run is still going. Wait for it to finish (or stop it in its conversation), then try again.");
    if (this.activeFires.has(key)) throw busy();
    this.activeFires.set(key, "pending");
    let fire: ScheduleFire | null = null;
    try {
      if (await this.runInProgress(agent.id, schedule.id, { ignoreLocal: true })) throw busy();
      let slot = this.now();
      // Cron slots fall on whole minutes: a manual slot never does, so it can never take a cron slot's id.
      if (slot.getMilliseconds() === 0) slot = new Date(slot.getTime() + 1);
      fire = await this.options.store.claimScheduleFire({
        agentId: agent.id,
        scheduleId: schedule.id,
        ownerId: agent.ownerId,
        slot: slot.toISOString(),
        claimedBy: this.instanceId,
        status: "claimed",
      });
      if (!fire) throw busy();
      const started = await this.startFire(agent, schedule, fire, slot);
      return { ...started, fireId: fire.id };
    } finally {
      if (this.activeFires.get(key) === "pending") this.activeFires.delete(key);
    }
  }

  private async startFire(agent: Agent, schedule: Schedule, fire: ScheduleFire, slot: Date): Promise<{ runId: string; conversationId: string }> {
    const key = scheduleKey(agent.id, schedule.id);
    this.activeFires.set(key, fire.id);
    const started = (async () => {
      try {
        const { runId, conversationId } = await this.options.conversations.startScheduledRun(agent, schedule, slot);
        this.fireByRun.set(runId, fire.id);
        await this.options.store
          .updateScheduleFire(fire.id, { status: "running", runId, conversationId })
          .catch((error: unknown) => logger.error({ err: error, fireId: fire.id }, "could not mark the fire running"));
        return { runId, conversationId };
      } catch (error) {
        if (this.activeFires.get(key) === fire.id) this.activeFires.delete(key);
        const reason = error instanceof AppError ? error.message : "The run could not start because of an error on our side.";
        if (!(error instanceof AppError)) logger.error({ err: error, fireId: fire.id }, "scheduled run could not start");
        await this.options.store
          .updateScheduleFire(fire.id, { status: "failed", reason, finishedAt: this.now().toISOString() })
          .catch((err: unknown) => logger.error({ err, fireId: fire.id }, "could not mark the fire failed"));
        throw error;
      }
    })();
    this.starting.set(
      key,
      started.then(
        () => undefined,
        () => undefined,
      ),
    );
    return started;
  }

  /** Called for every finished run: a scheduled one's fire takes the run's outcome. */
  async recordRunFinished(finished: Pick<FinishedRun, "run" | "status" | "error">): Promise<ScheduleFire | null> {
    const { run } = finished;
    if (run.trigger !== "schedule" || !run.scheduleId) return null;
    const key = scheduleKey(run.agentId, run.scheduleId);
    await this.starting.get(key);
    const fireId = this.fireByRun.get(run.id);
    if (!fireId) return null;
    this.fireByRun.delete(run.id);
    if (this.activeFires.get(key) === fireId) this.activeFires.delete(key);
    return this.options.store.updateScheduleFire(fireId, {
      status: finished.status,
      finishedAt: run.finishedAt ?? this.now().toISOString(),
      ...(finished.status !== "complete" && finished.error ? { reason: finished.error.message.slice(0, 2_000) } : {}),
    });
  }

  /**
   * A fire left claimed or running by a server that stopped takes its run's final status (run
   * recovery has marked such runs interrupted by then); one that never got a run is interrupted.
   * A fire whose run still runs (on another server) is left alone. Returns the fire as it is now.
   */
  async reconcileFire(fire: ScheduleFire): Promise<ScheduleFire> {
    if (!unfinishedStatuses.has(fire.status) || this.activeFires.get(scheduleKey(fire.agentId, fire.scheduleId)) === fire.id) return fire;
    if (fire.runId) {
      const run = await this.options.store.getRun(fire.runId).catch(() => null);
      if (run && run.status === "running") return fire;
      return this.options.store.updateScheduleFire(fire.id, {
        status: run ? run.status : "interrupted",
        finishedAt: run?.finishedAt ?? this.now().toISOString(),
        ...(run?.error ? { reason: run.error.message.slice(0, 2_000) } : {}),
      });
    }
    if (this.now().getTime() - Date.parse(fire.claimedAt) < abandonedClaimMs) return fire;
    return this.options.store.updateScheduleFire(fire.id, {
      status: "interrupted",
      reason: "The server stopped before this run could start.",
      finishedAt: this.now().toISOString(),
    });
  }

  /** At start-up: settles the fires a previous server process left unfinished. */
  async recoverInterruptedFires(): Promise<number> {
    let recovered = 0;
    let afterId: string | undefined;
    for (;;) {
      const agents = await this.options.store.listAgentsWithEnabledSchedules({ limit: agentsPerPage, ...(afterId ? { afterId } : {}) });
      for (const agent of agents) {
        const fires = await this.options.store.listScheduleFires(agent.id, { limit: 50 });
        for (const fire of fires.filter((candidate) => unfinishedStatuses.has(candidate.status))) {
          const settled = await this.reconcileFire(fire).catch((error: unknown) => {
            logger.warn({ err: error, fireId: fire.id }, "could not settle an unfinished schedule fire");
            return fire;
          });
          if (settled.status !== fire.status) recovered += 1;
        }
      }
      if (agents.length < agentsPerPage) break;
      afterId = agents[agents.length - 1]!.id;
    }
    if (recovered > 0) logger.warn({ fires: recovered }, "marked schedule fires cut off by a restart");
    return recovered;
  }

  /** Whether the schedule has a run going, here or on any server sharing the store. */
  private async runInProgress(agentId: string, scheduleId: string, options: { ignoreLocal?: boolean } = {}): Promise<boolean> {
    if (!options.ignoreLocal && this.activeFires.has(scheduleKey(agentId, scheduleId))) return true;
    const runs = await this.options.store.listRunsByAgent(agentId, { limit: runsConsideredForOverlap });
    return runs.some((run) => run.scheduleId === scheduleId && run.status === "running");
  }

  private async activeSince(agent: Agent, schedule: Schedule): Promise<Date> {
    let cached = this.activeSinceCache.get(agent.id);
    if (!cached || cached.version !== agent.version) {
      const versions = await this.options.store.listAgentVersions(agent.id, { limit: versionsConsidered });
      const fallback = new Date(agent.updatedAt);
      cached = {
        version: agent.version,
        since: new Map(agent.schedules.map((candidate) => [candidate.id, scheduleActiveSince(candidate, agent.version, versions, fallback)])),
      };
      this.activeSinceCache.set(agent.id, cached);
    }
    return cached.since.get(schedule.id) ?? new Date(agent.updatedAt);
  }
}
