import type { AgentEvent } from "../../lib/agent-events";
import { mentionsFullDisk, workspaceFullMessage } from "../../lib/workspace-disk";

/**
 * Wraps a turn's event sink so that a full workspace disk is said in plain words. A tool that hit
 * ENOSPC answers with a traceback or "No space left on device" the person may not read, and the
 * agent may carry on as if nothing happened: after the first such tool result the chat also gets
 * one `workspace_full` error with the sentence (how big the disk is, what to delete). An error
 * event that is itself about the full disk is replaced by that sentence.
 */
export function withDiskFullNotice(emit: (event: AgentEvent) => void, limitBytes: number | null): (event: AgentEvent) => void {
  let told = false;
  const notice = (): AgentEvent => ({ type: "error", code: "workspace_full", message: workspaceFullMessage(limitBytes) });
  return (event) => {
    if (event.type === "error" && event.code !== "workspace_full" && mentionsFullDisk(event.message)) {
      told = true;
      emit(notice());
      return;
    }
    emit(event);
    if (told) return;
    const full = event.type === "tool_result" ? mentionsFullDisk(event.output) : event.type === "result" && event.isError && mentionsFullDisk(event.text);
    if (full) {
      told = true;
      emit(notice());
    }
  };
}
