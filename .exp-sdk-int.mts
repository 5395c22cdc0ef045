import Docker from "dockerode";
import { query, type SDKUserMessage } from "@anthropic-ai/claude-agent-sdk";
import { randomUUID } from "node:crypto";
import { DockerWorkspaceRuntime } from "./server/workspaces/docker-workspace-runtime";
const docker = new Docker();
const rt = new DockerWorkspaceRuntime(docker, { image: "agent-platform/ws-dev-throwaway:latest" });
const h = await rt.ensureWorkspace("exp-user3");
const p = await rt.ensureAgentPaths(h, "a1");
const queue: SDKUserMessage[] = []; let wake: (() => void) | undefined;
async function* input(): AsyncGenerator<SDKUserMessage> { for (;;) { while (queue.length) yield queue.shift()!; await new Promise<void>(r => wake = r); } }
function send(text: string) { queue.push({ type: "user", message: { role: "user", content: text }, parent_tool_use_id: null }); wake?.(); }
const q = query({ prompt: input(), options: {
  pathToClaudeCodeExecutable: "/usr/local/bin/claude", cwd: p.workdir, sessionId: randomUUID(), includePartialMessages: true,
  permissionMode: "bypassPermissions", allowDangerouslySkipPermissions: true, model: "claude-sonnet-4-5",
  env: { HOME: "/home/claude", CLAUDE_CONFIG_DIR: p.claudeConfigDir, ANTHROPIC_BASE_URL: "http://host.docker.internal:3299", ANTHROPIC_API_KEY: "sk-test", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
  spawnClaudeCodeProcess: (o) => rt.spawn(h, [o.command, ...o.args], { cwd: o.cwd, env: o.env }) as any,
} });
let turn = 0; let tTurn = Date.now();
send("showenv");
for await (const m of q) {
  const dt = Date.now() - tTurn;
  if (m.type === "stream_event" || m.type === "system" && (m as any).subtype === "status") continue;
  console.log(dt, m.type, (m as any).subtype ?? "", JSON.stringify(m).slice(0, 1500));
  if (m.type === "user" && turn === 1) { 
    }
  if (m.type === "assistant" && turn === 1 && JSON.stringify(m).includes("tool_use")) {
    setTimeout(async () => { console.log((await rt.exec(h, ["ps", "-eo", "pid,ppid,pgid,rss,args"])).stdout); const ti = Date.now(); const r = await q.interrupt(); console.log("INTERRUPT resolved", Date.now() - ti, JSON.stringify(r)); 
      setTimeout(async () => console.log((await rt.exec(h, ["ps", "-eo", "pid,ppid,pgid,rss,args"])).stdout), 300); }, 1000);
  }
  if (m.type === "result") {
    turn++; tTurn = Date.now();
    if (turn === 1) send("please be slow");
    else if (turn === 2) send("hi again");
    else break;
  }
}
q.close();
await new Promise(r => setTimeout(r, 300));
await rt.deleteUserWorkspace("exp-user3");
