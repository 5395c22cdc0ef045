import * as claudeAgentSdk from "@anthropic-ai/claude-agent-sdk";

import type { AgentEvent } from "../../lib/agent-events";
import { AppError } from "../../lib/errors";
import type { RunWaitEvent } from "../../lib/socket-events";
import type { PlatformConfig } from "../config";
import { resolveCliStartCap } from "../limits/cli-start-cap";
import { resolveLiveCliCap } from "../limits/live-cli-cap";
import { waitSentence } from "../limits/rate-limiter";
import { logger } from "../logger";
import type { WorkspaceActivity } from "../workspaces/workspace-activity";
import { assertValidAgentId, type AgentPaths } from "../workspaces/workspace-names";
import { prepareAgentSession } from "./agent-session-files";
import type { WorkspaceHandle, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { withDiskFullNotice } from "./disk-full-notice";
import { ClaudeCliSession, emitSafely, interruptedResult, sessionFingerprint, type CliSessionSettings, type TurnOutcome } from "./claude-cli-session";
import { claudeCredentialsFromConfig, type ClaudeCredentials } from "./claude-environment";
import { CliAdmission, queuedMessage, type CliSlot, type CliWaitOptions } from "./cli-admission";
import { ConversationCli, type CliProcess, type TurnControl } from "./conversation-cli";
import { IdleClis } from "./idle-clis";

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
  /** Most CLI processes booting at once on this host; default: one per core (cli-start-cap.ts). */
  maxCliStarts?: number;
  /** A prewarmed CLI that no message has used within this long is ended (default 2 minutes). */
  prewarmUnusedMs?: number;
  /** A CLI that has not answered its handshake within this long stops counting as booting (default 30 s). */
  bootTimeoutMs?: number;
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
    maxCliStarts: resolveCliStartCap(config.MAX_CLI_STARTS),
    maxTurnMs: config.MAX_RUN_MINUTES * 60_000,
  };
}

const SESSION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How a new CLI process gets its slot: a turn waits for one, a prewarm only takes a free one. */
type SlotRequest = { wait: true; options: CliWaitOptions } | { wait: false };

/**
 * Someone who opens a chat usually writes within a minute or two; a prewarmed CLI nobody used by
 * then holds ~200 MB and a slot for nothing, so it ends much sooner than a used one (CLI_IDLE_MINUTES).
 */
const DEFAULT_PREWARM_UNUSED_MS = 2 * 60_000;

class NoFreeCliSlot extends Error {}

/**
 * Runs agent turns with the real Claude Code CLI inside the user's workspace. One CLI process per
 * active conversation stays alive between turns; when it is gone (idle timeout, Stop that had to
 * kill it, workspace re-created) the next turn resumes the conversation's transcript, which lives
 * on the user's volume.
 */
export class ClaudeRunner {
  /**
   * Every conversation seen, ended ones included: a record carries the cost total to the
   * conversation's next process (as the former cost map did). A plain Map, not an LRU cache:
   * dropping a record would forget that total, and one in a turn must never be dropped.
   */
  private readonly clis = new Map<string, ConversationCli>();
  private readonly idle: IdleClis;
  private readonly interruptGraceMs: number;
  private shuttingDown = false;
  private readonly admission: CliAdmission;
  /** Idle CLIs ended to free a slot whose processes have not exited yet. */
  private slotsComingBack = 0;
  /** Booting prewarms ended to free a start share whose processes have not exited yet. */
  private startsComingBack = 0;

  constructor(private readonly options: ClaudeRunnerOptions) {
    this.interruptGraceMs = options.interruptGraceMs ?? 1_500;
    this.idle = new IdleClis({ idleMs: options.cliIdleMs, unusedPrewarmMs: options.prewarmUnusedMs ?? DEFAULT_PREWARM_UNUSED_MS }, (cli) => {
      logger.debug({ conversationId: cli.conversationId }, "closing idle CLI process");
      void this.closeConversation(cli.conversationId);
    });
    this.admission = new CliAdmission(
      options.maxLiveClis ?? resolveLiveCliCap(undefined),
      { makeRoom: () => this.makeRoomForWaiters(), roomBeingMade: () => this.slotsComingBack, startsBeingFreed: () => this.startsComingBack },
      options.maxCliStarts ?? resolveCliStartCap(undefined),
    );
  }

