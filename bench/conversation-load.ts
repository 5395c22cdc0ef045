/**
 * The conversation load the load benches put on real server processes: guests seeded straight
 * into the server's store (seeding is not measured), one message per conversation sent from every
 * user's tab at the same moment, and what the tabs saw — acknowledgement, first agent event, queue
 * wait, run end, and relay (the envelope's `at`, stamped as the server publishes the CLI's event,
 * against the moment a tab receives it, on one clock). Bounded: one message per conversation and
 * one deadline for the whole load.
 */
import type Docker from "dockerode";
import type { Socket } from "socket.io-client";
import type { RunEventEnvelope } from "../lib/socket-events";
import type { PlatformStore } from "../server/store/store";
import { removeTestWorkspaces } from "../tests/integration/support/test-workspaces";
import { gaugeValue } from "./machine-sampler";
import { tail, type Tail } from "./stats";

export const loadPrompt = "compute the sum of 1 to 100 in Python";
const agentEventTypes = new Set(["text_delta", "text", "tool_use", "tool_result", "result", "error"]);

export interface LoadUser {
  userId: string;
  token: string;
  agentId: string;
  conversationIds: string[];
}

/** One socket of a user (a browser tab): the one that sends, or one that only follows. */
export interface LoadTab {
  user: LoadUser;
  socket: Socket;
  sends: boolean;
  /** Which server it reached (replica index), when known. */
  replica?: number;
}

export interface ConversationResult {
  userId: string;
  conversationId: string;
  sentAt: number;
  ackMs?: number;
  ackError?: string;
  startedMs?: number;
  firstEventMs?: number;
  finishedMs?: number;
  status?: string;
  error?: string;
  toolOutput?: string;
  queuedAt?: number;
  queuedWaitMs?: number;
  maxQueuePosition?: number;
}

/** One event as a tab received it. */
export interface Delivery {
  seq: number;
  /** Server publish (the envelope's `at`) → this tab (ms). */
  relayMs: number;
}

export interface LoadRun {
  results: ConversationResult[];
  outcome: "all" | "deadline";
  loadMs: number;
  /** What each tab received, by conversation. */
  deliveries: Map<LoadTab, Map<string, Delivery[]>>;
  /** Follower tabs whose events for a conversation were not exactly the sending tab's (by seq). */
  tabsDisagreeing: number;
  /** The first few of those: the conversation and both seq lists. */
  disagreements: string[];
}

/** The relay samples of the tabs and conversations kept. */
export function relaySamples(run: LoadRun, keep: (tab: LoadTab, conversationId: string) => boolean = () => true): number[] {
  const samples: number[] = [];
  for (const [tab, byConversation] of run.deliveries) {
    for (const [conversationId, deliveries] of byConversation) if (keep(tab, conversationId)) samples.push(...deliveries.map((d) => d.relayMs));
  }
  return samples;
}

export async function seedLoadUsers(store: PlatformStore, users: number, perUser: number): Promise<LoadUser[]> {
  const seeded: LoadUser[] = [];
  for (let u = 0; u < users; u += 1) {
    const user = await store.createUser({ type: "guest" });
    const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
    const agent = await store.createAgent({ ownerId: user.id, name: "Calculator", model: "claude-sonnet-4-5" });
    const conversationIds: string[] = [];
    for (let c = 0; c < perUser; c += 1) conversationIds.push((await store.createConversation({ agentId: agent.id, ownerId: user.id })).id);
    seeded.push({ userId: user.id, token: session.id, agentId: agent.id, conversationIds });
  }
  return seeded;
}

