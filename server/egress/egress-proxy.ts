// Hand-written rather than an off-the-shelf proxy (squid, tinyproxy, http-proxy) because each rule
// needs this proxy's own view of the request: it refuses hosts off EGRESS_ALLOWLIST without even a
// DNS query; it resolves allowed names itself and connects to the very address it checked, refusing
// private, loopback and metadata addresses unless the host is listed by name (so `*` or DNS
// rebinding can't reach them); it never reaches the platform's own ports on this machine, its own
// included; and its model route swaps the workspace's placeholder for the real API key, so
// containers never hold the key. The rules themselves are pure functions in egress-rules.ts.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

import { logger } from "../logger";
import { decideEgress, matchHost, normalizeHost, type EgressAllowList } from "./egress-rules";

/**
 * The only way out of a workspace: an HTTP forward proxy (CONNECT for HTTPS, absolute-form for
 * plain HTTP) that connects only to allow-listed hosts, plus the model route. The model route
 * (any origin-form request, e.g. POST /v1/messages) forwards to the model's real endpoint and puts
 * the real API key on the request, so containers hold only a placeholder that is worthless
 * anywhere else and the agent's own commands never see the key.
 */

export interface ModelRoute {
  /** Where the model really is, seen from the host (the public API, a gateway, or the demo model on loopback). */
  upstream: URL;
  /** Put on every forwarded request as x-api-key; absent: the request goes out without credentials. */
  apiKey?: string;
}

export interface EgressProxyOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  allowList: EgressAllowList;
  /** Ports on this machine no workspace may reach through the proxy (the platform's own). */
  protectedPorts: readonly number[];
  /** Who may use the proxy at all: workspace networks (and loopback, for the host itself). */
  isAllowedClient: (address: string) => boolean;
  model?: ModelRoute;
  /** The host name containers use for the proxy (host.docker.internal); requests for it at this port take the model route. */
  containerHostname: string;
  /** Resolves a host name to the address to connect to; tests pass a fake. */
  resolve?: (hostname: string) => Promise<string>;
  /** The placeholder workspaces present; default: a random one. A proxy in its own process (egress-main.ts) shares one with the servers. */
  placeholderApiKey?: string;
  /** Told of every model request forwarded with the key, once the model has answered (or failed: 502). */
  onModelRequest?: (request: ModelRequestRecord) => void;
}

/** What is known of a forwarded model request: no header, no body, no query. */
export interface ModelRequestRecord {
  method: string;
  path: string;
  status: number;
  upstream: string;
}

export interface EgressProxy {
  port: number;
  /** What containers put in ANTHROPIC_API_KEY; the proxy swaps it for the real key. */
  placeholderApiKey: string;
  close(): Promise<void>;
}

// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy's own.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const connectionTokens = String(headers.connection ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase());
  const result: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connectionTokens.includes(name)) continue;
    result[name] = value;
  }
  return result;
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), "x-egress-proxy": "agentdesk" });
  res.end(body);
}

