import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "@playwright/test";
import { clusterSettings, replicaByPort } from "./cluster-settings";

/**
 * What the cluster itself recorded, for the journey to say which replica did what: the runs in
 * the shared store (read-only, beside the replicas that write it) and nginx's access log (the
 * `agentdesk` format of deploy/nginx/agentdesk.conf names the upstream of every request).
 */

export interface StoredRun {
  id: string;
  status: string;
  /** INSTANCE_ID of the replica that holds (or held) the run's lease. */
  instanceId: string | null;
}

export function runsOfAgent(agentId: string): StoredRun[] {
  const db = new Database(path.join(clusterSettings.dataDir, "platform.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT id, status, instance_id AS instanceId FROM runs WHERE agent_id = ? ORDER BY started_at DESC").all(agentId) as StoredRun[];
  } finally {
    db.close();
  }
}

export interface ProxiedRequest {
  clientAddress: string;
  method: string;
  path: string;
  status: number;
  /** The replica that answered last (after nginx's retries, if any). */
  replica: string | undefined;
  requestId: string;
}

const accessLine = /^(\S+) \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \d+ upstream=(.*?) upstream_status=.* request_id=(\S+)$/;

export function proxiedRequests(): ProxiedRequest[] {
  const file = path.join(clusterSettings.nginxPrefix, "logs", "access.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      const match = accessLine.exec(line);
      if (!match) return [];
      const [, clientAddress, method, requestPath, status, upstreams, requestId] = match;
      const lastUpstream = upstreams!.split(/[,:]\s*/).at(-1);
      return [{ clientAddress: clientAddress!, method: method!, path: requestPath!, status: Number(status), replica: replicaByPort(Number(lastUpstream))?.instanceId, requestId: requestId! }];
    });
}

/** Socket.IO WebSocket connections that have ended (nginx logs a request when it finishes). */
export function endedSocketConnections(): ProxiedRequest[] {
  return proxiedRequests().filter((entry) => entry.path.startsWith("/socket.io/") && entry.path.includes("transport=websocket") && entry.status === 101);
}

/**
 * The replica nginx sends Socket.IO traffic from `clientAddress` to: one Engine.IO handshake
 * through nginx from that address, then the access log says which upstream answered it.
 */
export async function socketReplicaFor(clientAddress: string): Promise<string> {
  const requestId = `e2e-probe-${randomBytes(6).toString("hex")}`;
  await new Promise<void>((resolve, reject) => {
    const probe = request(
      { host: "127.0.0.1", port: clusterSettings.nginxPort, localAddress: clientAddress, path: "/socket.io/?EIO=4&transport=polling", headers: { "x-request-id": requestId } },
      (response) => {
        response.resume();
        response.once("end", resolve);
      },
    );
    probe.once("error", reject);
    probe.end();
  });
  let replica: string | undefined;
  await expect
    .poll(() => (replica = proxiedRequests().find((entry) => entry.requestId === requestId)?.replica), { message: `nginx's log of probe ${requestId}` })
    .toBeDefined();
  return replica!;
}

/** A loopback address whose Socket.IO traffic nginx sends to `replica`. */
export async function clientAddressServedBy(replica: string): Promise<string> {
  for (let last = 2; last < 64; last += 1) {
    const address = `127.0.0.${last}`;
    if ((await socketReplicaFor(address)) === replica) return address;
  }
  throw new Error(`no address in 127.0.0.2-63 hashes to ${replica} in nginx's Socket.IO upstream`);
}
