import type { WorkspaceRuntime } from "./workspace-runtime";

/**
 * Every process a server starts in a workspace carries the server's INSTANCE_ID in this variable
 * (tools inherit it), so when a server dies another can end exactly what the dead one left
 * running in a workspace, and nothing of its own or of a third server's.
 */
export const SERVER_INSTANCE_VARIABLE = "AGENTDESK_SERVER_INSTANCE";

export function serverProcessEnv(instanceId: string): Record<string, string> {
  return { [SERVER_INSTANCE_VARIABLE]: instanceId };
}

/**
 * Run as `sh -c SCRIPT end-server-processes VAR=ID`: a fixed script, the marker arrives as an
 * argument. `grep -z -x` matches one whole NUL-separated environ entry, so "replica-1" does not
 * match "replica-10"; the list is complete before the loop starts, and the script skips itself.
 */
const END_SERVER_PROCESSES_SCRIPT = [
  "ended=0",
  'for pid in $(grep -lsazFx -- "$1" /proc/[0-9]*/environ | sed -e "s#^/proc/##" -e "s#/environ\\$##"); do',
  '  [ "$pid" = "$$" ] && continue',
  '  kill -s KILL "$pid" 2>/dev/null && ended=$((ended + 1))',
  "done",
  'echo "$ended"',
].join("\n");

/** Ends what the server `instanceId` started in the user's workspace; answers how many processes went. */
export async function endServerProcesses(runtime: WorkspaceRuntime, userId: string, instanceId: string): Promise<number> {
  const running = (await runtime.listWorkspaces()).find((workspace) => workspace.userId === userId && workspace.state === "running");
  // A stopped workspace has no processes left to end.
  if (!running) return 0;
  const workspace = await runtime.ensureWorkspace(userId);
  const result = await runtime.exec(
    workspace,
    ["/bin/sh", "-c", END_SERVER_PROCESSES_SCRIPT, "end-server-processes", `${SERVER_INSTANCE_VARIABLE}=${instanceId}`],
    { timeoutMs: 15_000 },
  );
  return Number.parseInt(result.stdout.trim(), 10) || 0;
}
