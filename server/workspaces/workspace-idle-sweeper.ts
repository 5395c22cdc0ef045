import { logger } from "../logger";
import type { WorkspaceActivityView } from "./workspace-activity";
import type { WorkspaceRuntime } from "./workspace-runtime";

export interface IdleSweepOptions {
  runtime: WorkspaceRuntime;
  /** This server's activity, or every server's when several share the workspaces. */
  activity: WorkspaceActivityView;
  idleMs: number;
  /** "stop" keeps the container for a fast warm start; "remove" frees its disk layer too. Files stay either way. */
  action?: "stop" | "remove";
  /** True when the user has a scheduled run due within the next few minutes: their workspace stays up for it. */
  hasScheduledRunDueSoon?: (userId: string) => Promise<boolean>;
}

/**
 * Stops (or removes) running workspaces idle for longer than `idleMs`, unless a run is in progress
 * (or waiting for a CLI slot) in them on any server, or a scheduled run of their owner is due soon.
 */
export async function sweepIdleWorkspaces({ runtime, activity, idleMs, action = "stop", hasScheduledRunDueSoon }: IdleSweepOptions): Promise<string[]> {
  const swept: string[] = [];
  for (const workspace of await runtime.listWorkspaces()) {
    if (workspace.state !== "running") continue;
    const { busy, idleForMs: idleFor } = await activity.usage(workspace.userId);
    if (idleFor === undefined) {
      activity.touch(workspace.userId);
      continue;
    }
    if (idleFor < idleMs || busy) continue;
    if (hasScheduledRunDueSoon && (await scheduledRunDue(hasScheduledRunDueSoon, workspace.userId))) continue;
    // The lookups awaited: a run may have begun meanwhile, here or on another server.
    if ((await activity.usage(workspace.userId)).busy) continue;
    try {
      if (action === "remove") await runtime.removeWorkspace(workspace.userId);
      else await runtime.stopWorkspace(workspace.userId);
      activity.forget(workspace.userId);
      swept.push(workspace.userId);
      logger.info({ userId: workspace.userId, idleMinutes: Math.round(idleFor / 60_000), action }, "idle workspace swept");
    } catch (error) {
      logger.warn({ userId: workspace.userId, err: error }, "could not sweep idle workspace");
    }
  }
  return swept;
}

/** A lookup that fails keeps the workspace: stopping one a run is about to need costs more than leaving it up. */
async function scheduledRunDue(check: (userId: string) => Promise<boolean>, userId: string): Promise<boolean> {
  try {
    return await check(userId);
  } catch (error) {
    logger.warn({ userId, err: error }, "could not check for scheduled runs; keeping the workspace");
    return true;
  }
}

export interface IdleSweeper {
  sweepNow(): Promise<string[]>;
  stop(): void;
}

export function startIdleSweeper(options: IdleSweepOptions & { intervalMs?: number }): IdleSweeper {
  const intervalMs = options.intervalMs ?? Math.min(60_000, Math.max(1_000, options.idleMs / 4));
  let running: Promise<string[]> | undefined;
  const sweepNow = () => {
    // One sweep at a time: a slow engine must not pile sweeps on top of each other.
    running ??= sweepIdleWorkspaces(options).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweepNow().catch((error: unknown) => logger.warn({ err: error }, "idle sweep failed"));
  }, intervalMs);
  timer.unref();
  return { sweepNow, stop: () => clearInterval(timer) };
}
