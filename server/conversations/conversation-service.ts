import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { AgentEvent } from "../../lib/agent-events";
import { applyAgentEvent, emptyReply, endsStep, type AssistantReplyState } from "../../lib/assistant-reply";
import { AppError } from "../../lib/errors";
import type { Agent, Conversation, Message, Run, Schedule } from "../../lib/records";
import type { FollowAckData, RunEventEnvelope, RunWaitEvent, SendAckData } from "../../lib/socket-events";
import type { AgentTurnRequest, TurnOutcome } from "../claude/claude-runner";
import type { ConversationLimits } from "../limits/usage-quotas";
import { withLogContext } from "../log-context";
import { logger } from "../logger";
import { countRunFinished, countRunStarted } from "../metrics/platform-metrics";
import type { PlatformStore } from "../store/store";
import { findOwnedAgent, type ActingUser } from "../agents/agent-ownership";
import type { ConversationPlacement } from "./conversation-placement";
import type { RunEventLog } from "./run-event-log";
import { interruptedByRestart } from "./run-recovery";
import { isImageFile, turnFileBlock, type TurnFile } from "./turn-images";
import { scheduledRunTitle } from "../schedules/scheduled-run-title";

/** The part of the Claude runner a conversation needs; a test or a Kubernetes runner can stand in. */
export interface AgentTurnRunner {
  /** `onWait` hears why a turn has not begun yet (queued for a CLI slot, workspace waking up). */
  runAgentTurn(request: AgentTurnRequest, onEvent: (event: AgentEvent) => void, onWait?: (event: RunWaitEvent) => void): Promise<TurnOutcome>;
  interruptTurn(conversationId: string): Promise<boolean>;
  /** Starts the conversation's CLI ahead of the first message, so that message needs no start-up. */
  prewarmConversation?(request: Omit<AgentTurnRequest, "prompt">): Promise<void>;
}

export interface ConversationServiceOptions {
  store: PlatformStore;
  runner: AgentTurnRunner;
  eventLog: RunEventLog;
  /** Delivers an event to everyone following the conversation (a Socket.IO room today). */
  publish(envelope: RunEventEnvelope): void;
  defaultModel: string;
  /** Files the agent wrote during a turn: images show inline with its reply, others as file links. */
  findTurnFiles?(userId: string, agentId: string, sinceMs: number): Promise<TurnFile[]>;
  /** Called once per run after its reply and run record are stored; failures are logged, not thrown. */
  onRunFinished?(finished: FinishedRun): void | Promise<void>;
  /** Per-user quotas and rate limits (server/limits); none when absent. */
  limits?: ConversationLimits;
  /** This server's INSTANCE_ID, recorded on each run it starts with a lease it renews (run-leases.ts). */
  instanceId?: string;
  runLeaseMs?: number;
  /** With several servers: which one is each conversation's home; absent, this one is home to all. */
  placement?: ConversationPlacement;
}

interface ActiveRun {
  /** Unset for the moment between reserving the conversation and storing the run. */
  run?: Run;
  /** Sequence number of the run's run_started event: a reloading client replays from there. */
  startSeq: number;
  assistantMessageId: string;
  /** Store writes for one run happen one after another, in event order. */
  writes: Promise<unknown>;
  done: Promise<void>;
}

interface RunStart {
  prompt: string;
  clientMessageId: string;
  trigger: Run["trigger"];
  scheduleId?: string;
}

/** What a finished run leaves behind, for whoever reacts to it (notifications, webhooks, metrics). */
export interface FinishedRun {
  run: Run;
  agent: Agent;
  conversation: Conversation;
  status: "complete" | "interrupted" | "failed";
  /** The reply's text blocks joined: what the agent said. */
  outputText: string;
  /** The reply's last text block: what it said after its steps, usually the result. */
  resultText: string;
  /** Images (and other files) the agent wrote during the run, relative to its directory. */
  files: TurnFile[];
  error?: { code: string; message: string };
}

const titleLength = 60;

export function titleFromPrompt(prompt: string): string {
  const oneLine = prompt.replace(/\s+/g, " ").trim();
  return oneLine.length <= titleLength ? oneLine : `${oneLine.slice(0, titleLength - 1).trimEnd()}…`;
}

/**
 * Everything that happens to a conversation: a user's message is stored before it reaches the
 * workspace, the agent's reply is stored step by step as it streams (and marked interrupted or
 * failed on every other path), and each event is published with a sequence number so followers
 * can catch up after a reconnect. REST routes and socket events both call these functions.
 */