/** Every tab follows all its user's conversations; then each user's sending tab sends one message per conversation, all at once. */
export async function runConversationLoad(tabs: LoadTab[], timeoutMs: number): Promise<LoadRun> {
  const results: ConversationResult[] = [];
  const byConversation = new Map<string, ConversationResult>();
  const finished = new Map<string, () => void>();
  const deliveries = new Map<LoadTab, Map<string, Delivery[]>>();

  for (const tab of tabs) {
    const received = new Map<string, Delivery[]>();
    deliveries.set(tab, received);
    tab.socket.on("conversation:event", (envelope: RunEventEnvelope) => {
      const receivedAt = Date.now();
      const list = received.get(envelope.conversationId) ?? [];
      list.push({ seq: envelope.seq, relayMs: receivedAt - Date.parse(envelope.at) });
      received.set(envelope.conversationId, list);
      if (!tab.sends) return;
      const result = byConversation.get(envelope.conversationId);
      if (!result) return;
      const since = receivedAt - result.sentAt;
      const { event } = envelope;
      if (event.type === "run_started") result.startedMs ??= since;
      else if (event.type === "run_queued") {
        result.queuedAt ??= receivedAt;
        result.maxQueuePosition = Math.max(result.maxQueuePosition ?? 0, event.position);
      } else if (agentEventTypes.has(event.type)) {
        result.firstEventMs ??= since;
        if (result.queuedAt !== undefined) result.queuedWaitMs ??= receivedAt - result.queuedAt;
        if (event.type === "tool_result") result.toolOutput = event.output;
      } else if (event.type === "run_finished") {
        result.finishedMs = since;
        result.status = event.status;
        if (event.error) result.error = `${event.error.code}: ${event.error.message}`;
        finished.get(envelope.conversationId)?.();
      }
    });
    for (const conversationId of tab.user.conversationIds) {
      const ack = await tab.socket.timeout(30_000).emitWithAck("conversation:follow", { conversationId, afterSeq: -1 });
      if (!ack.ok) throw new Error(`follow failed: ${ack.error.message}`);
    }
  }

  const startedAt = Date.now();
  const done = tabs
    .filter((tab) => tab.sends)
    .flatMap(({ user, socket }) =>
      user.conversationIds.map(async (conversationId) => {
        const result: ConversationResult = { userId: user.userId, conversationId, sentAt: Date.now() };
        results.push(result);
        byConversation.set(conversationId, result);
        const runEnded = new Promise<void>((resolve) => finished.set(conversationId, resolve));
        const ack = await socket
          .timeout(timeoutMs)
          .emitWithAck("conversation:send", { agentId: user.agentId, conversationId, text: loadPrompt, clientMessageId: `bench-${conversationId}` })
          .catch((error: unknown) => ({ ok: false as const, error: { code: "timeout", message: String(error) } }));
        result.ackMs = Date.now() - result.sentAt;
        if (!ack.ok) {
          result.ackError = `${ack.error.code}: ${ack.error.message}`;
          return;
        }
        await runEnded;
      }),
    );
  const deadline = new Promise<"deadline">((resolve) => setTimeout(() => resolve("deadline"), timeoutMs).unref());
  const outcome = await Promise.race([Promise.all(done).then(() => "all" as const), deadline]);
  const loadMs = Date.now() - startedAt;

  // A following tab may receive the last run_finished a moment after the sending tab: give it up to 5 s.
  const seqsOf = (tab: LoadTab | undefined, conversationId: string) => (tab ? (deliveries.get(tab)?.get(conversationId) ?? []) : []).map((d) => d.seq).join(",");
  const disagreeing = () =>
    tabs
      .filter((tab) => !tab.sends)
      .flatMap((tab) => {
        const sender = tabs.find((t) => t.sends && t.user === tab.user);
        return tab.user.conversationIds
          .filter((conversationId) => seqsOf(tab, conversationId) !== seqsOf(sender, conversationId))
          .map((conversationId) => `${conversationId}: following tab [${seqsOf(tab, conversationId)}], sending tab [${seqsOf(sender, conversationId)}]`);
      });
  const catchUpDeadline = Date.now() + 5_000;
  while (disagreeing().length > 0 && Date.now() < catchUpDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const disagreements = disagreeing();
  return { results, outcome, loadMs, deliveries, tabsDisagreeing: disagreements.length, disagreements: disagreements.slice(0, 5) };
}

export interface LoadOutcomes {
  conversations: number;
  completed: number;
  /** What the store holds agrees with what the tabs saw: the user message and a complete reply with 5050. */
  storedComplete: number;
  refused: number;
  failed: number;
  /** Accepted, yet no run_finished reached the tab before the deadline. */
  lost: number;
  queuedRuns: number;
  maxQueuePosition: number;
  problems: string[];
}

export async function tallyOutcomes(results: ConversationResult[], store: PlatformStore): Promise<LoadOutcomes> {
  let storedComplete = 0;
  for (const result of results) {
    const messages = await store.listMessages(result.conversationId);
    if (messages.length === 2 && messages[1]!.status === "complete" && messages[1]!.content.some((b) => b.type === "tool_result" && b.output.includes("5050"))) {
      storedComplete += 1;
    }
  }
  const refused = results.filter((r) => r.ackError);
  const failed = results.filter((r) => r.status !== undefined && r.status !== "complete");
  const lost = results.filter((r) => !r.ackError && r.status === undefined);
  const queued = results.filter((r) => r.queuedAt !== undefined);
  return {
    conversations: results.length,
    completed: results.filter((r) => r.status === "complete" && r.toolOutput?.includes("5050")).length,
    storedComplete,
    refused: refused.length,
    failed: failed.length,
    lost: lost.length,
    queuedRuns: queued.length,
    maxQueuePosition: Math.max(0, ...queued.map((r) => r.maxQueuePosition ?? 0)),
    problems: [
      ...refused.map((r) => `refused ${r.conversationId}: ${r.ackError}`),
      ...failed.map((r) => `failed ${r.conversationId}: ${r.error ?? r.status}`),
      ...lost.map((r) => `lost ${r.conversationId}`),
    ].slice(0, 20),
  };
}

/** What the sending tabs saw, from the moment each message was sent (ms). */
export function loadTimings(results: ConversationResult[]): Record<string, Tail> {
  const of = (pick: (r: ConversationResult) => number | undefined) => tail(results.flatMap((r) => (pick(r) === undefined ? [] : [pick(r)!])));
  return {
    ack: of((r) => (r.ackError ? undefined : r.ackMs)),
    runStarted: of((r) => r.startedMs),
    firstAgentEvent: of((r) => r.firstEventMs),
    firstAgentEventNotQueued: of((r) => (r.queuedAt === undefined ? r.firstEventMs : undefined)),
    queuedWait: of((r) => r.queuedWaitMs),
    runFinished: of((r) => r.finishedMs),
  };
}

/**
 * The conversations in the order their message reached the server: the stored user message's
 * createdAt (stamped by the server as it accepts the send), ties and unstored sends by the moment
 * the tab sent. "The first N arrivals" are the first N of this order.
 */
export async function arrivalOrder(results: ConversationResult[], store: PlatformStore): Promise<ConversationResult[]> {
  const arrivedAt = new Map<ConversationResult, number>();
  for (const result of results) {
    const first = (await store.listMessages(result.conversationId))[0];
    arrivedAt.set(result, first ? Date.parse(first.createdAt) : Number.POSITIVE_INFINITY);
  }
  return [...results].sort((a, b) => arrivedAt.get(a)! - arrivedAt.get(b)! || a.sentAt - b.sentAt);
}

/** Send → first agent event of the first N arrivals, for each N up to the number of conversations (and all of them). */
export function firstEventByArrival(ordered: ConversationResult[], counts: number[] = [10, 50, 100]): Record<string, Tail> {
  const sizes = [...new Set([...counts.filter((n) => n < ordered.length), ordered.length])];
  return Object.fromEntries(
    sizes.map((n) => [`firstAgentEventFirst${n}Arrivals`, tail(ordered.slice(0, n).flatMap((r) => (r.firstEventMs === undefined ? [] : [r.firstEventMs])))]),
  );
}

export interface WaitNotices {
  /** The waiting threshold: a first event later than this counts as having waited. */
  waitedAfterMs: number;
  /** Saw run_queued, or their first agent event came later than the threshold (or never). */
  waited: number;
  /** Of those, how many were told a queue position (run_queued with a position ≥ 1). */
  toldPlace: number;
  waitedUntold: number;
}

/** "Every queued chat told its place": the conversations that waited against those told where they stood. */
export function waitNotices(results: ConversationResult[], waitedAfterMs: number): WaitNotices {
  const accepted = results.filter((r) => !r.ackError);
  const waited = accepted.filter((r) => r.queuedAt !== undefined || r.firstEventMs === undefined || r.firstEventMs > waitedAfterMs);
  const toldPlace = waited.filter((r) => (r.maxQueuePosition ?? 0) >= 1).length;
  return { waitedAfterMs, waited: waited.length, toldPlace, waitedUntold: waited.length - toldPlace };
}

export interface ServerFigures {
  serverFirstEventMeanMs: number;
  serverRunDurationMeanMs: number;
  liveCliCap: number;
  runsStarted: number;
  socketsConnected: number;
}

/** One server's own figures from GET /metrics (loopback answers without a token), summed over labels. */
export async function readServerMetrics(url: string): Promise<ServerFigures> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then(
    (response) => (response.ok ? response.text() : ""),
    () => "",
  );
  const sum = (name: string) => gaugeValue(text, name) ?? Number.NaN;
  const meanMs = (name: string) => Math.round((sum(`${name}_sum`) / sum(`${name}_count`)) * 1000);
  return {
    serverFirstEventMeanMs: meanMs("agentdesk_run_first_event_seconds"),
    serverRunDurationMeanMs: meanMs("agentdesk_run_duration_seconds"),
    liveCliCap: sum("agentdesk_live_cli_cap"),
    runsStarted: sum("agentdesk_runs_started_total"),
    socketsConnected: sum("agentdesk_sockets_connected"),
  };
}

/** Every container, volume and network of these users. */
export async function removeLoadWorkspaces(docker: Docker, users: LoadUser[]): Promise<void> {
  for (const user of users) await removeTestWorkspaces(docker, user.userId);
}
