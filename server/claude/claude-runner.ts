import * as claudeAgentSdk from "@anthropic-ai/claude-agent-sdk";

import type { AgentEvent } from "../../lib/agent-events";
import { AppError } from "../../lib/errors";
import type { RunWaitEvent } from "../../lib/socket-events";
import type { PlatformConfig } from "../config";
import { resolveLiveCliCap } from "../limits/live-cli-cap";
import { waitSentence } from "../limits/rate-limiter";
import { logger } from "../logger";
import type { WorkspaceActivity } from "../workspaces/workspace-activity";
import { assertValidAgentId, type AgentPaths } from "../workspaces/workspace-names";
import type { WorkspaceHandle, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { ClaudeCliSession, emitSafely, interruptedResult, sessionFingerprint, type CliSessionSettings, type TurnOutcome } from "./claude-cli-session";
import { claudeCredentialsFromConfig, type ClaudeCredentials } from "./claude-environment";
import { CliAdmission, queuedMessage, type CliSlot, type CliWaitOptions } from "./cli-admission";

export type { TurnOutcome } from "./claude-cli-session";

export interface AgentTurnRequest {
  userId: string;
  agentId: string;
  conversationId: string;
  /** A UUID the platform chose for the conversation; the first turn creates the Claude session with it. */
  claudeSessionId: string;
  prompt: string;
  /** The agent's instructions, appended to Claude Code's own system prompt. */
  instructions?: string;
  model?: string;
  maxTurns?: number;
}

export interface ClaudeRunnerOptions {
  runtime: WorkspaceRuntime;
  credentials: ClaudeCredentials;
  /** Marks runs in progress so the idle sweeper leaves those workspaces alone. */
  activity?: WorkspaceActivity;
  /** A CLI process with no turn for this long is ended; the next turn resumes in a new one. */
  cliIdleMs: number;
  defaultModel?: string;
  /** How long Stop waits for the CLI to end the turn itself before killing the process. */
  interruptGraceMs?: number;
  executable?: string;
  /** How often the CLI retries a failing model request before the turn ends with model_unavailable. */
  modelRetries?: number;
  /** The Agent SDK; tests pass a fake to drive the runner without the CLI. */
  sdk?: Pick<typeof claudeAgentSdk, "query">;
  /** Most CLI processes alive at once on this host (kept-warm ones count); default: from the machine's memory. */
  maxLiveClis?: number;
  /** A turn running longer than this is stopped, with a message naming the limit (MAX_RUN_MINUTES). */
  maxTurnMs?: number;
  /** How long a workspace may take to be ready before the person is told it is waking up. */
  wakeNoticeAfterMs?: number;
}

/** Run-level news while a turn waits (for a CLI slot, for its workspace to start). */
export type TurnWaitListener = (event: RunWaitEvent) => void;

export function claudeRunnerOptionsFromConfig(
  config: PlatformConfig,
  runtime: WorkspaceRuntime,
  activity?: WorkspaceActivity,
): ClaudeRunnerOptions {
  return {
    runtime,
    activity,
    credentials: claudeCredentialsFromConfig(config),
    cliIdleMs: config.CLI_IDLE_MINUTES * 60_000,
    defaultModel: config.DEFAULT_MODEL,
    maxLiveClis: resolveLiveCliCap(config.MAX_LIVE_CLIS),
    maxTurnMs: config.MAX_RUN_MINUTES * 60_000,
  };
}

const SESSION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TurnControl {
  interruptRequested: boolean;
  /** Aborted by Stop: takes a turn waiting for a CLI slot out of the queue. */
  abort: AbortController;
  session?: ClaudeCliSession;
}

/** How a new CLI process gets its slot: a turn waits for one, a prewarm only takes a free one. */
type SlotRequest = { wait: true; options: CliWaitOptions } | { wait: false };

class NoFreeCliSlot extends Error {}

/**
 * Runs agent turns with the real Claude Code CLI inside the user's workspace. One CLI process per
 * active conversation stays alive between turns; when it is gone (idle timeout, Stop that had to
 * kill it, workspace re-created) the next turn resumes the conversation's transcript, which lives
 * on the user's volume.
 */
export class ClaudeRunner {
  private readonly sessions = new Map<string, ClaudeCliSession>();
  private readonly turns = new Map<string, TurnControl>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly starting = new Map<string, Promise<{ session: ClaudeCliSession; reused: boolean }>>();
  /** Last running cost total per conversation, so a new process's first result is not billed twice. */
  private readonly costTotals = new Map<string, number>();
  private readonly interruptGraceMs: number;
  private shuttingDown = false;
  private readonly admission: CliAdmission;
  /** When each conversation's CLI last ran a turn (or was prewarmed): the oldest idle one goes first. */
  private readonly lastUsedAt = new Map<string, number>();
  /** Idle CLIs being ended to free a slot for someone waiting. */
  private readonly evicting = new Set<ClaudeCliSession>();

  constructor(private readonly options: ClaudeRunnerOptions) {
    this.interruptGraceMs = options.interruptGraceMs ?? 1_500;
    this.admission = new CliAdmission(options.maxLiveClis ?? resolveLiveCliCap(undefined), {
      makeRoom: () => this.makeRoomForWaiters(),
      roomBeingMade: () => this.evicting.size,
    });
  }

  /**
   * Runs one turn and streams its AgentEvents to `onEvent`. Resolves when the turn has ended; a
   * turn that fails (workspace lost, CLI crashed, model unreachable) ends with an `error` event and
   * status "failed" rather than a rejection. Throws only for requests that cannot start: invalid
   * ids (bad_request), a turn already running in the conversation (conflict), shutting down.
   */
  async runAgentTurn(request: AgentTurnRequest, onEvent: (event: AgentEvent) => void, onWait?: TurnWaitListener): Promise<TurnOutcome> {
    this.assertCanStart(request);
    if (this.turns.has(request.conversationId)) {
      throw new AppError("conflict", "The agent is still answering the previous message. Wait for it or press Stop.");
    }
    const control: TurnControl = { interruptRequested: false, abort: new AbortController() };
    this.turns.set(request.conversationId, control);
    this.clearIdleTimer(request.conversationId);
    const releaseRun = this.options.activity?.beginRun(request.userId);
    const startedAt = Date.now();
    let firstEventAt: number | null = null;
    const emit = (event: AgentEvent) => {
      firstEventAt ??= Date.now();
      emitSafely(onEvent, event);
    };
    const settings: CliSessionSettings = { ...request, model: request.model ?? this.options.defaultModel };
    let workspaceMs = 0;
    let reusedProcess = false;
    const tellWaiting = (event: RunWaitEvent) => {
      try {
        onWait?.(event);
      } catch (error) {
        logger.error({ err: error, eventType: event.type }, "run wait listener threw");
      }
    };
    const interrupted = (): TurnOutcome => {
      const result = interruptedResult(request.claudeSessionId, startedAt);
      emit(result);
      return { status: "interrupted", result, reusedProcess, timings: timingsOf(startedAt, workspaceMs, firstEventAt) };
    };
    this.lastUsedAt.set(request.conversationId, Date.now());
    try {
      let session: ClaudeCliSession;
      try {
        const workspace = await this.ensureWorkspaceTelling(request.userId, tellWaiting);
        workspaceMs = Date.now() - startedAt;
        ({ session, reused: reusedProcess } = await this.sessionFor(settings, workspace, {
          wait: true,
          options: {
            signal: control.abort.signal,
            onQueued: (position) => tellWaiting({ type: "run_queued", position, message: queuedMessage(position) }),
          },
        }));
      } catch (error) {
        if (control.interruptRequested) return interrupted();
        return this.startFailure(error, emit, { workspaceMs, firstEventAt, startedAt });
      }
      control.session = session;
      if (control.interruptRequested) return interrupted();
      const limit = this.turnTimeLimit(request.conversationId, emit);
      const outcome = await session.runTurn(request.prompt, emit).finally(limit.clear);
      this.costTotals.set(request.conversationId, session.cumulativeCostUsd);
      const ended = limit.reached() ? { ...outcome, status: "failed" as const, error: limit.error } : outcome;
      return { ...ended, reusedProcess, timings: timingsOf(startedAt, workspaceMs, firstEventAt) };
    } finally {
      this.turns.delete(request.conversationId);
      releaseRun?.();
      this.lastUsedAt.set(request.conversationId, Date.now());
      this.scheduleIdleClose(request.conversationId);
      // Someone may be waiting for a CLI slot: this one may now be the idle CLI to end for them.
      this.makeRoomForWaiters();
    }
  }

  /** Live CLI processes allowed at once on this host. */
  get liveCliCap(): number {
    return this.admission.capacity;
  }

  /** Turns waiting for a CLI slot. */
  get queuedTurnCount(): number {
    return this.admission.waiting;
  }

  /**
   * The workspace, saying so when it is slow to be ready (a stopped or culled container starting,
   * a new one being created): a ready one answers in milliseconds, so a wait means it is waking.
   */
  private async ensureWorkspaceTelling(userId: string, tellWaiting: (event: RunWaitEvent) => void): Promise<WorkspaceHandle> {
    const notice = setTimeout(
      () => tellWaiting({ type: "workspace_starting", message: "Waking up your workspace… this takes a few seconds." }),
      this.options.wakeNoticeAfterMs ?? 300,
    );
    try {
      return await this.options.runtime.ensureWorkspace(userId);
    } finally {
      clearTimeout(notice);
    }
  }

  /** Stops a turn that outlives MAX_RUN_MINUTES, after telling why; the turn then ends as failed with that reason. */
  private turnTimeLimit(conversationId: string, emit: (event: AgentEvent) => void) {
    const maxMs = this.options.maxTurnMs;
    const error = {
      code: "run_time_limit",
      message: `This run was stopped after ${waitSentence(maxMs ?? 0)}, the longest a run may take here (MAX_RUN_MINUTES). Ask for a smaller step, or have the administrator raise MAX_RUN_MINUTES.`,
    };
    let reached = false;
    const timer =
      maxMs === undefined
        ? undefined
        : setTimeout(() => {
            reached = true;
            logger.warn({ conversationId, maxMs }, "run reached its time limit; stopping it");
            emit({ type: "error", ...error });
            void this.interruptTurn(conversationId);
          }, maxMs);
    timer?.unref();
    return { error, reached: () => reached, clear: () => clearTimeout(timer) };
  }

  /**
   * Starts the conversation's CLI process ahead of the first message (e.g. when the person opens
   * the conversation), so that message does not wait for the CLI to boot. Failures are only logged:
   * the next turn tries again and reports them.
   */
  async prewarmConversation(request: Omit<AgentTurnRequest, "prompt">): Promise<void> {
    this.assertCanStart(request);
    if (this.turns.has(request.conversationId)) return;
    const settings: CliSessionSettings = { ...request, model: request.model ?? this.options.defaultModel };
    try {
      const workspace = await this.options.runtime.ensureWorkspace(request.userId);
      await this.sessionFor(settings, workspace, { wait: false });
      this.lastUsedAt.set(request.conversationId, Date.now());
      if (!this.turns.has(request.conversationId)) this.scheduleIdleClose(request.conversationId);
    } catch (error) {
      // At the cap a prewarm yields: the first message will wait in the queue like any other.
      if (error instanceof NoFreeCliSlot) return;
      logger.warn({ err: error, conversationId: request.conversationId }, "could not prewarm the CLI");
    }
  }

  /** Stops the conversation's running turn; resolves once the stop has been requested. False when nothing runs. */
  async interruptTurn(conversationId: string): Promise<boolean> {
    const control = this.turns.get(conversationId);
    if (!control) return false;
    control.interruptRequested = true;
    control.abort.abort();
    await control.session?.interrupt(this.interruptGraceMs);
    return true;
  }

  isTurnRunning(conversationId: string): boolean {
    return this.turns.has(conversationId);
  }

  /** Number of CLI processes currently alive (for health and measurements). */
  get liveProcessCount(): number {
    return [...this.sessions.values()].filter((session) => !session.ended).length;
  }

  /** Ends the conversation's CLI process (e.g. the conversation was deleted); a later turn resumes. */
  async closeConversation(conversationId: string): Promise<void> {
    this.clearIdleTimer(conversationId);
    this.lastUsedAt.delete(conversationId);
    const session = this.sessions.get(conversationId);
    if (!session) return;
    this.sessions.delete(conversationId);
    session.close();
    await session.whenEnded();
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.turns.keys()].map((id) => this.interruptTurn(id)));
    await Promise.all([...this.sessions.keys()].map((id) => this.closeConversation(id)));
  }

  private assertCanStart(request: Omit<AgentTurnRequest, "prompt">): void {
    assertValidAgentId(request.agentId);
    if (!SESSION_ID_PATTERN.test(request.claudeSessionId)) {
      throw new AppError("bad_request", "claudeSessionId must be a UUID.");
    }
    if (this.shuttingDown) throw new AppError("shutting_down", "The platform is restarting.");
  }

  /** The conversation's live CLI process if it fits, else a new one; callers for one conversation take turns. */
  private sessionFor(settings: CliSessionSettings, workspace: WorkspaceHandle, slot: SlotRequest): Promise<{ session: ClaudeCliSession; reused: boolean }> {
    const id = settings.conversationId;
    const previous = this.starting.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const existing = await this.reusableSession(id, settings, workspace);
        if (existing) return { session: existing, reused: true };
        return { session: await this.startSession(settings, workspace, slot), reused: false };
      });
    this.starting.set(id, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.starting.get(id) === next) this.starting.delete(id);
      });
    return next;
  }

  private async reusableSession(
    conversationId: string,
    settings: CliSessionSettings,
    workspace: WorkspaceHandle,
  ): Promise<ClaudeCliSession | undefined> {
    const session = this.sessions.get(conversationId);
    if (!session) return undefined;
    const sameProcessWorld = session.workspace.id === workspace.id && session.workspace.generation === workspace.generation;
    if (!session.ended && sameProcessWorld && session.fingerprint === sessionFingerprint(settings)) return session;
    this.sessions.delete(conversationId);
    session.close();
    if (sameProcessWorld) await session.whenEnded();
    return undefined;
  }

  private async startSession(settings: CliSessionSettings, workspace: WorkspaceHandle, slotRequest: SlotRequest): Promise<ClaudeCliSession> {
    const { runtime } = this.options;
    const paths = await runtime.ensureAgentPaths(workspace, settings.agentId);
    const resume = await this.transcriptExists(workspace, paths, settings.claudeSessionId);
    const slot = await this.cliSlot(settings.userId, slotRequest);
    try {
      return this.launchSession(settings, workspace, paths, resume, slot);
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  private async cliSlot(userId: string, request: SlotRequest): Promise<CliSlot> {
    if (request.wait) return this.admission.acquire(userId, request.options);
    const slot = this.admission.tryAcquire();
    if (!slot) throw new NoFreeCliSlot();
    return slot;
  }

  /**
   * While someone waits for a slot and no freed one is on its way to them, ends the least recently
   * used CLI that is not running a turn: it resumes from its transcript when needed again.
   */
  private makeRoomForWaiters(): void {
    while (this.admission.waiting > this.evicting.size) {
      let oldest: { conversationId: string; session: ClaudeCliSession; at: number } | undefined;
      for (const [conversationId, session] of this.sessions) {
        if (session.ended || this.evicting.has(session) || this.turns.has(conversationId) || this.starting.has(conversationId)) continue;
        const at = this.lastUsedAt.get(conversationId) ?? 0;
        if (!oldest || at < oldest.at) oldest = { conversationId, session, at };
      }
      if (!oldest) return;
      this.evicting.add(oldest.session);
      logger.info({ conversationId: oldest.conversationId, liveCliCap: this.admission.capacity }, "ending the least recently used idle CLI to free a slot");
      void this.closeConversation(oldest.conversationId);
    }
  }

  private launchSession(settings: CliSessionSettings, workspace: WorkspaceHandle, paths: AgentPaths, resume: boolean, slot: CliSlot): ClaudeCliSession {
    const { runtime } = this.options;
    const session = new ClaudeCliSession({
      runtime,
      workspace,
      paths,
      settings,
      credentials: this.options.credentials,
      resume,
      costBaselineUsd: this.costTotals.get(settings.conversationId) ?? 0,
      sdk: this.options.sdk ?? claudeAgentSdk,
      executable: this.options.executable,
      modelRetries: this.options.modelRetries,
    });
    this.sessions.set(settings.conversationId, session);
    void session.whenEnded().then(() => {
      if (this.sessions.get(settings.conversationId) === session) this.sessions.delete(settings.conversationId);
      // Eviction bookkeeping first: the slot's release hands it to a waiter and recounts positions.
      this.evicting.delete(session);
      slot.release();
    });
    session.start();
    logger.debug({ conversationId: settings.conversationId, resume, container: workspace.name }, "CLI session started");
    return session;
  }

  /** The CLI refuses `--session-id` for a session that exists and `--resume` for one that does not. */
  private async transcriptExists(workspace: WorkspaceHandle, paths: AgentPaths, sessionId: string): Promise<boolean> {
    const result = await this.options.runtime.exec(workspace, [
      "find",
      `${paths.claudeConfigDir}/projects`,
      "-maxdepth",
      "2",
      "-name",
      `${sessionId}.jsonl`,
      "-print",
      "-quit",
    ]);
    return result.stdout.trim().length > 0;
  }

  private scheduleIdleClose(conversationId: string): void {
    this.clearIdleTimer(conversationId);
    if (!this.sessions.has(conversationId)) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(conversationId);
      if (this.turns.has(conversationId)) return;
      logger.debug({ conversationId }, "closing idle CLI process");
      void this.closeConversation(conversationId);
    }, this.options.cliIdleMs);
    timer.unref();
    this.idleTimers.set(conversationId, timer);
  }

  private clearIdleTimer(conversationId: string): void {
    const timer = this.idleTimers.get(conversationId);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(conversationId);
  }

  private startFailure(
    error: unknown,
    emit: (event: AgentEvent) => void,
    timing: { workspaceMs: number; firstEventAt: number | null; startedAt: number },
  ): TurnOutcome {
    const appError =
      error instanceof AppError
        ? error
        : new AppError("workspace_unavailable", "The workspace could not be prepared for the agent.", { cause: error });
    logger.warn({ err: error }, "agent turn could not start");
    emit({ type: "error", code: appError.code, message: appError.message });
    return {
      status: "failed",
      error: { code: appError.code, message: appError.message },
      reusedProcess: false,
      timings: timingsOf(timing.startedAt, timing.workspaceMs, timing.firstEventAt),
    };
  }
}


function timingsOf(startedAt: number, workspaceMs: number, firstEventAt: number | null): TurnOutcome["timings"] {
  return { workspaceMs, firstEventMs: firstEventAt === null ? null : firstEventAt - startedAt, totalMs: Date.now() - startedAt };
}
