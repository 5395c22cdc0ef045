import * as claudeAgentSdk from "@anthropic-ai/claude-agent-sdk";

import type { AgentEvent } from "../../lib/agent-events";
import { AppError } from "../../lib/errors";
import type { PlatformConfig } from "../config";
import { logger } from "../logger";
import type { WorkspaceActivity } from "../workspaces/workspace-activity";
import { assertValidAgentId, type AgentPaths } from "../workspaces/workspace-names";
import type { WorkspaceHandle, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { ClaudeCliSession, emitSafely, interruptedResult, sessionFingerprint, type CliSessionSettings, type TurnOutcome } from "./claude-cli-session";
import { claudeCredentialsFromConfig, type ClaudeCredentials } from "./claude-environment";

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
}

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
  };
}

const SESSION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TurnControl {
  interruptRequested: boolean;
  session?: ClaudeCliSession;
}

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

  constructor(private readonly options: ClaudeRunnerOptions) {
    this.interruptGraceMs = options.interruptGraceMs ?? 1_500;
  }

  /**
   * Runs one turn and streams its AgentEvents to `onEvent`. Resolves when the turn has ended; a
   * turn that fails (workspace lost, CLI crashed, model unreachable) ends with an `error` event and
   * status "failed" rather than a rejection. Throws only for requests that cannot start: invalid
   * ids (bad_request), a turn already running in the conversation (conflict), shutting down.
   */
  async runAgentTurn(request: AgentTurnRequest, onEvent: (event: AgentEvent) => void): Promise<TurnOutcome> {
    this.assertCanStart(request);
    if (this.turns.has(request.conversationId)) {
      throw new AppError("conflict", "The agent is still answering the previous message. Wait for it or press Stop.");
    }
    const control: TurnControl = { interruptRequested: false };
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
    try {
      let session: ClaudeCliSession;
      try {
        const workspace = await this.options.runtime.ensureWorkspace(request.userId);
        workspaceMs = Date.now() - startedAt;
        ({ session, reused: reusedProcess } = await this.sessionFor(settings, workspace));
      } catch (error) {
        return this.startFailure(error, emit, { workspaceMs, firstEventAt, startedAt });
      }
      control.session = session;
      if (control.interruptRequested) {
        const result = interruptedResult(request.claudeSessionId, startedAt);
        emit(result);
        return { status: "interrupted", result, reusedProcess, timings: timingsOf(startedAt, workspaceMs, firstEventAt) };
      }
      const outcome = await session.runTurn(request.prompt, emit);
      this.costTotals.set(request.conversationId, session.cumulativeCostUsd);
      return { ...outcome, reusedProcess, timings: timingsOf(startedAt, workspaceMs, firstEventAt) };
    } finally {
      this.turns.delete(request.conversationId);
      releaseRun?.();
      this.scheduleIdleClose(request.conversationId);
    }
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
      await this.sessionFor(settings, workspace);
      if (!this.turns.has(request.conversationId)) this.scheduleIdleClose(request.conversationId);
    } catch (error) {
      logger.warn({ err: error, conversationId: request.conversationId }, "could not prewarm the CLI");
    }
  }

  /** Stops the conversation's running turn; resolves once the stop has been requested. False when nothing runs. */
  async interruptTurn(conversationId: string): Promise<boolean> {
    const control = this.turns.get(conversationId);
    if (!control) return false;
    control.interruptRequested = true;
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
  private sessionFor(settings: CliSessionSettings, workspace: WorkspaceHandle): Promise<{ session: ClaudeCliSession; reused: boolean }> {
    const id = settings.conversationId;
    const previous = this.starting.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const existing = await this.reusableSession(id, settings, workspace);
        if (existing) return { session: existing, reused: true };
        return { session: await this.startSession(settings, workspace), reused: false };
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

  private async startSession(settings: CliSessionSettings, workspace: WorkspaceHandle): Promise<ClaudeCliSession> {
    const { runtime } = this.options;
    const paths = await runtime.ensureAgentPaths(workspace, settings.agentId);
    const resume = await this.transcriptExists(workspace, paths, settings.claudeSessionId);
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
