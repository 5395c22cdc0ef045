import { query } from "@anthropic-ai/claude-agent-sdk";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
const t0 = Date.now();
const sid = randomUUID();
const q = query({
  prompt: "hello there",
  options: {
    pathToClaudeCodeExecutable: "/work/main/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude",
    cwd: "/tmp/exp",
    sessionId: sid,
    includePartialMessages: true,
    permissionMode: "bypassPermissions",
    allowDangerouslySkipPermissions: true,
    env: { PATH: process.env.PATH, HOME: "/tmp/exp/home", CLAUDE_CONFIG_DIR: "/tmp/exp/home/cfg", ANTHROPIC_BASE_URL: "http://127.0.0.1:3299", ANTHROPIC_API_KEY: "sk-test", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
    spawnClaudeCodeProcess: (o) => {
      console.log("SPAWN", o.command, JSON.stringify(o.args), o.cwd, Object.keys(o.env).join(","));
      return spawn(o.command, o.args, { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "inherit"] });
    },
  },
});
for await (const m of q) console.log(Date.now() - t0, m.type, (m as any).subtype ?? "", JSON.stringify(m).slice(0, 250));
