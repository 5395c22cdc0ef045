import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectRedis } from "../../server/cluster/redis-connection";
import { createRedisRunEventLog } from "../../server/cluster/redis-run-event-log";
import type { RunEventLog } from "../../server/conversations/run-event-log";
import { logger } from "../../server/logger";
import { describeRunEventLogContract } from "../support/run-event-log-contract";
import { until } from "./support/wait-until";

// Two connections stand for two replicas: each has its own socket to Redis, as separate servers would.
let redisServer: LocalRedisServer;
let replicaA: Redis;
let replicaB: Redis;

beforeAll(async () => {
  redisServer = await startLocalRedisServer();
  replicaA = connectRedis(redisServer.url, "test-replica-a");
  replicaB = connectRedis(redisServer.url, "test-replica-b");
});

afterAll(async () => {
  await Promise.all([replicaA?.quit(), replicaB?.quit()]);
  await redisServer?.stop();
});

/** A prefix of its own per log, so tests on the one Redis never see each other's conversations. */
const freshPrefix = () => `agentdesk-test:${randomUUID()}:`;
const streamKey = (prefix: string, conversationId: string) => `${prefix}run-events:{${conversationId}}`;
const counterKey = (prefix: string, conversationId: string) => `${streamKey(prefix, conversationId)}:seq`;
const range = (count: number, from = 0) => Array.from({ length: count }, (_, i) => from + i);
const textDelta = (text: string) => ({ type: "text_delta" as const, text });

describeRunEventLogContract("Redis", (options) => createRedisRunEventLog(replicaA, { ...options, keyPrefix: freshPrefix() }), { trimsExactly: false });

