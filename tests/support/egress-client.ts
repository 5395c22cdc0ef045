import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";

/** What a workspace's tools do through the egress proxy, for the tests of every way it runs. */
export interface ProxyAnswer {
  status: number;
  body: string;
}

/** One request through the proxy: an absolute URL (plain HTTP forwarding) or a path (the model route). */
export function viaProxy(proxyPort: number, target: string, options: { headers?: Record<string, string>; host?: string } = {}): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: options.host ?? "127.0.0.1", port: proxyPort, path: target, headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The status line the proxy answers a CONNECT (HTTPS tunnel) with. */
export function connectStatusLine(proxyPort: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, "127.0.0.1", () => socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`));
    socket.once("data", (chunk) => {
      resolve(chunk.toString().split("\r\n")[0]!);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** A site behind the proxy on loopback: answers `upstream METHOD URL` and keeps the headers each request arrived with. */
export interface RecordingUpstream {
  port: number;
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.end(`upstream ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