  /**
   * Runs one turn and streams its AgentEvents to `onEvent`. Resolves when the turn has ended; a
   * turn that fails (workspace lost, CLI crashed, model unreachable) ends with an `error` event and
   * status "failed" rather than a rejection. Throws only for requests that cannot start: invalid
   * ids (bad_request), a turn already running in the conversation (conflict), shutting down.
   */
  async runAgentTurn(request: AgentTurnRequest, onEvent: (event: AgentEvent) => void, onWait?: TurnWaitListener): Promise<TurnOutcome> {
    this.assertCanStart(request);
    const cli = this.cliOf(request.conversationId);
    if (cli.turn) {
      throw new AppError("conflict", "The agent is still answering the previous message. Wait for it or press Stop.");
    }
    const control: TurnControl = { interruptRequested: false, abort: new AbortController() };
    cli.acceptTurn(control);
    const releaseRun = this.options.activity?.beginRun(request.userId);
    const startedAt = Date.now();
    let firstEventAt: number | null = null;
    // Known once the runtime has looked at the host (loop devices); null: no quota.
    const diskLimit = await this.options.runtime.diskLimitBytes().catch(() => null);
    const emit = withDiskFullNotice((event: AgentEvent) => {
      firstEventAt ??= Date.now();
      emitSafely(onEvent, event);
    }, diskLimit);
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
    try {
      let session: ClaudeCliSession;
      try {
        const workspace = await this.ensureWorkspaceTelling(request.userId, tellWaiting);
        workspaceMs = Date.now() - startedAt;
        ({ session, reused: reusedProcess } = await this.sessionFor(cli, settings, workspace, {
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
      cli.startAnswering(session);
      const outcome = await session.runTurn(request.prompt, emit).finally(limit.clear);
      cli.costTotalUsd = session.cumulativeCostUsd;
      const ended = limit.reached() ? { ...outcome, status: "failed" as const, error: limit.error } : outcome;
      return { ...ended, reusedProcess, timings: timingsOf(startedAt, workspaceMs, firstEventAt) };
    } finally {
      cli.endTurn();
      releaseRun?.();
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

  /** CLI processes allowed to boot at once on this host. */
  get cliStartCap(): number {
    return this.admission.startCapacity;
  }

  /** CLI processes booting now (spawned, handshake not answered). */
  get startsInProgress(): number {
    return this.admission.starting;
  }

  /** Something is starting or waiting to: background work (the warm pool's refill) should hold off. */
  get busy(): boolean {
    return this.admission.starting > 0 || this.admission.waiting > 0;
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
    const cli = this.cliOf(request.conversationId);
    if (cli.turn) return;
    // Never ahead of a waiting message, and only with a start share and memory free: checked again
    // when the slot is taken, this spares the workspace calls when the answer is already no.
    if (this.admission.waiting > 0 || this.admission.startsFull) return;
    const settings: CliSessionSettings = { ...request, model: request.model ?? this.options.defaultModel };
    try {
      const workspace = await this.options.runtime.ensureWorkspace(request.userId);
      await this.sessionFor(cli, settings, workspace, { wait: false });
      cli.parkIfUnclaimed();
    } catch (error) {
      // At the cap a prewarm yields: the first message will wait in the queue like any other.
      if (error instanceof NoFreeCliSlot) return;
      logger.warn({ err: error, conversationId: request.conversationId }, "could not prewarm the CLI");
    }
  }

  /** Stops the conversation's running turn; resolves once the stop has been requested. False when nothing runs. */
  async interruptTurn(conversationId: string): Promise<boolean> {
    const control = this.clis.get(conversationId)?.turn;
    if (!control) return false;
    control.interruptRequested = true;
    control.abort.abort();
    await control.session?.interrupt(this.interruptGraceMs);
    return true;
  }

  isTurnRunning(conversationId: string): boolean {
    return this.clis.get(conversationId)?.turn !== undefined;
  }

  /** Number of CLI processes currently alive (for health and measurements). */
  get liveProcessCount(): number {
    return [...this.clis.values()].filter((cli) => cli.process && !cli.process.session.ended).length;
  }

  /** Ends the conversation's CLI process (e.g. the conversation was deleted); a later turn resumes. */
  async closeConversation(conversationId: string): Promise<void> {
    const process = this.clis.get(conversationId)?.letGo();
    if (!process) return;
    process.session.close();
    await process.session.whenEnded();
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const withTurns = [...this.clis.values()].filter((cli) => cli.turn);
    await Promise.all(withTurns.map((cli) => this.interruptTurn(cli.conversationId)));
    await Promise.all([...this.clis.keys()].map((id) => this.closeConversation(id)));
  }

  private cliOf(conversationId: string): ConversationCli {
    let cli = this.clis.get(conversationId);
    if (!cli) {
      cli = new ConversationCli(conversationId, this.idle);
      this.clis.set(conversationId, cli);
    }
    return cli;
  }

  private assertCanStart(request: Omit<AgentTurnRequest, "prompt">): void {
    assertValidAgentId(request.agentId);
    if (!SESSION_ID_PATTERN.test(request.claudeSessionId)) {
      throw new AppError("bad_request", "claudeSessionId must be a UUID.");
    }
    if (this.shuttingDown) throw new AppError("shutting_down", "The platform is restarting.");
  }

  /** The conversation's live CLI process if it fits, else a new one; callers for one conversation take turns. */
  private sessionFor(
    cli: ConversationCli,
    settings: CliSessionSettings,
    workspace: WorkspaceHandle,
    slot: SlotRequest,
  ): Promise<{ session: ClaudeCliSession; reused: boolean }> {
    return cli.withStartLock(async () => {
      const existing = await this.reusableSession(cli, settings, workspace);
      if (existing) return { session: existing, reused: true };
      cli.beginStarting();
      try {
        return { session: await this.startSession(cli, settings, workspace, slot), reused: false };
      } catch (error) {
        cli.startFailed();
        throw error;
      }
    });
  }

  private async reusableSession(cli: ConversationCli, settings: CliSessionSettings, workspace: WorkspaceHandle): Promise<ClaudeCliSession | undefined> {
    const session = cli.process?.session;
    if (!session) return undefined;
    const sameProcessWorld = session.workspace.id === workspace.id && session.workspace.generation === workspace.generation;
    if (!session.ended && sameProcessWorld && session.fingerprint === sessionFingerprint(settings)) {
      cli.claim();
      return session;
    }
    cli.letGo();
    session.close();
    if (sameProcessWorld) await session.whenEnded();
    return undefined;
  }

  private async startSession(cli: ConversationCli, settings: CliSessionSettings, workspace: WorkspaceHandle, slotRequest: SlotRequest): Promise<ClaudeCliSession> {
    const { paths, transcriptExists: resume } = await prepareAgentSession(this.options.runtime, workspace, settings.agentId, settings.claudeSessionId);
    const slot = await this.cliSlot(settings.userId, slotRequest);
    try {
      return this.launchSession(cli, settings, workspace, { paths, resume, slot, prewarm: !slotRequest.wait });
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
   * used CLI that is not running a turn: it resumes from its transcript when needed again. When
   * the start shares are what is full, prewarms still booting give theirs up first: a message
   * someone sent goes before a chat someone only opened.
   */
  private makeRoomForWaiters(): void {
    if (this.admission.waiting > 0 && this.admission.startsFull) this.yieldBootingPrewarms();
    // Only waiters that memory turns away need an idle CLI ended; those waiting for a start share do not.
    while (this.admission.waiting - this.admission.freeSlots > this.slotsComingBack) {
      const cli = this.idle.leastRecentlyUsed();
      if (!cli?.process) return;
      cli.process.endingToFreeSlot = true;
      this.slotsComingBack += 1;
      logger.info({ conversationId: cli.conversationId, liveCliCap: this.admission.capacity }, "ending the least recently used idle CLI to free a slot");
      void this.closeConversation(cli.conversationId);
    }
  }

  private yieldBootingPrewarms(): void {
    let toFree = this.admission.waiting - this.startsComingBack;
    for (const cli of this.clis.values()) {
      if (toFree <= 0) return;
      const process = cli.process;
      if (!process?.bootingPrewarm || cli.turn) continue;
      process.bootingPrewarm = false;
      process.yieldingStart = true;
      this.startsComingBack += 1;
      toFree -= 1;
      logger.info({ conversationId: cli.conversationId }, "a prewarm gives its start slot to a waiting message");
      cli.letGo();
      process.session.kill();
    }
  }

  private launchSession(
    cli: ConversationCli,
    settings: CliSessionSettings,
    workspace: WorkspaceHandle,
    launch: { paths: AgentPaths; resume: boolean; slot: CliSlot; prewarm: boolean },
  ): ClaudeCliSession {
    const { paths, resume, slot, prewarm } = launch;
    const { runtime } = this.options;
    const session = new ClaudeCliSession({
      runtime,
      workspace,
      paths,
      settings,
      credentials: this.options.credentials,
      resume,
      costBaselineUsd: cli.costTotalUsd,
      sdk: this.options.sdk ?? claudeAgentSdk,
      executable: this.options.executable,
      modelRetries: this.options.modelRetries,
    });
    const process: CliProcess = { session, endingToFreeSlot: false, yieldingStart: false, answeredTurn: false, bootingPrewarm: prewarm };
    void session.whenEnded().then(() => {
      cli.processEnded(process);
      // Eviction bookkeeping first: the slot's release hands it to a waiter and recounts positions.
      if (process.endingToFreeSlot) this.slotsComingBack -= 1;
      if (process.yieldingStart) this.startsComingBack -= 1;
      slot.release();
    });
    session.start();
    // Booted: the start's CPU is spent, and its slot's start share can go to the next one.
    void session.whenBooted(this.options.bootTimeoutMs ?? 30_000).then(() => {
      process.bootingPrewarm = false;
      slot.started();
    });
    cli.launched(process);
    logger.debug({ conversationId: settings.conversationId, resume, container: workspace.name }, "CLI session started");
    return session;
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