describe("Redis run event log across replicas", () => {
  it("lets one replica follow, exactly once and in order, what another appends while appending its own", async () => {
    const prefix = freshPrefix();
    const logA = createRedisRunEventLog(replicaA, { keyPrefix: prefix });
    const logB = createRedisRunEventLog(replicaB, { keyPrefix: prefix });
    const appendMany = async (log: RunEventLog, conversationId: string) => {
      for (let i = 0; i < 100; i++) await log.append(conversationId, `run-${conversationId}`, textDelta(`${conversationId} ${i}`));
    };
    // Replica B follows A's conversation the way a reconnecting client does: "everything after the last I saw".
    const followed: Awaited<ReturnType<RunEventLog["since"]>> = [];
    const follow = async () => {
      const deadline = Date.now() + 20_000;
      while (followed.length < 100) {
        if (Date.now() > deadline) throw new Error(`followed only ${followed.length} of 100 events`);
        followed.push(...(await logB.since("conv-a", followed.at(-1)?.seq ?? -1)));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };

    await Promise.all([appendMany(logA, "conv-a"), appendMany(logB, "conv-b"), follow()]);

    expect(followed.map((e) => e.seq)).toEqual(range(100));
    expect(followed.map((e) => e.event)).toEqual(range(100).map((i) => textDelta(`conv-a ${i}`)));
    expect(new Set(followed.map((e) => e.runId))).toEqual(new Set(["run-conv-a"]));
    expect((await logA.since("conv-b", 49)).map((e) => e.seq)).toEqual(range(50, 50));
    expect([await logA.lastSeq("conv-b"), await logB.lastSeq("conv-a")]).toEqual([99, 99]);
  });

  it("numbers 200 appends sent at once 0 to 199, in the order they were sent, with no gaps", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix });
    const envelopes = await Promise.all(range(200).map((i) => log.append("c1", "r1", textDelta(String(i)))));

    expect(envelopes.map((e) => e.seq)).toEqual(range(200));
    const replayed = await createRedisRunEventLog(replicaB, { keyPrefix: prefix }).since("c1", -1);
    expect(replayed.map((e) => e.seq)).toEqual(range(200));
    expect(replayed.map((e) => e.event)).toEqual(range(200).map((i) => textDelta(String(i))));
  });

  it("never gives one number twice, even when two replicas append to one conversation at once", async () => {
    const prefix = freshPrefix();
    const logs = [createRedisRunEventLog(replicaA, { keyPrefix: prefix }), createRedisRunEventLog(replicaB, { keyPrefix: prefix })];
    const envelopes = await Promise.all(range(200).map((i) => logs[i % 2]!.append("c1", "r1", textDelta(String(i)))));

    expect(envelopes.map((e) => e.seq).sort((a, b) => a - b)).toEqual(range(200));
    expect((await logs[0]!.since("c1", -1)).map((e) => e.seq)).toEqual(range(200));
  });

  it("reads a tail longer than one page", async () => {
    const log = createRedisRunEventLog(replicaA, { keyPrefix: freshPrefix() });
    await Promise.all(range(1_200).map((i) => log.append("c1", "r1", textDelta(String(i)))));

    expect((await log.since("c1", -1)).map((e) => e.seq)).toEqual(range(1_200));
    expect((await log.since("c1", 499)).map((e) => e.seq)).toEqual(range(700, 500));
    expect(await log.since("c1", 1_199)).toEqual([]);
  });

  it("trims the stream near maxEvents and keeps numbering after the trimmed events", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix, maxEventsPerConversation: 100 });
    await Promise.all(range(1_000).map((i) => log.append("c1", "r1", textDelta(String(i)))));

    const kept = (await log.since("c1", -1)).map((e) => e.seq);
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThan(1_000);
    expect(kept).toEqual(range(kept.length, 1_000 - kept.length));
    expect(await replicaA.xlen(streamKey(prefix, "c1"))).toBe(kept.length);
    expect(await log.lastSeq("c1")).toBe(999);
    expect((await log.append("c1", "r1", textDelta("next"))).seq).toBe(1_000);
  });

  it("expires a conversation's events ttlSeconds after its last event", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix, ttlSeconds: 60 });
    await log.append("c1", "r1", textDelta("a"));
    for (const key of [streamKey(prefix, "c1"), counterKey(prefix, "c1")]) {
      const ttl = await replicaA.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      await replicaA.expire(key, 5);
    }
    // The next event starts the clock again for both keys.
    await log.append("c1", "r1", textDelta("b"));
    expect(await replicaA.ttl(streamKey(prefix, "c1"))).toBeGreaterThan(5);
    expect(await replicaA.ttl(counterKey(prefix, "c1"))).toBeGreaterThan(5);

    const shortLived = createRedisRunEventLog(replicaA, { keyPrefix: prefix, ttlSeconds: 1 });
    await shortLived.append("c2", "r2", textDelta("gone soon"));
    await until("the run events to expire", async () => (await replicaA.exists(streamKey(prefix, "c2"), counterKey(prefix, "c2"))) === 0, 5_000);
    expect(await shortLived.since("c2", -1)).toEqual([]);
    expect(await shortLived.lastSeq("c2")).toBe(-1);
  });

  it("forget removes the stream and the counter", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix });
    await log.append("c1", "r1", textDelta("a"));
    expect(await replicaA.exists(streamKey(prefix, "c1"), counterKey(prefix, "c1"))).toBe(2);

    await log.forget("c1");
    expect(await replicaA.exists(streamKey(prefix, "c1"), counterKey(prefix, "c1"))).toBe(0);
  });

  it("skips, with a warning, a stream entry it did not write", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix });
    const warn = vi.spyOn(logger, "warn");
    try {
      await log.append("c1", "r1", textDelta("a"));
      await log.append("c1", "r1", textDelta("b"));
      await replicaA.xadd(streamKey(prefix, "c1"), "2-1", "runId", "r1", "at", new Date().toISOString(), "event", "{not json");
      await log.append("c1", "r1", textDelta("c"));

      expect((await log.since("c1", -1)).map((e) => e.event)).toEqual([textDelta("a"), textDelta("b"), textDelta("c")]);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ streamEntryId: "2-1" }), expect.any(String));
    } finally {
      warn.mockRestore();
    }
  });

  it("goes on numbering after the stream's last event when the counter was lost", async () => {
    const prefix = freshPrefix();
    const log = createRedisRunEventLog(replicaA, { keyPrefix: prefix });
    for (const text of ["a", "b", "c"]) await log.append("c1", "r1", textDelta(text));
    await replicaA.del(counterKey(prefix, "c1"));

    expect((await log.append("c1", "r1", textDelta("d"))).seq).toBe(3);
    expect(await log.lastSeq("c1")).toBe(3);
    expect((await log.since("c1", -1)).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });
});

interface LocalRedisServer {
  url: string;
  stop: () => Promise<void>;
}

// TODO: switch to startRedisServer() from tests/integration/support/redis-server.ts once it lands.
async function startLocalRedisServer(): Promise<LocalRedisServer> {
  const port = await freePort();
  const child = spawn("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`)), 10_000);
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