export class ConversationService {
  private readonly activeRuns = new Map<string, ActiveRun>();
  /** Each conversation's last publish, which the next one waits for. */
  private readonly publishing = new Map<string, Promise<unknown>>();
  /** The last sequence number this server handed out per conversation (recent ones). */
  private readonly lastSeqs = new LRUCache<string, number>({ max: 10_000 });

  constructor(private readonly options: ConversationServiceOptions) {}

  /** The conversation, if the user may use it; otherwise not_found, so ids of others' chats leak nothing. */
  async conversationForOwner(user: ActingUser, conversationId: string): Promise<Conversation> {
    const conversation = await this.options.store.getConversation(conversationId).catch((error: unknown) => {
      throw error instanceof AppError && error.code === "not_found" ? new AppError("not_found", "This conversation does not exist.") : error;
    });
    if (conversation.ownerId !== user.userId) throw new AppError("not_found", "This conversation does not exist.");
    return conversation;
  }

  async listConversations(user: ActingUser, agentId: string): Promise<Conversation[]> {
    await this.agentForOwner(user, agentId);
    return this.options.store.listConversationsByAgent(agentId, { ownerId: user.userId });
  }

  /** The person's conversations with the agent whose title or words contain `text`. */
  async searchConversations(user: ActingUser, agentId: string, text: string): Promise<Conversation[]> {
    await this.agentForOwner(user, agentId);
    return this.options.store.searchConversations(agentId, user.userId, text, { limit: 50 });
  }

  async createConversation(user: ActingUser, agentId: string, title = ""): Promise<Conversation> {
    await this.agentForOwner(user, agentId);
    return this.options.store.createConversation({ agentId, ownerId: user.userId, title, claudeSessionId: randomUUID() });
  }

  async renameConversation(user: ActingUser, conversationId: string, title: string): Promise<Conversation> {
    await this.conversationForOwner(user, conversationId);
    return this.options.store.updateConversation(conversationId, { title });
  }

  async deleteConversation(user: ActingUser, conversationId: string): Promise<void> {
    await this.conversationForOwner(user, conversationId);
    if (this.activeRuns.has(conversationId)) {
      throw new AppError("conflict", "The agent is still answering in this conversation. Press Stop first, then delete it.");
    }
    await this.options.store.deleteConversation(conversationId);
    await this.options.eventLog.forget(conversationId);
  }

  private agentForOwner(user: ActingUser, agentId: string): Promise<Agent> {
    return findOwnedAgent(this.options.store, user, agentId);
  }

  activeRunId(conversationId: string): string | null {
    return this.activeRuns.get(conversationId)?.run?.id ?? null;
  }

  /** The run going on in the conversation here or on any other server. */
  async activeRunIdAnywhere(conversationId: string): Promise<string | null> {
    const here = this.activeRunId(conversationId);
    if (here || this.activeRuns.has(conversationId) || !this.options.placement) return here;
    return (await this.options.placement.activeRun(conversationId))?.runId ?? null;
  }

  /** The runs this server is running: their leases are renewed while they go on. */
  runsHere(): Run[] {
    return [...this.activeRuns.values()].flatMap((active) => (active.run ? [active.run] : []));
  }

  /**
   * A run whose server died was recovered (run-recovery.ts): its followers, wherever they are
   * connected, see it end as interrupted, with the sentence a restart gives.
   */
  async announceRecovered(run: Run): Promise<void> {
    await this.publish(run.conversationId, run.id, { type: "run_finished", status: "interrupted", error: interruptedByRestart });
    await this.options.limits?.endRun(run.ownerId, run.conversationId);
    await this.options.placement?.runEnded(run.conversationId, run.id);
  }

  /**
   * Where a client that just loaded the stored messages should start following: just before the
   * run in progress (its events rebuild the partial reply exactly), or after the last event.
   */
  async resumePoint(conversationId: string): Promise<{ activeRunId: string | null; resumeAfterSeq: number }> {
    const active = this.activeRuns.get(conversationId);
    if (active?.run && active.startSeq >= 0) return { activeRunId: active.run.id, resumeAfterSeq: active.startSeq - 1 };
    const elsewhere = active ? null : await this.options.placement?.activeRun(conversationId);
    if (elsewhere) return { activeRunId: elsewhere.runId, resumeAfterSeq: elsewhere.startSeq - 1 };
    return { activeRunId: null, resumeAfterSeq: await this.options.eventLog.lastSeq(conversationId) };
  }

