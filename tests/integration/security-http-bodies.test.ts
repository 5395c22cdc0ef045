import { request as httpRequest } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import { documentedBadInputs } from "../support/documented-bad-inputs";
import { seedGuestWithAgent, startServerProcess, type ServerProcess } from "./support/server-process";

/*
 * What the real server does with bodies and addresses no browser sends: an endless chunked body,
 * bytes that are not UTF-8, JSON that does not say it is JSON, and a path whose %-escapes do not
 * decode. Each gets a 4xx with a sentence, quickly, and nothing is stored.
 */

let server: ServerProcess;
let store: PlatformStore;
let dataDir: string;
let guest: { userId: string; token: string; agentId: string };

const auth = () => ({ authorization: `Bearer ${guest.token}` });

async function errorOf(response: Response): Promise<{ status: number; code?: string; message?: string }> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message };
}

async function agentNames(): Promise<string[]> {
  const agents = await store.listAgentsByOwner(guest.userId);
  return agents.map((agent) => agent.name);
}

interface ChunkedOutcome {
  status: number;
  body: string;
  /** Bytes the client had handed to the socket when the answer (or the close) came. */
  sentWhenAnswered: number;
  ms: number;
}

/**
 * Streams up to totalBytes of a JSON string value with Transfer-Encoding: chunked (no
 * Content-Length), stopping as soon as the server answers or closes the connection.
 */
function sendChunked(url: string, totalBytes: number): Promise<ChunkedOutcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = httpRequest(url, { method: "POST", headers: { ...auth(), "content-type": "application/json", "transfer-encoding": "chunked" } });
    const chunk = Buffer.alloc(64 * 1024, "x");
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.byteLength;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end('"}');
    };
    request.on("response", (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text: string) => (body += text));
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body, sentWhenAnswered, ms: Date.now() - started });
      });
    });
    // A server that cuts the connection after answering may reset the socket under the writer.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.write('{"name":"');
    pump();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "security-http-bodies-"));
  store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  guest = await seedGuestWithAgent(store, "Existing");
  server = await startServerProcess({ dataDir, env: { STORE: "sqlite" } });
  // Next compiles a route on its first request: do that before anything is timed.
  const warm = await fetch(`${server.url}/api/agents`, { headers: auth() });
  expect(warm.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const notJsonBody = () => new TextEncoder().encode(JSON.stringify({ name: "Sent as something else" }));
const notUtf8Body = () => Buffer.concat([Buffer.from('{"name":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' name"}')]);

async function expectJsonError(response: Response, status: number, code: string, says: RegExp): Promise<void> {
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  expect(await errorOf(response)).toMatchObject({ status, code, message: expect.stringMatching(says) });
}

async function expectBrokenAddressPage(address: string): Promise<void> {
  const response = await fetch(`${server.url}${address}`, { headers: auth(), redirect: "manual" });
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toMatch(/text\/html/);
  const page = await response.text();
  expect(page).toMatch(/<h1>This address is not valid<\/h1>/);
  expect(page).toMatch(/%-encoding/);
}

/** Each is sent to the real server and must get its 4xx with a sentence; docs/security.md counts them. */
const httpBadInputs: { name: string; check: () => Promise<void> }[] = [
  {
    name: "a 50 MB chunked JSON body (no Content-Length)",
    async check() {
      const outcome = await sendChunked(`${server.url}/api/agents`, 50 * 1024 * 1024);
      expect(outcome.status, outcome.body).toBe(413);
      expect(JSON.parse(outcome.body)).toMatchObject({ error: { code: "payload_too_large", message: expect.stringMatching(/larger than 1000000 bytes/) } });
      // The answer came while the client was still sending: the server stopped reading near the limit.
      expect(outcome.sentWhenAnswered).toBeLessThan(10 * 1024 * 1024);
      expect(outcome.ms).toBeLessThan(15_000);
    },
  },
  {
    name: "bytes that are not UTF-8 in a JSON body",
    check: async () =>
      expectJsonError(
        await fetch(`${server.url}/api/agents`, { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: notUtf8Body() }),
        400,
        "bad_request",
        /not valid UTF-8/,
      ),
  },
  ...[
    ["text/plain", { "content-type": "text/plain;charset=UTF-8" }],
    ["a form", { "content-type": "application/x-www-form-urlencoded" }],
    ["no Content-Type at all", {}],
  ].map(([label, headers]) => ({
    name: `a JSON body sent as ${label as string}`,
    check: async () =>
      expectJsonError(
        // Bytes, so fetch adds no Content-Type of its own.
        await fetch(`${server.url}/api/agents`, { method: "POST", headers: { ...auth(), ...(headers as Record<string, string>) }, body: notJsonBody() }),
        415,
        "unsupported_media_type",
        /Content-Type: application\/json/,
      ),
  })),
  ...["/api/agents/%ZZ", "/api/conversations/%E0%A4%A/messages"].map((address) => ({
    name: `the API address ${address}`,
    check: async () => expectJsonError(await fetch(`${server.url}${address}`, { headers: auth() }), 400, "bad_request", /%-encoding/),
  })),
  ...["/share/%ZZ", "/agents/%ZZ"].map((address) => ({ name: `the page address ${address}`, check: () => expectBrokenAddressPage(address) })),
];

describe("bad HTTP requests to the real server", () => {
  it.each(httpBadInputs.map((input) => [input.name, input] as const))("%s → a 4xx with a sentence, nothing stored", async (_name, input) => {
    await input.check();
    expect(await agentNames()).toEqual(["Existing"]);
  });

  it("still takes JSON declared with a charset parameter", async () => {
    const response = await fetch(`${server.url}/api/agents`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ name: "Declared" }),
    });
    expect(response.status).toBe(201);
    expect((await agentNames()).sort()).toEqual(["Declared", "Existing"]);
  });

  it("is counted in docs/security.md", () => {
    expect(documentedBadInputs("security-http-bodies.test.ts")).toBe(httpBadInputs.length);
  });
});
