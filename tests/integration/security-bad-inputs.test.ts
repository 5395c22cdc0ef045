import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { POST as createConversationRoute } from "@/app/api/agents/[id]/conversations/route";
import { GET as getArchiveRoute } from "@/app/api/agents/[id]/files/archive/route";
import { GET as getContentRoute } from "@/app/api/agents/[id]/files/content/route";
import { GET as getTreeRoute, POST as uploadRoute } from "@/app/api/agents/[id]/files/route";
import { PATCH as editAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as createAgentRoute } from "@/app/api/agents/route";
import { GET as listMessagesRoute, POST as sendMessageRoute } from "@/app/api/conversations/[id]/messages/route";
import { GET as getConversationRoute } from "@/app/api/conversations/[id]/route";
import type { FileEntry, FileTreeResponse } from "@/lib/file-api";
import type { Agent, Message } from "@/lib/records";
import { documentedBadInputs } from "../support/documented-bad-inputs";
import { startSecurityPlatform, type SecurityPlatform } from "./support/security-platform";

/*
 * Garbage in, on every surface a browser or script can reach (REST, socket, files), on the real
 * platform with the real CLI: each bad input gets a clear error (or, for odd but legal text, is
 * kept exactly), the socket session survives, and nothing already stored changes. Prompts with
 * shell syntax and odd Unicode reach the model exactly as typed (the stand-in echoes them).
 */

const maxUploadMb = 1;
let security: SecurityPlatform;
let token: string;
let socket: Socket;
let agent: Agent;
let conversationId: string;
let echoConversationId: string;
let storedBefore: { messages: Message[]; agent: Agent; files: string[] };

const context = (id: string) => ({ params: Promise.resolve({ id }) });
const base = "http://localhost/api";

function request(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Request {
  return new Request(url, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
}
function jsonRequest(url: string, method: string, body: string): Request {
  return request(url, { method, body, headers: { "content-type": "application/json" } });
}
function upload(filePath: string, bytes: Uint8Array): Promise<Response> {
  const url = `${base}/agents/${agent.id}/files?path=${encodeURIComponent(filePath)}`;
  return uploadRoute(request(url, { method: "POST", body: new Uint8Array(bytes), headers: { "content-type": "application/octet-stream" } }), context(agent.id));
}
function fileContent(filePath: string): Promise<Response> {
  return getContentRoute(request(`${base}/agents/${agent.id}/files/content?path=${encodeURIComponent(filePath)}`), context(agent.id));
}

function flatten(entries: FileEntry[]): FileEntry[] {
  return entries.flatMap((entry) => [entry, ...flatten(entry.children ?? [])]);
}
async function listedFiles(): Promise<string[]> {
  const response = await getTreeRoute(request(`${base}/agents/${agent.id}/files`), context(agent.id));
  return flatten(((await response.json()) as FileTreeResponse).entries).map((entry) => entry.path).sort();
}

interface Outcome {
  status: number | "ack";
  code?: string;
  message?: string;
}
async function fromResponse(response: Response): Promise<Outcome> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message };
}
async function fromAck(event: string, ...args: unknown[]): Promise<Outcome> {
  const ack = (await socket.timeout(10_000).emitWithAck(event, ...args)) as { ok: boolean; error?: { code: string; message: string } };
  return { status: "ack", code: ack.ok ? undefined : ack.error?.code, message: ack.error?.message };
}

/** A JSON text nested `depth` objects deep ({"a":{"a":…}}), written out: building it as an object would overflow the sender's own stack. */
const deeplyNested = (depth: number) => `${'{"a":'.repeat(depth)}"leaf"${"}".repeat(depth)}`;

/**
 * Sends one event as a raw Socket.IO frame and waits for its acknowledgement frame: the client's
 * encoder walks payloads recursively and cannot even send what an attacker's script can.
 */