  async sendMessage(
    user: ActingUser,
    input: { agentId: string; conversationId: string; text: string; clientMessageId: string },
  ): Promise<SendAckData> {
    const { store } = this.options;
    const conversation = await this.conversationForOwner(user, input.conversationId);
    if (conversation.agentId !== input.agentId) throw new AppError("bad_request", "This conversation belongs to another agent.");
    const agent = await store.getAgent(conversation.agentId);

    const repeated = await store.findMessageByClientMessageId(conversation.id, input.clientMessageId);
    if (repeated) {
      // A client retrying after a lost acknowledgement: nothing is stored or run twice.
      return { runId: this.activeRunId(conversation.id) ?? "", firstSeq: -1, duplicate: true };
    }
    // Here, or on another server whose run is not over (or not yet recovered, if that server died).
    if (this.activeRuns.has(conversation.id) || (this.options.placement && (await this.options.placement.activeRun(conversation.id)))) {
      throw new AppError("conflict", "The agent is still answering. Wait for it to finish, or press Stop.");
    }

    await this.options.limits?.admitMessage(user.userId, input.text);
    return this.startRun(conversation, agent, { prompt: input.text, clientMessageId: input.clientMessageId, trigger: "chat" });
  }

  /**
   * The one way a run begins, for chat messages and scheduled runs alike: the user's message is
   * stored first, then the run and an empty streaming reply, and only then does the turn start.
   */
  private async startRun(conversation: Conversation, agent: Agent, start: RunStart): Promise<SendAckData> {
    const { store } = this.options;
    if (this.activeRuns.has(conversation.id)) {
      throw new AppError("conflict", "The agent is still answering. Wait for it to finish, or press Stop.");
    }
    // Reserve the conversation before the first await that could let a second send slip in.
    const pending: ActiveRun = { startSeq: -1, assistantMessageId: "", writes: Promise.resolve(), done: Promise.resolve() };
    this.activeRuns.set(conversation.id, pending);
    try {
      await this.options.limits?.beginRun(conversation.ownerId, conversation.id);
      await this.options.placement?.claim(conversation.id);
      const { message: userMessage } = await store.appendMessage({
        conversationId: conversation.id,
        role: "user",
        content: [{ type: "text", text: start.prompt }],
        clientMessageId: start.clientMessageId,
      });
      const run = await store.createRun({
        conversationId: conversation.id,
        agentId: agent.id,
        ownerId: conversation.ownerId,
        trigger: start.trigger,
        ...(start.scheduleId ? { scheduleId: start.scheduleId } : {}),
        ...this.lease(),
      });
      const { message: assistantMessage } = await store.appendMessage({
        conversationId: conversation.id,
        role: "assistant",
        content: [],
        status: "streaming",
      });
      await store.updateConversation(conversation.id, {
        status: "running",
        ...(conversation.title ? {} : { title: titleFromPrompt(start.prompt) }),
      });
      pending.run = run;
      pending.assistantMessageId = assistantMessage.id;

      const started = await this.publish(conversation.id, run.id, {
        type: "run_started",
        prompt: start.prompt,
        clientMessageId: start.clientMessageId,
        userMessageId: userMessage.id,
        assistantMessageId: assistantMessage.id,
      });
      pending.startSeq = started.seq;
      await this.options.placement?.runStarted(conversation.id, { runId: run.id, startSeq: started.seq, instanceId: this.options.instanceId ?? "" });
      countRunStarted(start.trigger);
      // Every line logged for this run carries its ids, however deep the code that writes it.
      pending.done = withLogContext({ runId: run.id, conversationId: conversation.id }, () => this.runTurn(pending, run, agent, conversation, start.prompt));
      return { runId: run.id, firstSeq: started.seq, duplicate: false };
    } catch (error) {
      this.activeRuns.delete(conversation.id);
      this.endRunLimit(conversation);
      throw error;
    }
  }

