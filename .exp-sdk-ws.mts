import Docker from "dockerode";
import { query, type SDKUserMessage } from "@anthropic-ai/claude-agent-sdk";
import { randomUUID } from "node:crypto";
import { DockerWorkspaceRuntime } from "./server/workspaces/docker-workspace-runtime";
const docker = new Docker();
const rt = new DockerWorkspaceRuntime(docker, { image: "agent-platform/ws-dev-throwaway:latest" });
const h = await rt.ensureWorkspace("exp-user2");
const p = await rt.ensureAgentPaths(h, "a1");
const queue: SDKUserMessage[] = []; let wake: (() => void) | undefined;
async function* input(): AsyncGenerator<SDKUserMessage> { for (;;) { while (queue.length) yield queue.shift()!; await new Promise<void>(r => wake = r); } }
function send(text: string) { queue.push({ type: "user", message: { role: "user", content: text }, parent_tool_use_id: null }); wake?.(); }
const t0 = Date.now();
const q = query({ prompt: input(), options: {
  pathToClaudeCodeExecutable: "/usr/local/bin/claude", cwd: p.workdir, sessionId: randomUUID(), includePartialMessages: true,
  permissionMode: "bypassPermissions", allowDangerouslySkipPermissions: true, model: "claude-sonnet-4-5",
  env: { HOME: "/home/claude", CLAUDE_CONFIG_DIR: p.claudeConfigDir, ANTHROPIC_BASE_URL: "http://host.docker.internal:3299", ANTHROPIC_API_KEY: "sk-test", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
  stderr: (d) => console.log("STDERR", d.slice(0, 300)),
  spawnClaudeCodeProcess: (o) => { console.log("SPAWN", Date.now() - t0, o.command, o.args.join(" "), o.cwd); return rt.spawn(h, [o.command, ...o.args], { cwd: o.cwd, env: o.env }) as any; },
} });
let turn = 0; let tTurn = Date.now(); let first = true;
send("hello"); 
for await (const m of q) {
  const dt = Date.now() - tTurn;
  if (first) { console.log("FIRST EVENT", dt, m.type); first = false; }
  if (m.type === "stream_event") { if ((m.event as any).type === "content_block_delta") process.stdout.write("."); continue; }
  console.log(dt, m.type, (m as any).subtype ?? "", JSON.stringify(m).slice(0, 400));
  if (m.type === "result") {
    turn++;
    tTurn = Date.now(); first = true;
    if (turn === 1) send("compute the sum");
    else if (turn === 2) { send("please be slow"); setTimeout(async () => { console.log((await rt.exec(h, ["ps", "-eo", "pid,ppid,rss,args"])).stdout); const ti = Date.now(); const r = await q.interrupt(); console.log("INTERRUPT resolved", Date.now() - ti, r); }, 2500); }
    else if (turn === 3) { console.log((await rt.exec(h, ["ps", "-eo", "pid,ppid,rss,args"])).stdout); send("hi again"); }
    else break;
  }
}
q.close();
await new Promise(r => setTimeout(r, 500));
console.log((await rt.exec(h, ["sh", "-c", "ps -eo pid,ppid,rss,args; find /workspace -maxdepth 5 | head -30"])).stdout);
await rt.deleteUserWorkspace("exp-user2");
