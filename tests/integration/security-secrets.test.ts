import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as getAgentRoute } from "@/app/api/agents/[id]/route";
import { GET as listMessagesRoute } from "@/app/api/conversations/[id]/messages/route";
import { GET as getConversationRoute } from "@/app/api/conversations/[id]/route";
import { logger } from "@/server/logger";
import { startSecurityPlatform, type SecurityPlatform } from "./support/security-platform";

/*
 * Keys and tokens never reach the logs or the browser. A chat turn runs on the real platform with
 * recognisable fake secrets configured, the agent prints its whole environment (which goes to the
 * browser as a tool result), and every log line and every payload the browser could receive is
 * searched for them. The model still gets the key: the egress proxy adds it on the way out.
 */

const apiKey = `sk-ant-api03-FAKEKEY-${"k".repeat(24)}`;
const authSecret = `FAKE-AUTH-SECRET-${"s".repeat(32)}`;

const printEnvironment = {
  id: "print-environment",
  match: (prompt: string) => /print your environment/i.test(prompt),
  steps: [{ tool: { name: "Bash" as const, input: { command: "env; cat /proc/1/environ | tr '\\0' '\\n'", description: "Print the environment" } } }, { text: "{{lastToolResult}}" }],
};

let security: SecurityPlatform;
const logLines: string[] = [];
let restoreLogger: () => void;
let previousAuthSecret: string | undefined;

beforeAll(async () => {
  // Every line pino writes, at every level, is kept for the search below.
  const stream = (logger as unknown as Record<symbol, { write: (line: string) => unknown }>)[pino.symbols.streamSym]!;
  const write = stream.write;
  const level = logger.level;
  stream.write = (line: string) => {
    logLines.push(line);
    return true;
  };
  logger.level = "trace";
  restoreLogger = () => {
    stream.write = write;
    logger.level = level;
  };
  previousAuthSecret = process.env.AUTH_SECRET;
  process.env.AUTH_SECRET = authSecret;
  security = await startSecurityPlatform({ env: { ANTHROPIC_API_KEY: apiKey, AUTH_SECRET: authSecret, LOG_LEVEL: "trace" }, scripts: [printEnvironment] });
});

afterAll(async () => {
  await security?.close();
  restoreLogger?.();
  if (previousAuthSecret === undefined) delete process.env.AUTH_SECRET;
  else process.env.AUTH_SECRET = previousAuthSecret;
});

describe("secrets", () => {
  it("keeps the API key, the session secret and the guest token out of every log line and everything sent to the browser", async () => {
    const { store, conversations } = security.platform.services;
    const { userId, token } = await security.newGuest();
    const agent = await store.createAgent({ ownerId: userId, name: "Env printer", model: "claude-sonnet-4-5" });
    const conversation = await conversations.createConversation({ userId }, agent.id);

    const socket = await security.connectSocket(token);
    const socketPayloads: string[] = [];
    socket.onAny((event: string, ...args: unknown[]) => socketPayloads.push(JSON.stringify([event, ...args])));
    const follow = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    socketPayloads.push(JSON.stringify(follow));
    const run = security.collectRun(socket, conversation.id);
    const ack = await socket.emitWithAck("conversation:send", {
      agentId: agent.id,
      conversationId: conversation.id,
      text: "print your environment",
      clientMessageId: "env-1",
    });
    socketPayloads.push(JSON.stringify(ack));
    const events = await run;
    socket.disconnect();

    // The turn really ran and really printed the environment the agent's commands get.
    expect(events.at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
    const printed = events.flatMap((e) => (e.event.type === "tool_result" ? [e.event.output] : [])).join("\n");
    expect(printed).toContain("HTTPS_PROXY=http://host.docker.internal:");
    expect(printed).toMatch(/ANTHROPIC_API_KEY=agentdesk-workspace-/);
    // ...and the model still got the real key, added by the egress proxy.
    expect(security.modelKeys.length).toBeGreaterThan(0);
    expect(new Set(security.modelKeys)).toEqual(new Set([apiKey]));

    const auth = { headers: { authorization: `Bearer ${token}` } };
    const params = (id: string) => ({ params: Promise.resolve({ id }) });
    const responses = await Promise.all([
      listMessagesRoute(new Request(`http://localhost/api/conversations/${conversation.id}/messages`, auth), params(conversation.id)),
      getConversationRoute(new Request(`http://localhost/api/conversations/${conversation.id}`, auth), params(conversation.id)),
      getAgentRoute(new Request(`http://localhost/api/agents/${agent.id}`, auth), params(agent.id)),
    ]);
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(bodies[0]).toContain("HTTPS_PROXY");

    const browserSees = [...socketPayloads, ...bodies].join("\n");
    const logged = logLines.join("");
    // The capture works: start-up and the turn were logged.
    expect(logged).toContain("workspace egress proxy listening");
    expect(logged).toContain("workspace ensured");
    for (const secret of [apiKey, authSecret]) {
      expect(browserSees.includes(secret), "a secret reached the browser").toBe(false);
      expect(logged.includes(secret), "a secret reached the log").toBe(false);
    }
    // The guest token is the browser's own credential, but it is never logged.
    expect(logged.includes(token), "the guest token reached the log").toBe(false);
  });
});
