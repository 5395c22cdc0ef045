import { agentPaths, type AgentPaths } from "../workspaces/workspace-names";
import type { WorkspaceHandle, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { assertAgentFolderMade } from "../workspaces/workspace-runtime-common";

/**
 * Makes the agent's folders and looks for the conversation's transcript in one exec: a CLI start
 * needs both (its working directory must exist; the CLI refuses `--session-id` for a session that
 * exists and `--resume` for one that does not), and each exec is a round trip to the engine that
 * a first message waits for (two cost ~60 ms on an idle machine, far more under load).
 * Arguments travel as positional parameters, never spliced into the script.
 */
const PREPARE_SCRIPT = 'mkdir -p -- "$1" "$2" || exit 3; find "$2/projects" -maxdepth 2 -name "$3.jsonl" -print -quit 2>/dev/null; exit 0';

export interface AgentSessionFiles {
  paths: AgentPaths;
  transcriptExists: boolean;
}

export async function prepareAgentSession(
  runtime: Pick<WorkspaceRuntime, "exec" | "diskLimitBytes">,
  workspace: WorkspaceHandle,
  agentId: string,
  sessionId: string,
): Promise<AgentSessionFiles> {
  const paths = agentPaths(agentId);
  const result = await runtime.exec(workspace, ["/bin/sh", "-c", PREPARE_SCRIPT, "prepare-agent", paths.workdir, paths.claudeConfigDir, sessionId]);
  await assertAgentFolderMade(runtime, result);
  return { paths, transcriptExists: result.stdout.trim().length > 0 };
}
