import { logger } from "../logger";
import type { WorkspaceActivityView } from "./workspace-activity";
import { PROCESS_MARKER_VARIABLE } from "./workspace-process-base";
import type { WorkspaceRuntime } from "./workspace-runtime";

/**
 * Ends every process a previous server started in the workspace (each carries the marker
 * variable), except this script's own shell. Tools inherit the variable, so a command the dead
 * server's CLI was running goes too.
 */
const END_ORPHANS_SCRIPT = [
  "ended=0",
  // The list is complete before the loop starts, so the grep and sed that build it have exited and are not counted.
  `for pid in $(grep -lsaF -- "${PROCESS_MARKER_VARIABLE}=" /proc/[0-9]*/environ | sed -e "s#^/proc/##" -e "s#/environ\\$##"); do`,
  '  [ "$pid" = "$$" ] && continue',
  '  kill -s KILL "$pid" 2>/dev/null && ended=$((ended + 1))',
  "done",
  'echo "$ended"',
].join("\n");

export interface AdoptionResult {
  /** Running workspaces found by their labels and handed to the idle sweeper's bookkeeping. */
  adopted: number;
  /** Processes left behind by the previous server in the workspaces of runs it had in flight. */
  endedProcesses: number;
}

/**
 * A starting server takes over the platform's containers from the one before it. Running
 * workspaces (found by label) count as used now, so the idle sweeper stops them only after a full
 * idle period. In the workspaces of users whose runs were cut off (`usersWithCutOffRuns`, from run
 * recovery), the dead server's CLI processes and their tools may still be running with nobody
 * reading them, and a resumed session would share its transcript with them: they are ended before
 * the server takes messages. Only those users' workspaces are touched, so servers with their own
 * stores on one Docker engine (tests, a second instance) never end each other's processes.
 */
export async function adoptWorkspaces(
  runtime: WorkspaceRuntime,
  activity: Pick<WorkspaceActivityView, "touch">,
  usersWithCutOffRuns: readonly string[],
): Promise<AdoptionResult> {
  const running = (await runtime.listWorkspaces()).filter((workspace) => workspace.state === "running");
  for (const workspace of running) activity.touch(workspace.userId);
  let endedProcesses = 0;
  const cutOff = new Set(usersWithCutOffRuns);
  for (const workspace of running.filter((candidate) => cutOff.has(candidate.userId))) {
    try {
      const handle = await runtime.ensureWorkspace(workspace.userId);
      const result = await runtime.exec(handle, ["/bin/sh", "-c", END_ORPHANS_SCRIPT], { timeoutMs: 15_000 });
      endedProcesses += Number.parseInt(result.stdout.trim(), 10) || 0;
    } catch (error) {
      logger.warn({ err: error, userId: workspace.userId }, "could not end the previous server's processes in a workspace");
    }
  }
  if (running.length > 0) logger.info({ adopted: running.length, endedProcesses }, "adopted running workspaces");
  return { adopted: running.length, endedProcesses };
}
