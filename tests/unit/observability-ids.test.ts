import type { IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";

import { AppError } from "../../lib/errors";
import { jsonRoute } from "../../server/http/json-route";
import { currentLogContext, withLogContext, withOnlyLogContext } from "../../server/log-context";
import { mayReadMetrics } from "../../server/metrics/metrics-http";

describe("request ids", () => {
  it("takes the caller's x-request-id, carries it through the handler's logs and returns it", async () => {
    let seen: string | undefined;
    const route = jsonRoute(async (_request: Request) => {
      await Promise.resolve();
      seen = currentLogContext().requestId;
      return { fine: true };
    });
    const response = await route(new Request("http://localhost/api/x", { headers: { "x-request-id": "proxy-42" } }));
    expect(seen).toBe("proxy-42");
    expect(response.headers.get("x-request-id")).toBe("proxy-42");
  });

  it("makes up an id when none (or a strange one) is given, on errors too", async () => {
    const route = jsonRoute(async (_request: Request) => {
      throw new AppError("not_found", "This no longer exists.");
    });
    const response = await route(new Request("http://localhost/api/x", { headers: { "x-request-id": "bad id; with spaces {}" } }));
    expect(response.status).toBe(404);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("adds the ids of the current request or run to every log line", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const log = pino({ mixin: () => ({ ...currentLogContext() }) }, sink);
    await withLogContext({ runId: "run-1", conversationId: "c-1" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.info("inside the run");
      withOnlyLogContext({ conversationId: "c-1" }, () => log.info("the CLI process, which outlives the run"));
    });
    log.info("outside");
    expect(lines[0]).toMatchObject({ runId: "run-1", conversationId: "c-1", msg: "inside the run" });
    expect(lines[1]).toMatchObject({ conversationId: "c-1" });
    expect(lines[1]).not.toHaveProperty("runId");
    expect(lines[2]).not.toHaveProperty("runId");
  });
});

describe("who may read /metrics", () => {
  const request = (remoteAddress: string, authorization?: string) =>
    ({ socket: { remoteAddress }, headers: authorization ? { authorization } : {} }) as unknown as IncomingMessage;

  it("without METRICS_TOKEN: this machine only", () => {
    expect(mayReadMetrics(request("127.0.0.1"), undefined)).toBe(true);
    expect(mayReadMetrics(request("::1"), undefined)).toBe(true);
    expect(mayReadMetrics(request("203.0.113.9"), undefined)).toBe(false);
  });

  it("with METRICS_TOKEN: whoever sends it as a bearer token, from anywhere", () => {
    expect(mayReadMetrics(request("203.0.113.9", "Bearer s3cret-token"), "s3cret-token")).toBe(true);
    expect(mayReadMetrics(request("127.0.0.1"), "s3cret-token")).toBe(false);
    expect(mayReadMetrics(request("203.0.113.9", "Bearer wrong"), "s3cret-token")).toBe(false);
    expect(mayReadMetrics(request("203.0.113.9", "s3cret-token"), "s3cret-token")).toBe(false);
  });
});
