import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Server as SocketServer } from "socket.io";
import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNginx, type NginxServer } from "./support/nginx";
import { startRedisServer, type RedisServer } from "./support/redis-server";

/**
 * The load balancer we ship (deploy/nginx/agentdesk.conf, rendered as `npm run cluster` renders
 * it) on the real nginx, in front of two tiny HTTP + Socket.IO servers standing in for replicas,
 * and the real redis-server the replicas share. The platform itself behind nginx is another test.
 */

interface Replica {
  readonly name: string;
  readonly port: number;
  /** Headers of every plain request this replica answered. */
  readonly seen: IncomingHttpHeaders[];
  /** Lets a held /stream response finish. */
  releaseStream(): void;
  /** Stops listening and drops every connection, as a crashed process would. */
  kill(): Promise<void>;
}

async function startReplica(name: string): Promise<Replica> {
  const seen: IncomingHttpHeaders[] = [];
  let release: () => void = () => undefined;
  const server: HttpServer = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    if (path === "/who") {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name, headers: req.headers }));
    } else if (path === "/upload" && req.method === "POST") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => (bytes += chunk.length));
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name, bytes })));
    } else if (path === "/stream") {
      // The first line now, the rest only when the test says so.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first line\n");
      release = () => res.end("last line\n");
    } else if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain" }).end("agentdesk_sockets_connected 0\n");
    } else {
      res.writeHead(404).end();
    }
  });
  const io = new SocketServer(server);
  io.on("connection", (socket) => {
    socket.on("whoami", (ack: (answer: { name: string; transport: string }) => void) => ack({ name, transport: socket.conn.transport.name }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    seen,
    releaseStream: () => release(),
    kill: async () => {
      server.closeAllConnections();
      await io.close();
    },
  };
}

async function who(url: string, headers: Record<string, string> = {}): Promise<{ status: number; name?: string; headers?: IncomingHttpHeaders }> {
  const response = await fetch(`${url}/who`, { headers, signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { name: string; headers: IncomingHttpHeaders };
  return { status: response.status, name: body.name, headers: body.headers };
}

async function connectThrough(url: string, transports: ("websocket" | "polling")[]): Promise<Socket> {
  const socket = connectSocket(url, { transports, reconnection: false, forceNew: true, timeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

function whoami(socket: Socket): Promise<{ name: string; transport: string }> {
  return socket.timeout(10_000).emitWithAck("whoami");
}

describe("the nginx load balancer we ship, in front of two replicas", () => {
  let one: Replica;
  let two: Replica;
  let nginx: NginxServer;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    one = await startReplica("replica-1");
    two = await startReplica("replica-2");
    nginx = await startNginx({ upstreams: [one.port, two.port] });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await nginx?.stop();
    await one?.kill();
    await two?.kill();
  });

  it("spreads plain requests over both replicas and tells them who asked", async () => {
    const names: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const answer = await who(nginx.url);
      expect(answer.status, nginx.logs()).toBe(200);
      names.push(answer.name!);
    }
    expect(names.filter((name) => name === "replica-1").length).toBeGreaterThanOrEqual(3);
    expect(names.filter((name) => name === "replica-2").length).toBeGreaterThanOrEqual(3);

    const headers = (await who(nginx.url)).headers!;
    // The port the browser used survives (sign-in builds redirects from it).
    expect(headers.host).toBe(`127.0.0.1:${nginx.port}`);
    expect(headers["x-forwarded-host"]).toBe(`127.0.0.1:${nginx.port}`);
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    // A request without an id gets nginx's; the caller's own passes through untouched.
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
    expect((await who(nginx.url, { "x-request-id": "req-cluster-42" })).headers!["x-request-id"]).toBe("req-cluster-42");
  });

  it("upgrades /socket.io/ to a WebSocket", async () => {
    const socket = await connectThrough(nginx.url, ["websocket"]);
    sockets.push(socket);
    const answer = await whoami(socket);
    expect(answer.transport).toBe("websocket");
    expect(["replica-1", "replica-2"]).toContain(answer.name);
  });

  it("keeps a long-polling client on one replica (its session exists there only)", async () => {
    const socket = await connectThrough(nginx.url, ["polling"]);
    sockets.push(socket);
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await whoami(socket));
    expect(answers.every((answer) => answer.transport === "polling")).toBe(true);
    expect(new Set(answers.map((answer) => answer.name)).size).toBe(1);
    expect(socket.connected).toBe(true);
  });

  it("streams a response as the replica writes it", async () => {
    const response = await fetch(`${nginx.url}/stream`, { signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    // Both replicas hold their /stream; whichever got it releases only after we read the first line.
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the first line was held back (buffered)")), 5_000)),
    ]);
    expect(new TextDecoder().decode(first.value)).toContain("first line");
    one.releaseStream();
    two.releaseStream();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("last line");
  });

  it("takes an upload of FILES_MAX_UPLOAD_MB (25) and refuses one well past it", async () => {
    const accepted = await fetch(`${nginx.url}/upload`, { method: "POST", body: Buffer.alloc(25 * 1024 * 1024 + 64 * 1024, 1), signal: AbortSignal.timeout(60_000) });
    expect(accepted.status, nginx.logs()).toBe(200);
    expect(((await accepted.json()) as { bytes: number }).bytes).toBe(25 * 1024 * 1024 + 64 * 1024);

    const refused = await fetch(`${nginx.url}/upload`, { method: "POST", body: Buffer.alloc(31 * 1024 * 1024, 1), signal: AbortSignal.timeout(60_000) });
    expect(refused.status).toBe(413);
  });

  it("does not expose a replica's loopback-only /metrics", async () => {
    const response = await fetch(`${nginx.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(404);
  });

  it("skips a replica that died: every request still answers, from the other one", async () => {
    await two.kill();
    for (let i = 0; i < 6; i += 1) {
      const answer = await who(nginx.url);
      expect(answer.status, nginx.logs()).toBe(200);
      expect(answer.name).toBe("replica-1");
    }
    const socket = await connectThrough(nginx.url, ["websocket"]);
    sockets.push(socket);
    expect((await whoami(socket)).name).toBe("replica-1");
  });

  it("reloads with a new list of replicas", async () => {
    const three = await startReplica("replica-3");
    try {
      await nginx.reload([three.port]);
      // A connection the old worker still holds may answer once more from the old list.
      await expect.poll(async () => (await who(nginx.url)).name, { timeout: 10_000, interval: 100 }).toBe("replica-3");
      for (let i = 0; i < 3; i += 1) expect((await who(nginx.url)).name).toBe("replica-3");
    } finally {
      await three.kill();
    }
  });
});

describe("the redis-server the replicas share", () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    // Errors while the server is down are expected here; the assertions below say what matters.
    client.on("error", () => undefined);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("answers on its URL, and again on the same URL after a restart and after a crash", async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await client.set("cluster-infra", "before");
    expect(await client.get("cluster-infra")).toBe("before");

    await redis.restart();
    // Nothing is persisted: a restarted Redis is empty, and a client reconnects by itself.
    await expect.poll(() => client.ping().catch(() => "down"), { timeout: 10_000, interval: 100 }).toBe("PONG");
    expect(await client.get("cluster-infra")).toBeNull();

    await redis.kill();
    const probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null });
    probe.on("error", () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    await redis.restart();
    const fresh = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await fresh.ping()).toBe("PONG");
    } finally {
      fresh.disconnect();
    }
  });
});
