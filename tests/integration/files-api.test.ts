import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as getArchiveRoute } from "@/app/api/agents/[id]/files/archive/route";
import { GET as getContentRoute } from "@/app/api/agents/[id]/files/content/route";
import { GET as getLinkRoute } from "@/app/api/agents/[id]/files/link/route";
import { GET as getSharedRoute } from "@/app/api/share/[token]/route";
import { GET as getSharedFileRoute } from "@/app/api/share/[token]/files/content/route";
import { DELETE as deleteFileRoute, GET as getTreeRoute, POST as uploadRoute } from "@/app/api/agents/[id]/files/route";
import type { ErrorPayload } from "@/lib/errors";
import type { FileEntry, FileLinkResponse, FileTreeResponse, UploadResponse } from "@/lib/file-api";
import { fileContentUrl } from "@/lib/file-urls";
import type { SharedAgentResponse } from "@/lib/share-api";
import { getAuthConfig } from "@/server/auth/auth-config";
import { createFilesOriginHandler } from "@/server/files/files-origin-server";
import { configSchema, type PlatformConfig } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { getPlatformServices, registerPlatformServices } from "@/server/platform-services";
import { composePlatformServices } from "@/server/platform";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import { DockerWorkspaceRuntime } from "@/server/workspaces/docker-workspace-runtime";
import { USER_LABEL, agentPaths } from "@/server/workspaces/workspace-names";
import type { WorkspaceHandle } from "@/server/workspaces/workspace-runtime";

/*
 * The files API on the real workspace: the route handlers are called the way Next calls them,
 * every byte goes through a real Docker container, and the store is a throwaway SQLite file.
 */

const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const runtime = new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, pidsLimit: 128 });
const prefix = `test-files-${randomBytes(3).toString("hex")}`;
const alice = `${prefix}-alice`;
const bob = `${prefix}-bob`;
const sessions = new Map([
  ["alice-session", alice],
  ["bob-session", bob],
]);
const maxUploadMb = 1;

let directory: string;
let sqlite: PlatformStore;
let aliceAgent: string;
let bobAgent: string;
let workspace: WorkspaceHandle;
let config: PlatformConfig;

beforeAll(async () => {
  await docker.getImage(image).inspect().catch(() => {
    throw new Error(`Workspace image ${image} is missing: run "npm run provision" first (or set WORKSPACE_IMAGE).`);
  });
  directory = mkdtempSync(path.join(tmpdir(), "files-api-"));
  // File links are signed with the auth secret; never one generated into the checkout's data/.
  process.env.AUTH_SECRET ??= "files-api-test-secret-0123456789abcdef";
  sqlite = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  // Sessions resolve to test-files-… ids, so every container and volume this file makes is recognisable.
  const store: PlatformStore = {
    ...sqlite,
    findGuestSession: async (id) => {
      const userId = sessions.get(id);
      return userId ? { id, userId, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() } : null;
    },
  };
  config = Object.assign(configSchema.parse({ WORKSPACE_IMAGE: image }), { FILES_MAX_UPLOAD_MB: maxUploadMb });
  registerPlatformServices(composePlatformServices({
    config,
    store,
    runtime,
    conversations: {} as ConversationService,
    offlineDemoModel: true,
  }));
  aliceAgent = (await store.createAgent({ ownerId: alice, name: "Sales / Q3 report", model: "test" })).id;
  bobAgent = (await store.createAgent({ ownerId: bob, name: "Bob's agent", model: "test" })).id;
  workspace = await runtime.ensureWorkspace(alice);
  await runtime.ensureAgentPaths(workspace, aliceAgent);
});

afterAll(async () => {
  await runtime.deleteUserWorkspace(alice).catch(() => undefined);
  await runtime.deleteUserWorkspace(bob).catch(() => undefined);
  // Anything a failed run left behind.
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    containers.filter((c) => c.Labels[USER_LABEL]?.startsWith(prefix)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)),
  );
  const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    (Volumes ?? []).filter((v) => v.Labels?.[USER_LABEL]?.startsWith(prefix)).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)),
  );
  await sqlite?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────

