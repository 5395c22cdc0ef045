import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { webhookSignatureHeader, webhookTimestampHeader } from "../../lib/schedule-api";
import { isPrivateAddress } from "../egress/egress-rules";
import { setTimeout as delay } from "node:timers/promises";
import type { RunWebhookDelivery } from "../../lib/records";
import type { FinishedRun } from "../conversations/conversation-service";
import { logger } from "../logger";

/**
 * The signed POST a schedule's webhook gets when one of its runs ends. The receiver checks
 * `X-AgentDesk-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with the
 * agent's webhook secret and rejects old timestamps (docs/api.md shows how).
 */

export interface RunWebhookBody {
  event: "run.finished";
  agentId: string;
  agentName: string;
  scheduleId: string;
  runId: string;
  conversationId: string;
  status: "complete" | "interrupted" | "failed";
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  costUsd: number | null;
  /** What the agent said, trimmed to a few thousand characters. */
  output: string;
  /** Files it wrote or changed, relative to the agent's folder. */
  files: string[];
  error?: { code: string; message: string };
}

const maxOutputChars = 4_000;

export function runWebhookBody(finished: FinishedRun, scheduleId: string): RunWebhookBody {
  const { run, agent } = finished;
  const output = finished.outputText.length > maxOutputChars ? `${finished.outputText.slice(0, maxOutputChars - 1)}…` : finished.outputText;
  return {
    event: "run.finished",
    agentId: agent.id,
    agentName: agent.name,
    scheduleId,
    runId: run.id,
    conversationId: finished.conversation.id,
    status: finished.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    durationMs: run.durationMs ?? null,
    costUsd: run.costUsd ?? null,
    output,
    files: finished.files.map((file) => file.path),
    ...(finished.error ? { error: finished.error } : {}),
  };
}

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookDeliveryOptions {
  timeoutMs?: number;
  attempts?: number;
  /** Wait before attempt n+1 (n from 1); tests shorten it. */
  backoffMs?: (attempt: number) => number;
  now?: () => Date;
  /** Off by default: a webhook URL is typed by a user, and must not become a way to poke the platform's own network. */
  allowPrivateTargets?: boolean;
}

export interface WebhookDeliveryResult {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status seen, if any answer came. */
  status?: number;
  /** Why nothing was sent at all. */
  refused?: string;
}

/** The delivery as the owner reads it on the run and the schedule: what happened and what to change. */
export function webhookDeliveryRecord(result: WebhookDeliveryResult, at: Date): RunWebhookDelivery {
  const message = result.refused
    ? `The webhook was not sent: ${result.refused}. Webhooks only go to public addresses that can be looked up; check the schedule's webhook URL.`
    : result.delivered
      ? `The webhook was delivered${result.attempts > 1 ? ` after ${result.attempts} tries` : ""}.`
      : `The webhook could not be delivered after ${result.attempts} tries (${result.status !== undefined ? `the last answer was HTTP ${result.status}` : "no answer came"}). Check that its address is up and answers with a 2xx status.`;
  return {
    outcome: result.refused ? "refused" : result.delivered ? "delivered" : "failed",
    message: message.length > 500 ? `${message.slice(0, 499)}…` : message,
    at: at.toISOString(),
  };
}

/**
 * Null when the URL's host resolves only to public addresses. Checked before every delivery, so a
 * name that later points inside (DNS rebinding between check and connect aside) is caught too.
 */
export async function privateTargetReason(url: string): Promise<string | null> {
  const target = await resolveWebhookTarget(url);
  if ("invalid" in target) return target.invalid;
  if (target.addresses.length === 0) return `${target.hostname} does not resolve`;
  return insideReason(target.hostname, target.addresses);
}

/**
 * The same rule when a schedule is saved: a URL that points inside (a loopback, private or
 * metadata address, in any of its spellings, or a name resolving to one) is refused with a
 * reason. A name that does not resolve yet is accepted: it may by the time the run ends, and the
 * delivery checks again.
 */
export async function webhookTargetRefusal(url: string): Promise<string | null> {
  const target = await resolveWebhookTarget(url);
  if ("invalid" in target) return target.invalid;
  return insideReason(target.hostname, target.addresses);
}

async function resolveWebhookTarget(url: string): Promise<{ hostname: string; addresses: { address: string }[] } | { invalid: string }> {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return { invalid: "the webhook URL is not a valid URL" };
  }
  // lookup() reads every numeric spelling (0x7f000001, 2130706433, 0, ::ffff:127.0.0.1) as the address it is.
  const addresses = await lookup(hostname, { all: true, verbatim: true }).catch(() => []);
  return { hostname, addresses };
}

function insideReason(hostname: string, addresses: { address: string }[]): string | null {
  const inside = addresses.find((entry) => isPrivateAddress(entry.address));
  return inside ? `${hostname} is a private or local address (${inside.address})` : null;
}

/** Where a log line may say the webhook went: never its path or query, which can carry a token. */
function safeTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid url)";
  }
}

/**
 * Sends the body, retrying on network errors, timeouts and non-2xx answers (3 attempts, 1 s and
 * 4 s apart by default). Never throws: the run it reports on is already stored, and a receiver
 * that is down must not hold anything up. Failures are logged with the target's origin only and
 * never the secret or the signature.
 */
export async function deliverWebhook(url: string, secret: string, body: RunWebhookBody, options: WebhookDeliveryOptions = {}): Promise<WebhookDeliveryResult> {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const backoffMs = options.backoffMs ?? ((attempt: number) => 1_000 * 4 ** (attempt - 1));
  const json = JSON.stringify(body);
  if (!options.allowPrivateTargets) {
    const refused = await privateTargetReason(url);
    if (refused) {
      logger.warn({ target: safeTarget(url), reason: refused, runId: body.runId }, "webhook not sent: private targets are not allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS)");
      return { delivered: false, attempts: 0, refused };
    }
  }
  let status: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    // A fresh timestamp per attempt: the receiver may reject stale ones.
    const timestamp = String(Math.floor((options.now?.() ?? new Date()).getTime() / 1000));
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "AgentDesk-Webhook/1",
          "x-agentdesk-event": body.event,
          [webhookTimestampHeader]: timestamp,
          [webhookSignatureHeader]: signWebhookBody(secret, timestamp, json),
        },
        body: json,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return { delivered: true, attempts: attempt, status };
      logger.warn({ target: safeTarget(url), status, attempt, runId: body.runId }, "webhook answered with an error status");
    } catch (error) {
      const reason = error instanceof Error ? error.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : error.message : "unknown error";
      logger.warn({ target: safeTarget(url), attempt, reason, runId: body.runId }, "webhook delivery failed");
    }
    if (attempt < attempts) await delay(backoffMs(attempt));
  }
  logger.error({ target: safeTarget(url), attempts, status, runId: body.runId }, "webhook not delivered; giving up");
  return { delivered: false, attempts, ...(status !== undefined ? { status } : {}) };
}