  /**
   * A scheduled run (or "Run now"): a new conversation of the owner's, titled after the prompt and
   * the slot, so each run opens as a conversation of its own in the run history. The runner wakes
   * a stopped workspace as for any message.
   */
  async startScheduledRun(
    agent: Agent,
    schedule: Pick<Schedule, "id" | "prompt" | "timezone">,
    slot: Date,
  ): Promise<{ runId: string; conversationId: string }> {
    const { store } = this.options;
    const conversation = await store.createConversation({
      agentId: agent.id,
      ownerId: agent.ownerId,
      title: scheduledRunTitle(schedule, slot),
      claudeSessionId: randomUUID(),
      scheduleId: schedule.id,
    });
    try {
      const { runId } = await this.startRun(conversation, agent, { prompt: schedule.prompt, clientMessageId: randomUUID(), trigger: "schedule", scheduleId: schedule.id });
      return { runId, conversationId: conversation.id };
    } catch (error) {
      // Nothing ran: an empty conversation would only clutter the owner's list.
      await store.deleteConversation(conversation.id).catch(() => undefined);
      throw error;
    }
  }

  /** A lease for a run starting now, when this server keeps leases. */
  lease(): { instanceId: string; leaseExpiresAt: string } | Record<string, never> {
    const { instanceId, runLeaseMs } = this.options;
    if (!instanceId || !runLeaseMs) return {};
    return { instanceId, leaseExpiresAt: new Date(Date.now() + runLeaseMs).toISOString() };
  }

  async stopRun(user: ActingUser, conversationId: string): Promise<{ stopped: boolean }> {
    await this.conversationForOwner(user, conversationId);
    if (!this.activeRuns.has(conversationId)) return { stopped: false };
    return { stopped: await this.options.runner.interruptTurn(conversationId) };
  }

  async follow(user: ActingUser, conversationId: string, afterSeq: number, deliver: (envelope: RunEventEnvelope) => void): Promise<FollowAckData> {
    const conversation = await this.conversationForOwner(user, conversationId);
    if (!this.activeRuns.has(conversationId)) void this.prewarm(conversation);
    const missed = await this.options.eventLog.since(conversationId, afterSeq);
    for (const envelope of missed) deliver(envelope);
    return { activeRunId: await this.activeRunIdAnywhere(conversationId), replayed: missed.length, lastSeq: await this.options.eventLog.lastSeq(conversationId) };
  }

  async listMessages(user: ActingUser, conversationId: string, page: { afterSeq?: number; limit?: number } = {}): Promise<Message[]> {
    await this.conversationForOwner(user, conversationId);
    return this.options.store.listMessages(conversationId, page);
  }

  /** Resolves when every run in progress has ended (used by shutdown and tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.activeRuns.values()].map((active) => active.done));
  }

  /** Someone opened the conversation: they are likely to type next, so the CLI starts now. */
  private async prewarm(conversation: Conversation): Promise<void> {
    if (!this.options.runner.prewarmConversation) return;
    try {
      // Its home is another server (its CLI is warm there): a second CLI here would share its transcript.
      if (this.options.placement && !(await this.options.placement.claimIfFree(conversation.id))) return;
      const agent = await this.options.store.getAgent(conversation.agentId);
      await this.options.runner.prewarmConversation({
        userId: conversation.ownerId,
        agentId: agent.id,
        conversationId: conversation.id,
        claudeSessionId: conversation.claudeSessionId,
        instructions: agent.instructions || undefined,
        model: agent.model || this.options.defaultModel,
      });
    } catch (error) {
      logger.warn({ err: error, conversationId: conversation.id }, "could not prepare the conversation's CLI");
    }
  }

