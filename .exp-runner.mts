import Docker from "dockerode";
import { randomUUID } from "node:crypto";
import { DockerWorkspaceRuntime } from "./server/workspaces/docker-workspace-runtime";
import { ClaudeRunner } from "./server/claude/claude-runner";
import { createModelStandIn } from "./server/model-stand-in";
const standIn = await createModelStandIn({ port: 0, pacing: 0 });
const docker = new Docker();
const runtime = new DockerWorkspaceRuntime(docker, { image: process.env.IMG ?? "agent-platform/ws-dev-throwaway:latest" });
const runner = new ClaudeRunner({ runtime, credentials: { baseUrl: `http://host.docker.internal:${standIn.port}`, apiKey: "x" }, cliIdleMs: 60_000, defaultModel: "claude-sonnet-4-5" });
const base = { userId: "exp-runner", agentId: "a1", conversationId: "c1", claudeSessionId: randomUUID() };
const log = (e: any) => { if (e.type !== "text_delta") console.log("  ", JSON.stringify(e).slice(0, 200)); };
for (const prompt of ["compute the sum of 1 to 100 in Python", "now only the even numbers", "run a slow task"]) {
  console.log(">>", prompt);
  if (prompt.includes("slow")) setTimeout(async () => { const t = Date.now(); await runner.interruptTurn("c1"); console.log("interrupt call", Date.now() - t); }, 2500);
  const o = await runner.runAgentTurn({ ...base, prompt }, log);
  console.log("OUTCOME", o.status, o.reusedProcess, o.timings, o.result?.text.slice(0, 80), o.result?.costUsd);
}
await runner.closeConversation("c1");
console.log(">> after close");
const o = await runner.runAgentTurn({ ...base, prompt: "now only the even numbers" }, log);
console.log("OUTCOME", o.status, o.reusedProcess, o.timings, o.result?.text.slice(0, 80), o.result?.costUsd);
await runner.shutdown();
await runtime.deleteUserWorkspace("exp-runner");
await standIn.close();