const base = "http://localhost/api/agents";
const context = (id: string) => ({ params: Promise.resolve({ id }) });

function filesUrl(agentId: string, suffix = "", query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${base}/${agentId}/files${suffix}${search ? `?${search}` : ""}`;
}

function authed(session: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { authorization: `Bearer ${session}`, ...(init.headers as Record<string, string> | undefined) } };
}

async function upload(filePath: string, bytes: Uint8Array, session = "alice-session", agentId = aliceAgent): Promise<Response> {
  const request = new Request(
    filesUrl(agentId, "", { path: filePath }),
    authed(session, { method: "POST", body: new Uint8Array(bytes), headers: { "content-length": String(bytes.byteLength), "content-type": "application/octet-stream" } }),
  );
  return uploadRoute(request, context(agentId));
}

async function tree(options: { hidden?: boolean; session?: string; agentId?: string } = {}): Promise<Response> {
  const agentId = options.agentId ?? aliceAgent;
  return getTreeRoute(new Request(filesUrl(agentId, "", options.hidden ? { hidden: "1" } : {}), authed(options.session ?? "alice-session")), context(agentId));
}

async function content(query: Record<string, string>, session = "alice-session", agentId = aliceAgent): Promise<Response> {
  return getContentRoute(new Request(filesUrl(agentId, "/content", query), authed(session)), context(agentId));
}

async function archive(query: Record<string, string> = {}, session = "alice-session", agentId = aliceAgent): Promise<Response> {
  return getArchiveRoute(new Request(filesUrl(agentId, "/archive", query), authed(session)), context(agentId));
}

async function remove(filePath: string, session = "alice-session", agentId = aliceAgent): Promise<Response> {
  return deleteFileRoute(new Request(filesUrl(agentId, "", { path: filePath }), authed(session, { method: "DELETE" })), context(agentId));
}

async function errorOf(response: Response): Promise<ErrorPayload> {
  return ((await response.json()) as { error: ErrorPayload }).error;
}

function flatten(entries: FileEntry[]): FileEntry[] {
  return entries.flatMap((entry) => [entry, ...flatten(entry.children ?? [])]);
}

async function listedPaths(options: { hidden?: boolean } = {}): Promise<string[]> {
  const response = await tree(options);
  expect(response.status).toBe(200);
  return flatten(((await response.json()) as FileTreeResponse).entries).map((entry) => entry.path);
}

async function inWorkspace(script: string): Promise<string> {
  const result = await runtime.exec(workspace, ["sh", "-c", script], { cwd: agentPaths(aliceAgent).workdir });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

/** Every file in a zip, read from its central directory (enough for the small archives here). */
function unzip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index += 1) {
    expect(zip.readUInt32LE(offset)).toBe(0x02014b50);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString("utf8");
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// Every byte value, then random bytes: catches any text decoding or newline translation on the way.
const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)), randomBytes(300_000)]);

// ── The journey ──────────────────────────────────────────────────────────────────────────────────

describe("agent files API on a real workspace", () => {
  it("uploads, lists, downloads byte for byte, zips and deletes a binary file", async () => {
    const uploaded = await upload("data/all-bytes.bin", binary);
    expect(uploaded.status).toBe(201);
    const { file } = (await uploaded.json()) as UploadResponse;
    expect(file).toMatchObject({ name: "all-bytes.bin", path: "data/all-bytes.bin", type: "file", size: binary.length });

    const listing = (await (await tree()).json()) as FileTreeResponse;
    const data = listing.entries.find((entry) => entry.path === "data");
    expect(data).toMatchObject({ type: "directory" });
    expect(data?.children?.map((entry) => entry.path)).toEqual(["data/all-bytes.bin"]);
    expect(listing.limits.maxUploadBytes).toBe(maxUploadMb * 1024 * 1024);

    const download = await content({ path: "data/all-bytes.bin", download: "1" });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="all-bytes.bin"; filename*=UTF-8''all-bytes.bin`);
    expect(download.headers.get("content-security-policy")).toBe("sandbox");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(download.headers.get("content-length")).toBe(String(binary.length));
    expect(Buffer.from(await download.arrayBuffer()).equals(binary)).toBe(true);

    const zipped = await archive();
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get("content-type")).toBe("application/zip");
    expect(zipped.headers.get("content-disposition")).toContain(`filename*=UTF-8''Sales%20-%20Q3%20report%20files.zip`);
    const entries = unzip(Buffer.from(await zipped.arrayBuffer()));
    expect(entries.get("data/all-bytes.bin")?.equals(binary)).toBe(true);

    expect((await remove("data/all-bytes.bin")).status).toBe(204);
    expect(await listedPaths()).not.toContain("data/all-bytes.bin");
    expect((await content({ path: "data/all-bytes.bin" })).status).toBe(404);
    expect((await remove("data/all-bytes.bin")).status).toBe(404);
  });

  it("accepts a multipart upload into a folder", async () => {
    const form = new FormData();
    form.append("file", new Blob(["name,score\nada,3\n"], { type: "text/csv" }), "scores.csv");
    form.append("folder", "reports");
    const response = await uploadRoute(new Request(filesUrl(aliceAgent), authed("alice-session", { method: "POST", body: form })), context(aliceAgent));
    expect(response.status).toBe(201);
    expect(((await response.json()) as UploadResponse).file.path).toBe("reports/scores.csv");
    const csv = await content({ path: "reports/scores.csv" });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^inline;/);
    expect(await csv.text()).toBe("name,score\nada,3\n");
  });

  it("keeps names with quotes, shell syntax and decomposed Unicode intact", async () => {
    const tricky = `it's "quoted" $(touch pwned); rm -rf * & echo \`id\`.txt`;
    expect((await upload(`odd/${tricky}`, Buffer.from("safe"))).status).toBe(201);
    const decomposed = "Cafe\u0301 menu.txt";
    expect((await upload(decomposed, Buffer.from("menu"))).status).toBe(201);

    const paths = await listedPaths();
    expect(paths).toContain(`odd/${tricky}`);
    expect(paths).toContain("Caf\u00e9 menu.txt");
    expect(await inWorkspace("ls -A")).not.toContain("pwned");

    const read = await content({ path: `odd/${tricky}` });
    expect(await read.text()).toBe("safe");
    expect(read.headers.get("content-disposition")).toContain(`filename*=UTF-8''${encodeURIComponent(tricky).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`);
    // The decomposed spelling finds the same (normalised) file.
    expect(await (await content({ path: decomposed })).text()).toBe("menu");
  });

  it("never runs agent-made HTML or SVG on the app's origin: it is a sandboxed download; pictures and text stay inline", async () => {
    expect((await upload("chart.html", Buffer.from("<script>document.cookie</script>"))).status).toBe(201);
    expect((await upload("logo.svg", Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).status).toBe(201);
    expect((await upload("dot.png", Buffer.from("png"))).status).toBe(201);
    for (const name of ["chart.html", "logo.svg"]) {
      const active = await content({ path: name });
      expect(active.headers.get("content-disposition"), name).toMatch(/^attachment;/);
      expect(active.headers.get("content-security-policy"), name).toBe("sandbox");
      await active.arrayBuffer();
    }
    const html = await content({ path: "chart.html", download: "1" });
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("content-security-policy")).toBe("sandbox");
    await html.arrayBuffer();
    const picture = await content({ path: "dot.png" });
    expect(picture.headers.get("content-disposition")).toMatch(/^inline;/);
    await picture.arrayBuffer();

    // Code is never served as script.
    expect((await upload("tool.js", Buffer.from("alert(1)"))).status).toBe(201);
    const script = await content({ path: "tool.js" });
    expect(script.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    await script.arrayBuffer();

    await inWorkspace("head -c 3000000 /dev/zero | tr '\\0' 'a' > big.txt");
    const preview = await content({ path: "big.txt", preview: "1" });
    expect(preview.headers.get("x-file-size")).toBe("3000000");
    expect(preview.headers.get("x-file-truncated")).toBe("true");
    expect((await preview.arrayBuffer()).byteLength).toBe(1024 * 1024);
  });

  it("shows agent-made HTML only from FILES_ORIGIN, by a short-lived signed link that no one can alter or reuse", async () => {
    expect((await upload("page.html", Buffer.from("<p>hi</p><script>1</script>"))).status).toBe(201);
    const link = (session = "alice-session", agentId = aliceAgent) =>
      getLinkRoute(new Request(filesUrl(agentId, "/link", { path: "page.html" }), authed(session)), context(agentId));
    // Unset: no link, so the UI offers a download.
    const off = await link();
    expect(off.status).toBe(404);
    expect((await errorOf(off)).message).toMatch(/download the file/);

    const filesServer = createServer(createFilesOriginHandler({ files: getPlatformServices().files, secret: getAuthConfig().secret }));
    await new Promise<void>((resolve) => filesServer.listen(0, "127.0.0.1", resolve));
    const filesOrigin = `http://127.0.0.1:${(filesServer.address() as AddressInfo).port}`;
    config.FILES_ORIGIN = filesOrigin;
    try {
      const answer = await link();
      expect(answer.status).toBe(200);
      const { url, expiresAt } = (await answer.json()) as FileLinkResponse;
      expect(new URL(url).origin).toBe(filesOrigin);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(config.FILES_LINK_MINUTES * 60_000);
      // The page runs there, still sandboxed (an opaque origin), and no cookie is needed or read.
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe("sandbox allow-scripts");
      expect(page.headers.get("content-disposition")).toMatch(/^inline;/);
      expect(await page.text()).toContain("<script>1</script>");

      const altered = new URL(url);
      altered.searchParams.set("p", "secret.txt");
      expect((await fetch(altered)).status).toBe(403);
      const expired = new URL(url);
      expired.searchParams.set("exp", String(Date.now() - 1));
      expect((await fetch(expired)).status).toBe(403);
      expect((await fetch(`${filesOrigin}/api/agents`)).status).toBe(404);
      // Bob can't get a link to Alice's agent.
      expect((await link("bob-session")).status).toBe(404);
    } finally {
      config.FILES_ORIGIN = undefined;
      filesServer.closeAllConnections();
      await new Promise((resolve) => filesServer.close(resolve));
    }
  });

  it("refuses paths that leave the agent's folder, and leaks nothing", async () => {
    await inWorkspace(
      "ln -sf /etc/passwd passwd-link && ln -sfn /workspace/.claude-agents claude-link && ln -sfn /tmp tmp-link && ln -sfn .. up-link && echo inside > real.txt && ln -sf real.txt good-link",
    );
    const attempts = [
      "../x",
      "reports/../../x",
      "/etc/passwd",
      "~/.bashrc",
      "a\u0000b",
      "line\nbreak",
      "C:/Windows",
      "reports\\..\\x",
      "passwd-link",
      "claude-link/anything",
      "up-link/agent-other/x",
      "/workspace/.claude-agents/x",
    ];
    for (const attempt of attempts) {
      const response = await content({ path: attempt });
      const body = await response.text();
      expect(response.status, attempt).toBe(400);
      expect(body, attempt).not.toContain("root:");
    }
    expect((await content({})).status).toBe(400);

    // A link inside the folder that stays inside works; an absolute path the agent wrote does too.
    expect(await (await content({ path: "good-link" })).text()).toBe("inside\n");
    expect(await (await content({ path: `${agentPaths(aliceAgent).workdir}/real.txt` })).text()).toBe("inside\n");

    for (const attempt of ["../escape.txt", "tmp-link/escape.txt", "up-link/escape.txt", ".bashrc", "reports/.hidden", "/tmp/escape.txt"]) {
      const response = await upload(attempt, Buffer.from("nope"));
      expect(response.status, attempt).toBe(400);
    }
    expect((await inWorkspace("ls /tmp /workspace")).includes("escape.txt")).toBe(false);

    for (const attempt of ["../", "passwd-link/..", "tmp-link/x", ""]) {
      expect((await remove(attempt)).status, attempt).toBe(400);
    }
    // Deleting a link removes the link, never what it points to.
    expect((await remove("passwd-link")).status).toBe(204);
    expect(await inWorkspace("test -f /etc/passwd && echo ok")).toBe("ok\n");

    const entries = unzip(Buffer.from(await (await archive()).arrayBuffer()));
    expect([...entries.keys()].some((name) => name.includes("link"))).toBe(false);
    expect([...entries.values()].some((data) => data.toString("latin1").includes("root:"))).toBe(false);
    expect((await archive({ path: "tmp-link" })).status).toBe(400);
    expect((await archive({ path: "../" })).status).toBe(400);
  });

  it("answers 404 for another person's agent, whatever the operation", async () => {
    const responses = [
      await tree({ session: "bob-session", agentId: aliceAgent }),
      await content({ path: "real.txt" }, "bob-session"),
      await archive({}, "bob-session"),
      await upload("x.txt", Buffer.from("x"), "bob-session"),
      await remove("real.txt", "bob-session"),
      await tree({ agentId: bobAgent }),
      await tree({ agentId: "no-such-agent" }),
      await tree({ agentId: "../etc" }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
    expect(await inWorkspace("cat real.txt")).toBe("inside\n");
    const anonymous = await getTreeRoute(new Request(filesUrl(aliceAgent)), context(aliceAgent));
    expect(anonymous.status).toBe(401);
  });

  it("refuses oversized uploads with 413 and leaves nothing behind", async () => {
    const oversized = Buffer.alloc(maxUploadMb * 1024 * 1024 + 1, 7);
    const declared = await upload("too-big.bin", oversized);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe("payload_too_large");

    // No Content-Length: the limit is enforced while the bytes stream in.
    const chunks = [oversized.subarray(0, 600_000), oversized.subarray(600_000)];
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const request = new Request(filesUrl(aliceAgent, "", { path: "too-big.bin" }), {
      ...authed("alice-session", { method: "POST", body: streamed }),
      duplex: "half",
    } as RequestInit);
    const response = await uploadRoute(request, context(aliceAgent));
    expect(response.status).toBe(413);

    const all = await listedPaths({ hidden: true });
    expect(all).not.toContain("too-big.bin");
    expect(all.some((entry) => entry.includes(".upload-"))).toBe(false);

    // Exactly at the limit is fine.
    expect((await upload("just-fits.bin", oversized.subarray(1))).status).toBe(201);
  });
});

describe("a shared conversation's images", () => {
  // A PNG's signature and a little more: enough for the bytes to be compared exactly.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000)]);
  let shareToken: string;

  /** As an anonymous visitor's browser asks: no cookie, no bearer token, only the link's token. */
  function sharedFile(token: string, query: Record<string, string>, init: RequestInit = {}): Promise<Response> {
    const search = new URLSearchParams(query).toString();
    return getSharedFileRoute(new Request(`http://localhost/api/share/${token}/files/content${search ? `?${search}` : ""}`, init), {
      params: Promise.resolve({ token }),
    });
  }

  beforeAll(async () => {
    for (const name of ["plots/chart.png", "plots/embedded.png", "plots/unshown.png"]) expect((await upload(name, png)).status).toBe(201);
    expect((await upload("customers.csv", Buffer.from("name,email\nAda,ada@example.com\n"))).status).toBe(201);
    const services = getPlatformServices();
    const conversation = await services.store.createConversation({ agentId: aliceAgent, ownerId: alice, title: "Monthly sales" });
    await services.store.appendMessage({ conversationId: conversation.id, role: "user", content: [{ type: "text", text: "make a chart of monthly sales" }] });
    await services.store.appendMessage({
      conversationId: conversation.id,
      role: "assistant",
      content: [
        { type: "text", text: `Here it is, and a second one: ![second](${fileContentUrl(aliceAgent, "plots/embedded.png")})` },
        { type: "image", path: `${agentPaths(aliceAgent).workdir}/plots/chart.png`, mimeType: "image/png" },
        { type: "file", path: "customers.csv", mimeType: "text/csv" },
      ],
    });
    const agent = await services.store.getAgent(aliceAgent);
    const shared = await services.sharing.update({ userId: alice }, aliceAgent, { visibility: "link", sharedConversationId: conversation.id, expectedVersion: agent.version }, "http://localhost");
    shareToken = shared.agent.shareToken!;
    expect(shareToken).toBeTruthy();
  });

  it("shows them to anyone with the link, without a session, through the link's own route", async () => {
    const page = await getSharedRoute(new Request(`http://localhost/api/share/${shareToken}`), { params: Promise.resolve({ token: shareToken }) });
    const { shared } = (await page.json()) as SharedAgentResponse;
    const reply = shared.transcript!.messages[1]!.content;
    expect(reply).toContainEqual({ type: "image", path: "plots/chart.png", mimeType: "image/png" });
    const text = reply.find((block) => block.type === "text");
    expect(text?.type === "text" && text.text).toContain(`/api/share/${shareToken}/files/content?path=plots%2Fembedded.png`);
    expect(JSON.stringify(shared)).not.toContain(aliceAgent);

    for (const path of ["plots/chart.png", "plots/embedded.png"]) {
      const answer = await sharedFile(shareToken, { path });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-type")).toBe("image/png");
      expect(answer.headers.get("content-security-policy")).toBe("sandbox");
      expect(Buffer.from(await answer.arrayBuffer()).equals(png)).toBe(true);
    }
    // Someone else's session changes nothing: the token is the credential, never a session.
    const asBob = await sharedFile(shareToken, { path: "plots/chart.png" }, authed("bob-session"));
    expect(asBob.status).toBe(200);
    await asBob.arrayBuffer();
  });

  it("serves nothing else of the agent's folder, refuses paths that leave it, and knows no other token", async () => {
    for (const path of ["plots/unshown.png", "customers.csv", "plots/missing.png"]) {
      const answer = await sharedFile(shareToken, { path });
      expect(answer.status, path).toBe(404);
      expect(JSON.stringify(await errorOf(answer))).not.toContain("ada@example.com");
    }
    for (const path of ["../x.png", `../agent-${bobAgent}/chart.png`, `/workspace/agent-${bobAgent}/chart.png`, "/etc/passwd", "plots/../../chart.png"]) {
      const answer = await sharedFile(shareToken, { path });
      expect(answer.status, path).toBe(400);
      expect((await errorOf(answer)).code).toBe("bad_request");
    }
    expect((await sharedFile(shareToken, {})).status).toBe(400);
    expect((await sharedFile("not-a-share-token-000000", { path: "plots/chart.png" })).status).toBe(404);
    expect((await sharedFile("%2E%2E", { path: "plots/chart.png" })).status).toBe(404);
  });

  it("stops serving them the moment the owner revokes the link", async () => {
    const services = getPlatformServices();
    const agent = await services.store.getAgent(aliceAgent);
    await services.sharing.update({ userId: alice }, aliceAgent, { visibility: "private", expectedVersion: agent.version }, "http://localhost");
    const answer = await sharedFile(shareToken, { path: "plots/chart.png" });
    expect(answer.status).toBe(404);
    expect((await errorOf(answer)).code).toBe("not_found");
  });
});