  /**
   * Numbers the event in the log, then delivers it. Events of one conversation go out one after
   * another in the order they happened, although each append may wait on Redis.
   */
  private publish(conversationId: string, runId: string, event: RunEventEnvelope["event"]): Promise<RunEventEnvelope> {
    const previous = this.publishing.get(conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const envelope = await this.options.eventLog.append(conversationId, runId, event, { afterSeq: this.lastSeqs.get(conversationId) });
      this.lastSeqs.set(conversationId, envelope.seq);
      this.options.publish(envelope);
      return envelope;
    });
    // The chain goes on after a failed append; the failure is the caller's to see.
    const settled = next.catch((error: unknown) => logger.warn({ err: error, conversationId, event: event.type }, "could not publish a run event"));
    this.publishing.set(conversationId, settled);
    void settled.then(() => {
      if (this.publishing.get(conversationId) === settled) this.publishing.delete(conversationId);
    });
    return next;
  }

  /** Publishes from a callback that cannot wait: a failure is logged by publish(). */
  private publishLater(conversationId: string, runId: string, event: RunEventEnvelope["event"]): void {
    this.publish(conversationId, runId, event).catch(() => undefined);
  }

  private endRunLimit(conversation: Conversation): void {
    void Promise.resolve(this.options.limits?.endRun(conversation.ownerId, conversation.id)).catch((error: unknown) =>
      logger.warn({ err: error, conversationId: conversation.id }, "could not release the run's place in the runs-at-once limit"),
    );
  }

  private async runTurn(active: ActiveRun, run: Run, agent: Agent, conversation: Conversation, prompt: string): Promise<void> {
    const { store, runner } = this.options;
    let reply: AssistantReplyState = emptyReply();
    const save = (final?: Parameters<PlatformStore["updateMessage"]>[1]) => {
      const content = reply.blocks;
      active.writes = active.writes
        .then(() => store.updateMessage(active.assistantMessageId, final ? { content, ...final } : { content }))
        .catch((error: unknown) => logger.error({ err: error, runId: run.id }, "saving the reply failed"));
      return active.writes;
    };

    const turnStartedAt = Date.now();
    let outcome: TurnOutcome | undefined;
    let failure: { code: string; message: string } | undefined;
    try {
      outcome = await runner.runAgentTurn(
        {
          userId: conversation.ownerId,
          agentId: agent.id,
          conversationId: conversation.id,
          claudeSessionId: conversation.claudeSessionId,
          prompt,
          instructions: agent.instructions || undefined,
          model: agent.model || this.options.defaultModel,
        },
        (event) => {
          reply = applyAgentEvent(reply, event);
          this.publishLater(conversation.id, run.id, event);
          if (endsStep(event)) void save();
        },
        (event) => this.publishLater(conversation.id, run.id, event),
      );
      failure = outcome.error;
    } catch (error) {
      failure = error instanceof AppError ? { code: error.code, message: error.message } : { code: "internal", message: "The agent stopped unexpectedly." };
      logger.error({ err: error, runId: run.id }, "agent turn failed");
      if (!reply.error) this.publishLater(conversation.id, run.id, { type: "error", ...failure });
    }

    const status = outcome?.status === "completed" ? "complete" : outcome?.status === "interrupted" ? "interrupted" : "failed";
    const error = failure ?? reply.error;
    const files = status === "failed" || !this.options.findTurnFiles ? [] : await this.options.findTurnFiles(conversation.ownerId, agent.id, turnStartedAt);
    const images = files.filter(isImageFile);
    if (files.length > 0) reply = { ...reply, blocks: [...reply.blocks, ...files.map(turnFileBlock)] };
    await save({
      status,
      ...(reply.usage ? { usage: reply.usage } : {}),
      ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
      ...(status === "failed" && error ? { error } : {}),
    });
    await store
      .updateRun(run.id, {
        status,
        ...(reply.costUsd !== undefined ? { costUsd: reply.costUsd } : {}),
        ...(status === "failed" && error ? { error } : {}),
      })
      .catch((err: unknown) => logger.error({ err, runId: run.id }, "finishing the run failed"));
    await store
      .updateConversation(conversation.id, { status: status === "failed" ? "error" : "idle" })
      .catch((err: unknown) => logger.error({ err, conversationId: conversation.id }, "updating the conversation failed"));
    this.activeRuns.delete(conversation.id);
    this.endRunLimit(conversation);
    await this.options.placement?.runEnded(conversation.id, run.id).catch((err: unknown) => logger.warn({ err, conversationId: conversation.id }, "could not clear the finished run's placement"));
    countRunFinished(run.trigger, status, outcome?.timings);
    await this.publish(conversation.id, run.id, {
      type: "run_finished",
      status,
      ...(images.length > 0 ? { images } : {}),
      ...(status === "failed" && error ? { error } : {}),
    }).catch(() => undefined);
    if (this.options.onRunFinished) {
      const finishedRun = await store.getRun(run.id).catch(() => run);
      const texts = reply.blocks.flatMap((block) => (block.type === "text" && block.text.trim() ? [block.text] : []));
      const outputText = texts.join("\n\n");
      await Promise.resolve(
        this.options.onRunFinished({
          run: finishedRun,
          agent,
          conversation,
          status,
          outputText,
          resultText: texts.at(-1) ?? "",
          files,
          ...(status === "failed" && error ? { error } : {}),
        }),
      ).catch((err: unknown) => logger.error({ err, runId: run.id }, "reacting to the finished run failed"));
    }
  }
}