async function rawFrameAck(event: string, payloadJson: string): Promise<Outcome> {
  const engine = socket.io.engine;
  const ackId = 900_000 + Math.floor(Math.random() * 99_999);
  const ack = new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no acknowledgement for the raw ${event} frame`)), 10_000);
    const onPacket = (packet: { type: string; data?: unknown }) => {
      if (packet.type !== "message" || typeof packet.data !== "string" || !packet.data.startsWith(`3${ackId}[`)) return;
      engine.off("packet", onPacket);
      clearTimeout(timer);
      const [body] = JSON.parse(packet.data.slice(`3${ackId}`.length)) as [{ ok: boolean; error?: { code: string; message: string } }];
      resolve({ status: "ack", code: body.ok ? undefined : body.error?.code, message: body.error?.message });
    };
    engine.on("packet", onPacket);
  });
  engine.write(`2${ackId}[${JSON.stringify(event)},${payloadJson}]`);
  return ack;
}

interface BadInput {
  surface: "REST" | "socket" | "files";
  name: string;
  send: () => Promise<Outcome>;
  expected: { status?: number; code: string; says: RegExp };
}

const sendUrl = () => `${base}/conversations/${conversationId}/messages`;
const sendPayload = (extra: Record<string, unknown>) => ({ agentId: agent.id, conversationId, clientMessageId: "bad-input", ...extra });

const badInputs: BadInput[] = [
  { surface: "REST", name: "malformed JSON", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", '{"name": "x",'))), expected: { status: 400, code: "bad_request", says: /not valid JSON/ } },
  { surface: "REST", name: "a number where a name belongs", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", '{"name": 42}'))), expected: { status: 400, code: "bad_request", says: /name/ } },
  { surface: "REST", name: "an unknown field", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", '{"name": "x", "ownerId": "someone-else"}'))), expected: { status: 400, code: "bad_request", says: /ownerId|nrecognized/i } },
  { surface: "REST", name: "a 1.5 MB body", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", JSON.stringify({ name: "big", instructions: "x".repeat(1_500_000) })))), expected: { status: 413, code: "payload_too_large", says: /larger than/ } },
  { surface: "REST", name: "a JSON array as the body", send: async () => fromResponse(await editAgentRoute(jsonRequest(`${base}/agents/${agent.id}`, "PATCH", "[]"), context(agent.id))), expected: { status: 400, code: "bad_request", says: /Invalid request/ } },
  { surface: "REST", name: "a string version number", send: async () => fromResponse(await editAgentRoute(jsonRequest(`${base}/agents/${agent.id}`, "PATCH", '{"name":"n","expectedVersion":"1"}'), context(agent.id))), expected: { status: 400, code: "bad_request", says: /expectedVersion/ } },
  { surface: "REST", name: "a message of only spaces", send: async () => fromResponse(await sendMessageRoute(jsonRequest(sendUrl(), "POST", '{"text":"   \\n\\t ","clientMessageId":"m-empty"}'), context(conversationId))), expected: { status: 400, code: "bad_request", says: /must not be empty/ } },
  { surface: "REST", name: "a message over 100,000 characters", send: async () => fromResponse(await sendMessageRoute(jsonRequest(sendUrl(), "POST", JSON.stringify({ text: "y".repeat(100_001), clientMessageId: "m-long" })), context(conversationId))), expected: { status: 400, code: "bad_request", says: /100,000/ } },
  { surface: "REST", name: "a message without its clientMessageId", send: async () => fromResponse(await sendMessageRoute(jsonRequest(sendUrl(), "POST", '{"text":"hello"}'), context(conversationId))), expected: { status: 400, code: "bad_request", says: /clientMessageId/ } },
  { surface: "REST", name: "a clientMessageId with shell syntax", send: async () => fromResponse(await sendMessageRoute(jsonRequest(sendUrl(), "POST", '{"text":"hello","clientMessageId":"$(reboot);rm -rf /"}'), context(conversationId))), expected: { status: 400, code: "bad_request", says: /clientMessageId/ } },
  { surface: "REST", name: "letters where numbers belong in a query", send: async () => fromResponse(await listMessagesRoute(request(`${sendUrl()}?afterSeq=-1&limit=lots`), context(conversationId))), expected: { status: 400, code: "bad_request", says: /whole numbers/ } },
  { surface: "REST", name: "a conversation id that is a path", send: async () => fromResponse(await getConversationRoute(request(`${base}/conversations/..%2F..%2Fagents`), context("../../agents"))), expected: { status: 404, code: "not_found", says: /./ } },
  { surface: "REST", name: "a conversation title with a NUL byte", send: async () => fromResponse(await createConversationRoute(jsonRequest(`${base}/agents/${"x"}/conversations`, "POST", '{"title":"a\\u0000b"}'), context("x"))), expected: { status: 404, code: "not_found", says: /./ } },
  { surface: "socket", name: "an unknown event", send: () => fromAck("conversation:delete-everything", { conversationId: "x" }), expected: { code: "unknown_event", says: /Unknown event "conversation:delete-everything"/ } },
  { surface: "socket", name: "a string instead of an object", send: () => fromAck("conversation:send", "hello"), expected: { code: "bad_request", says: /./ } },
  { surface: "socket", name: "a number as the message text", send: () => fromAck("conversation:send", sendPayload({ text: 42 })), expected: { code: "bad_request", says: /text/ } },
  { surface: "socket", name: "an extra field", send: () => fromAck("conversation:send", sendPayload({ text: "hi", role: "system" })), expected: { code: "bad_request", says: /role|nrecognized/i } },
  { surface: "socket", name: "a 150,000-character message", send: () => fromAck("conversation:send", sendPayload({ text: "z".repeat(150_000) })), expected: { code: "bad_request", says: /100,000/ } },
  { surface: "socket", name: "a word where a sequence number belongs", send: () => fromAck("conversation:follow", { conversationId, afterSeq: "latest" }), expected: { code: "bad_request", says: /afterSeq/ } },
  { surface: "socket", name: "a negative timestamp", send: () => fromAck("platform:ping", { sentAt: -1 }), expected: { code: "bad_request", says: /sentAt/ } },
  { surface: "socket", name: "a conversation id with ../ and a NUL", send: () => fromAck("conversation:stop", { conversationId: "../x\u0000" }), expected: { code: "bad_request", says: /conversationId/ } },
  { surface: "socket", name: "no payload at all", send: () => fromAck("conversation:follow"), expected: { code: "bad_request", says: /./ } },
  { surface: "files", name: "a file name that reverses its reading direction", send: async () => fromResponse(await upload("invoice\u202Egpj.exe", Buffer.from("x"))), expected: { status: 400, code: "bad_request", says: /reading direction/ } },
  { surface: "files", name: "a file name with a NUL byte", send: async () => fromResponse(await upload("a\u0000.txt", Buffer.from("x"))), expected: { status: 400, code: "bad_request", says: /NUL/ } },
  { surface: "REST", name: "a lone surrogate in an agent name", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", '{"name": "broken \\ud800 name"}'))), expected: { status: 400, code: "bad_request", says: /name contains a broken character/ } },
  { surface: "socket", name: "a lone surrogate in a message", send: () => fromAck("conversation:send", sendPayload({ text: "half an emoji \ud83d" })), expected: { code: "bad_request", says: /text contains a broken character/ } },
  { surface: "files", name: "an upload over the size limit", send: async () => fromResponse(await upload("huge.bin", Buffer.alloc(maxUploadMb * 1024 * 1024 + 1, 1))), expected: { status: 413, code: "payload_too_large", says: /./ } },
  { surface: "files", name: "an absolute path to zip", send: async () => fromResponse(await getArchiveRoute(request(`${base}/agents/${agent.id}/files/archive?path=%2Fetc`), context(agent.id))), expected: { status: 400, code: "bad_request", says: /inside the agent's folder/ } },
  { surface: "REST", name: "a body nested 20,000 deep", send: async () => fromResponse(await createAgentRoute(jsonRequest(`${base}/agents`, "POST", deeplyNested(20_000)))), expected: { status: 400, code: "bad_request", says: /nests deeper than 32 levels/ } },
  { surface: "socket", name: "a 40 KB frame nested 20,000 deep", send: () => rawFrameAck("conversation:send", deeplyNested(20_000)), expected: { code: "bad_request", says: /nests deeper than 32 levels/ } },
  { surface: "files", name: "a path with a line break", send: async () => fromResponse(await upload("two\nlines.txt", Buffer.from("x"))), expected: { status: 400, code: "bad_request", says: /control characters/ } },
];

beforeAll(async () => {
  security = await startSecurityPlatform({ env: { FILES_MAX_UPLOAD_MB: String(maxUploadMb) } });
  const { store, conversations } = security.platform.services;
  const guest = await security.newGuest();
  token = guest.token;
  agent = await store.createAgent({ ownerId: guest.userId, name: "Target", model: "claude-sonnet-4-5" });
  conversationId = (await conversations.createConversation({ userId: guest.userId }, agent.id)).id;
  echoConversationId = (await conversations.createConversation({ userId: guest.userId }, agent.id)).id;
  socket = await security.connectSocket(token);
  await socket.emitWithAck("conversation:follow", { conversationId, afterSeq: -1 });
  await socket.emitWithAck("conversation:follow", { conversationId: echoConversationId, afterSeq: -1 });

  // Something stored worth losing: a real turn (with a tool call) and a file.
  const run = security.collectRun(socket, conversationId);
  await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId, text: "compute the sum of 1 to 100 in Python", clientMessageId: "history-1" });
  expect((await run).at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
  expect((await upload("keep/data.csv", Buffer.from("a,b\n1,2\n"))).status).toBe(201);
  storedBefore = { messages: await store.listMessages(conversationId), agent: await store.getAgent(agent.id), files: await listedFiles() };
});

afterAll(async () => {
  socket?.disconnect();
  await security?.close();
});

describe("bad inputs", () => {
  it("has at least 20 cases across REST, socket and files, as many as docs/security.md counts", () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(20);
    expect(new Set(badInputs.map((input) => input.surface))).toEqual(new Set(["REST", "socket", "files"]));
    expect(documentedBadInputs("security-bad-inputs.test.ts")).toBe(badInputs.length);
  });

  it.each(badInputs.map((input) => [`${input.surface}: ${input.name}`, input] as const))("%s → a clear error", async (_label, input) => {
    const outcome = await input.send();
    if (input.expected.status !== undefined) expect(outcome.status).toBe(input.expected.status);
    expect(outcome.code).toBe(input.expected.code);
    expect(outcome.message).toMatch(input.expected.says);
    // A sentence for a person, not a stack trace.
    expect(outcome.message).not.toMatch(/\n\s+at |TypeError|SyntaxError/);
    expect(socket.connected).toBe(true);
  });

  it.each([
    ["shell metacharacters and quotes", "ECHO: $(rm -rf /); `reboot` | cat /etc/passwd && echo 'single' \"double\" \\back > /tmp/x < /dev/null & ${HOME} %s %n"],
    ["odd Unicode", "ECHO: \u202Eevil\u202C zero\u200Bwidth join\u200D 👩‍💻🎉 cafe\u0301 مرحبا 日本語"],
  ])("a prompt with %s reaches the model exactly as typed and is stored as such", async (_label, prompt) => {
    const { store } = security.platform.services;
    const run = security.collectRun(socket, echoConversationId);
    const clientMessageId = `echo-${Date.now()}`;
    const ack = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: echoConversationId, text: prompt, clientMessageId });
    expect(ack).toMatchObject({ ok: true });
    const events = await run;
    expect(events.at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
    const stored = await store.listMessages(echoConversationId);
    const [question, reply] = stored.slice(-2);
    expect(question?.content).toEqual([{ type: "text", text: prompt }]);
    // The stand-in answers with the prompt it received.
    expect(reply?.content.filter((block) => block.type === "text").map((block) => (block as { text: string }).text).join("")).toBe(prompt);
  });

  it("keeps odd but legal file names exactly: emoji, zero-width space, quotes and shell syntax", async () => {
    const name = `report\u200b 📊 $(reboot) 'q' "d" ; rm -rf ~.csv`;
    expect((await upload(name, Buffer.from("1,2\n"))).status).toBe(201);
    expect(await listedFiles()).toContain(name);
    expect(await (await fileContent(name)).text()).toBe("1,2\n");
  });

  it("afterwards: the session is alive, nothing stored was lost, and the next message works", async () => {
    const { store } = security.platform.services;
    expect(socket.connected).toBe(true);
    expect(await socket.emitWithAck("platform:ping", { sentAt: Date.now() })).toMatchObject({ ok: true });
    expect(await store.listMessages(conversationId)).toEqual(storedBefore.messages);
    // Only the activity time moves (the echo turns above); the agent itself is as it was.
    expect({ ...(await store.getAgent(agent.id)), lastActivityAt: null }).toEqual({ ...storedBefore.agent, lastActivityAt: null });
    const files = await listedFiles();
    for (const file of storedBefore.files) expect(files).toContain(file);
    expect(files.some((file) => file.includes("huge") || file.includes("invoice"))).toBe(false);

    const run = security.collectRun(socket, conversationId);
    await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId, text: "now only the even numbers", clientMessageId: "history-2" });
    const events = await run;
    expect(events.find((e) => e.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });
  });
});
