import type { Options, Query, SDKUserMessage, SpawnedProcess, SpawnOptions } from "@anthropic-ai/claude-agent-sdk";

import type { AgentEvent } from "../../lib/agent-events";
import { withOnlyLogContext } from "../log-context";
import { logger } from "../logger";
import type { AgentPaths } from "../workspaces/workspace-names";
import type { WorkspaceHandle, WorkspaceProcess, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { AsyncInputQueue } from "./async-input-queue";
import { createClaudeEventMapper, type ClaudeEventMapper } from "./claude-event-mapper";
import { buildClaudeEnv, CLAUDE_EXECUTABLE, type ClaudeCredentials } from "./claude-environment";

export type ResultEvent = Extract<AgentEvent, { type: "result" }>;

export interface TurnOutcome {
  status: "completed" | "interrupted" | "failed";
  /** The turn's `result` event (also delivered through onEvent); absent when the turn could not finish. */
  result?: ResultEvent;
  /** The turn's `error` event (also delivered through onEvent) when it failed, e.g. model_unavailable. */
  error?: { code: string; message: string };
  /** True when an already running CLI process (kept from an earlier turn, or prewarmed) answered. */
  reusedProcess: boolean;
  timings: { workspaceMs: number; firstEventMs: number | null; totalMs: number };
}

export interface CliSessionSettings {
  userId: string;
  agentId: string;
  conversationId: string;
  claudeSessionId: string;
  instructions?: string;
  model?: string;
  maxTurns?: number;
}

export interface CliSessionInit {
  runtime: WorkspaceRuntime;
  workspace: WorkspaceHandle;
  paths: AgentPaths;
  settings: CliSessionSettings;
  credentials: ClaudeCredentials;
  /** Continue an existing transcript instead of creating the session. */
  resume: boolean;
  costBaselineUsd: number;
  /** The Agent SDK module (injected so tests can drive a session without the real CLI). */
  sdk: Pick<typeof import("@anthropic-ai/claude-agent-sdk"), "query">;
  executable?: string;
  modelRetries?: number;
}

interface ActiveTurn {
  onEvent: (event: AgentEvent) => void;
  resolve: (outcome: Omit<TurnOutcome, "reusedProcess" | "timings">) => void;
  interrupting: boolean;
  startedAt: number;
  error?: { code: string; message: string };
  forceTimer?: NodeJS.Timeout;
}

/** Settings that are fixed for a CLI process's life; a turn asking for others needs a new process. */
export function sessionFingerprint(settings: CliSessionSettings): string {
  const { userId, agentId, claudeSessionId, instructions, model, maxTurns } = settings;
  return JSON.stringify([userId, agentId, claudeSessionId, instructions ?? null, model ?? null, maxTurns ?? null]);
}

/**
 * One Claude Code process for one conversation, driven by the Agent SDK in streaming-input mode:
 * each turn pushes a user message into the same process, so follow-ups pay no start-up.
 */
export class ClaudeCliSession {
  readonly fingerprint: string;
  readonly workspace: WorkspaceHandle;
  private readonly input = new AsyncInputQueue<SDKUserMessage>();
  private readonly mapper: ClaudeEventMapper;
  private query: Query | undefined;
  private process: WorkspaceProcess | undefined;
  private turn: ActiveTurn | undefined;
  private endedValue = false;
  private stderrTail = "";
  private readonly endedPromise: Promise<void>;
  private resolveEnded!: () => void;

  constructor(private readonly init: CliSessionInit) {
    this.fingerprint = sessionFingerprint(init.settings);
    this.endedPromise = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    this.workspace = init.workspace;
    this.mapper = createClaudeEventMapper({
      costBaselineUsd: init.costBaselineUsd,
      isInterrupting: () => this.turn?.interrupting ?? false,
    });
  }

  get ended(): boolean {
    return this.endedValue;
  }

  get cumulativeCostUsd(): number {
    return this.mapper.cumulativeCostUsd;
  }

  /** Starts the CLI process; messages pushed before it is up wait in the input queue. */
  start(): void {
    const { sdk } = this.init;
    const { settings, paths, resume } = this.init;
    const options: Options = {
      pathToClaudeCodeExecutable: this.init.executable ?? CLAUDE_EXECUTABLE,
      cwd: paths.workdir,
      ...(resume ? { resume: settings.claudeSessionId } : { sessionId: settings.claudeSessionId }),
      includePartialMessages: true,
      // The CLI runs as an unprivileged user in the user's own container: that container is the sandbox.
      permissionMode: "bypassPermissions",
      allowDangerouslySkipPermissions: true,
      model: settings.model,
      maxTurns: settings.maxTurns,
      systemPrompt: settings.instructions
        ? { type: "preset", preset: "claude_code", append: settings.instructions }
        : { type: "preset", preset: "claude_code" },
      // Replaces the server's environment entirely: nothing of the host leaks into the workspace.
      env: buildClaudeEnv(this.init.credentials, paths, this.init.modelRetries),
      spawnClaudeCodeProcess: (spawnOptions) => this.spawnInWorkspace(spawnOptions),
    };
    try {
      this.query = sdk.query({ prompt: this.input, options });
    } catch (error) {
      this.markEnded();
      throw error;
    }
    // The process serves later runs too: its own lines carry the conversation, not the run that started it.
    const query = this.query;
    withOnlyLogContext({ conversationId: settings.conversationId }, () => void this.pump(query));
  }

  runTurn(prompt: string, onEvent: (event: AgentEvent) => void): Promise<Omit<TurnOutcome, "reusedProcess" | "timings">> {
    if (this.endedValue) return Promise.resolve(failure(onEvent, "internal", "The agent process has already ended."));
    if (this.turn) throw new Error("a turn is already running in this CLI session");
    return new Promise((resolve) => {
      this.turn = { onEvent, resolve, interrupting: false, startedAt: Date.now() };
      this.input.push({
        type: "user",
        message: { role: "user", content: prompt },
        parent_tool_use_id: null,
      });
    });
  }

  /**
   * Asks the CLI to stop the turn (it kills the running tool and answers with a result). If it has
   * not answered within `graceMs`, the turn ends anyway and the process is killed; the next turn
   * then resumes the transcript in a new process.
   */
  async interrupt(graceMs: number): Promise<void> {
    const turn = this.turn;
    if (!turn || turn.interrupting) return;
    turn.interrupting = true;
    turn.forceTimer = setTimeout(() => {
      if (this.turn !== turn) return;
      logger.warn({ conversationId: this.init.settings.conversationId }, "CLI did not stop in time, killing it");
      this.finishTurn({ status: "interrupted", result: this.syntheticInterruptResult(turn) });
      this.kill();
    }, graceMs);
    // The force timer ends the turn either way; do not keep the caller waiting on a stuck CLI.
    await Promise.race([
      this.query?.interrupt().catch((error: unknown) => logger.debug({ err: error }, "interrupt request failed")),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }

  /** Ends the process gently: stdin closes and the CLI exits on its own. */
  close(): void {
    if (this.endedValue) return;
    this.input.close();
    this.query?.close();
  }

  /** Ends the process now (and whatever it started). */
  kill(): void {
    this.process?.kill("SIGKILL");
    this.close();
  }

  whenEnded(): Promise<void> {
    return this.endedPromise;
  }

  /**
   * Settles once the CLI has booted: it answered the SDK's initialize handshake (the CPU-heavy part
   * of a start is behind it), it ended, or `timeoutMs` passed (a stuck start must not hold a start
   * slot for ever). Never rejects.
   */
  whenBooted(timeoutMs: number): Promise<void> {
    const handshake = this.query?.initializationResult?.().then(
      () => undefined,
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    return Promise.race([handshake ?? Promise.resolve(), this.endedPromise, timeout]).finally(() => clearTimeout(timer));
  }

  private markEnded(): void {
    this.endedValue = true;
    this.input.close();
    this.resolveEnded();
  }

  private spawnInWorkspace(spawnOptions: SpawnOptions): SpawnedProcess {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(spawnOptions.env)) if (value !== undefined) env[key] = value;
    const child = this.init.runtime.spawn(this.workspace, [spawnOptions.command, ...spawnOptions.args], { cwd: spawnOptions.cwd, env });
    // The SDK cannot see a custom process's stderr; keep its tail to explain a crash in the logs.
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-2_000);
    });
    // The SDK aborts this signal only after its own stdin-EOF grace period: then the process must go.
    spawnOptions.signal.addEventListener("abort", () => child.kill("SIGKILL"), { once: true });
    this.process = child;
    return child;
  }

  private async pump(query: Query): Promise<void> {
    let failure: unknown;
    try {
      for await (const message of query) {
        const turn = this.turn;
        const events = this.mapper.map(message);
        if (!turn) continue;
        for (const event of events) {
          if (event.type === "result") {
            const status = event.subtype === "interrupted" ? "interrupted" : event.isError ? "failed" : "completed";
            this.finishTurn({ status, result: event, error: turn.error });
          } else {
            if (event.type === "error") turn.error = { code: event.code, message: event.message };
            emitSafely(turn.onEvent, event);
          }
        }
      }
    } catch (error) {
      failure = error;
    }
    this.markEnded();
    const turn = this.turn;
    if (!turn) return;
    if (turn.interrupting) {
      this.finishTurn({ status: "interrupted", result: this.syntheticInterruptResult(turn) });
      return;
    }
    const workspaceAlive = await this.workspaceSurvived();
    logger.warn(
      { conversationId: this.init.settings.conversationId, workspaceAlive, err: failure, stderr: this.stderrTail.slice(-500) },
      "CLI process ended during a turn",
    );
    if (this.turn !== turn) return;
    if (!workspaceAlive) {
      this.finishTurn(failureOutcome("workspace_lost", "The workspace stopped while the agent was working. Send your message again to continue."));
    } else {
      this.finishTurn(failureOutcome("internal", "The agent process ended unexpectedly. Send your message again to continue."));
    }
  }

  /**
   * When the whole container is killed, the CLI's exec ends a moment before the engine reports the
   * container as stopped, so a crash is only blamed on the CLI once the workspace still runs a
   * little later.
   */
  private async workspaceSurvived(settleMs = 1_500): Promise<boolean> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const current = await this.init.runtime.isCurrent(this.workspace).catch(() => false);
      if (!current) return false;
      if (Date.now() >= deadline) return true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private finishTurn(outcome: Omit<TurnOutcome, "reusedProcess" | "timings">): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = undefined;
    if (turn.forceTimer) clearTimeout(turn.forceTimer);
    // An error the CLI reported was already delivered; one the session detected is delivered here.
    if (outcome.error && outcome.error !== turn.error) {
      emitSafely(turn.onEvent, { type: "error", code: outcome.error.code, message: outcome.error.message });
    }
    if (outcome.result) emitSafely(turn.onEvent, outcome.result);
    turn.resolve(outcome);
  }

  private syntheticInterruptResult(turn: ActiveTurn): ResultEvent {
    return interruptedResult(this.init.settings.claudeSessionId, turn.startedAt);
  }
}

function failureOutcome(code: string, message: string): Omit<TurnOutcome, "reusedProcess" | "timings"> {
  return { status: "failed", error: { code, message } };
}

function failure(onEvent: (event: AgentEvent) => void, code: string, message: string): Omit<TurnOutcome, "reusedProcess" | "timings"> {
  emitSafely(onEvent, { type: "error", code, message });
  return failureOutcome(code, message);
}

/** A listener that throws must not break the stream for everyone else. */
export function emitSafely(onEvent: (event: AgentEvent) => void, event: AgentEvent): void {
  try {
    onEvent(event);
  } catch (error) {
    logger.error({ err: error, eventType: event.type }, "agent event listener threw");
  }
}

/** The result of a turn that was stopped before the CLI reported one of its own. */
export function interruptedResult(sessionId: string, startedAt: number): ResultEvent {
  return {
    type: "result",
    isError: false,
    subtype: "interrupted",
    text: "",
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
    costUsd: 0,
    numTurns: 0,
    durationMs: Date.now() - startedAt,
    sessionId,
  };
}