function refuseTunnel(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-egress-proxy: agentdesk\r\nconnection: close\r\n\r\n${body}`,
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function defaultResolve(hostname: string): Promise<string> {
  if (net.isIP(hostname) !== 0) return hostname;
  return (await lookup(hostname)).address;
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const placeholderApiKey = options.placeholderApiKey ?? `agentdesk-workspace-${randomBytes(24).toString("base64url")}`;
  const resolve = options.resolve ?? defaultResolve;
  const server = http.createServer();
  let ownPort = options.port;
  // Tunnels leave the HTTP server's bookkeeping, so close() ends them itself.
  const tunnels = new Set<Duplex>();
  const protectedPorts = () => [...options.protectedPorts, ownPort];

  /** Resolves and applies the rules; returns the address to connect to, or the reason for refusing. */
  async function admit(hostname: string, port: number): Promise<{ address: string } | { reason: string; status: number }> {
    // Refused names are never looked up: nothing about them leaves the machine, not even a DNS query.
    if (matchHost(options.allowList, hostname) === "none") {
      const reason = `${normalizeHost(hostname)} is not on this platform's egress allow-list (EGRESS_ALLOWLIST).`;
      logger.info({ hostname, port }, `egress refused: ${reason}`);
      return { status: 403, reason: `Refused by the AgentDesk egress proxy: ${reason}` };
    }
    let address: string;
    try {
      address = await resolve(hostname);
    } catch {
      return { status: 502, reason: `The egress proxy could not resolve ${hostname}.` };
    }
    const decision = decideEgress(options.allowList, { hostname, port, address }, protectedPorts());
    if (!decision.allowed) {
      logger.info({ hostname, port, address }, `egress refused: ${decision.reason}`);
      return { status: 403, reason: `Refused by the AgentDesk egress proxy: ${decision.reason}` };
    }
    return { address };
  }

  function forwardToModel(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const model = options.model;
    if (!model) {
      refuse(res, 404, "This is AgentDesk's egress proxy: send requests through it as a proxy (HTTP_PROXY / HTTPS_PROXY).");
      return;
    }
    const given = String(req.headers["x-api-key"] ?? String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
    if (!sameSecret(given, placeholderApiKey)) {
      const body = JSON.stringify({ type: "error", error: { type: "authentication_error", message: "The workspace's model token is not valid." } });
      res.writeHead(401, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const headers = forwardableHeaders(req.headers);
    delete headers["x-api-key"];
    delete headers.authorization;
    delete headers.host;
    if (model.apiKey) headers["x-api-key"] = model.apiKey;
    const target = new URL(model.upstream.toString());
    target.pathname = `${target.pathname.replace(/\/$/, "")}${path.split("?")[0]}`;
    target.search = path.includes("?") ? path.slice(path.indexOf("?")) : "";
    const transport = target.protocol === "https:" ? https : http;
    const record = (status: number) => options.onModelRequest?.({ method: req.method ?? "GET", path: path.split("?")[0]!, status, upstream: target.origin });
    const upstream = transport.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardableHeaders(answer.headers));
      answer.pipe(res);
      record(answer.statusCode ?? 502);
    });
    upstream.on("error", (error) => {
      logger.warn({ err: error, host: target.host }, "model request through the egress proxy failed");
      if (!res.headersSent) record(502);
      refuse(res, 502, "The model could not be reached.");
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  async function forwardPlainHttp(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const port = Number(url.port || 80);
    const admitted = await admit(url.hostname, port);
    if ("reason" in admitted) {
      refuse(res, admitted.status, admitted.reason);
      return;
    }
    const headers = forwardableHeaders(req.headers);
    headers.host = url.host;
    const upstream = http.request({ host: admitted.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, setHost: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardableHeaders(answer.headers));
      answer.pipe(res);
    });
    upstream.on("error", () => refuse(res, 502, `The egress proxy could not reach ${url.host}.`));
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  server.on("connection", (socket: net.Socket) => {
    if (!options.isAllowedClient(socket.remoteAddress ?? "")) {
      logger.warn({ remoteAddress: socket.remoteAddress }, "egress proxy: connection from outside the workspace networks refused");
      socket.destroy();
    }
  });

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const target = req.url ?? "/";
    if (target.startsWith("/")) {
      forwardToModel(req, res, target);
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      refuse(res, 400, "The egress proxy could not read this request's address.");
      return;
    }
    if (url.protocol !== "http:") {
      refuse(res, 400, `Only http:// is forwarded as is; ${url.protocol}// goes through CONNECT (HTTPS_PROXY).`);
      return;
    }
    // A client that ignores NO_PROXY sends model requests here in absolute form.
    if (url.hostname === options.containerHostname && Number(url.port || 80) === ownPort) {
      forwardToModel(req, res, `${url.pathname}${url.search}`);
      return;
    }
    void forwardPlainHttp(req, res, url);
  });

  server.on("connect", (req: http.IncomingMessage, clientSocket: Duplex, head: Buffer) => {
    clientSocket.on("error", () => undefined);
    tunnels.add(clientSocket);
    clientSocket.on("close", () => tunnels.delete(clientSocket));
    const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(req.url ?? "");
    if (!match) {
      refuseTunnel(clientSocket, 400, "Bad Request", "CONNECT needs host:port.");
      return;
    }
    const hostname = match[1]!;
    const port = Number(match[2]);
    void admit(hostname, port).then((admitted) => {
      if ("reason" in admitted) {
        refuseTunnel(clientSocket, admitted.status, admitted.status === 403 ? "Forbidden" : "Bad Gateway", admitted.reason);
        return;
      }
      const upstream = net.connect(port, admitted.address, () => {
        clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length > 0) upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      upstream.on("error", () => {
        if (upstream.connecting) refuseTunnel(clientSocket, 502, "Bad Gateway", `The egress proxy could not reach ${hostname}:${port}.`);
        else clientSocket.destroy();
      });
      clientSocket.on("close", () => upstream.destroy());
    });
  });

  server.on("clientError", (_error, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  ownPort = (server.address() as AddressInfo).port;

  return {
    port: ownPort,
    placeholderApiKey,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
        for (const tunnel of tunnels) tunnel.destroy();
      }),
  };
}
