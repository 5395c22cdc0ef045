import { Mutex } from "async-mutex";

import type { ClaudeCliSession } from "./claude-cli-session";

/**
 * Where one conversation's CLI process is in its life:
 * - ended: no process (none yet, or the last one has gone); the next turn or prewarm starts one.
 * - starting: a process is being prepared (agent paths, transcript check, a slot, the spawn).
 * - live: the process runs and is spoken for: a turn is on its way to it, or whoever started or
 *   reused it is about to park it. Nothing ends it for being idle or to free its slot.
 * - turn: the process is answering a turn. Nothing ends it for being idle or to free its slot.
 * - idle: the process waits for the next turn; it is ended after CLI_IDLE_MINUTES, or earlier
 *   when someone waits for a slot and it is the least recently used idle CLI.
 */
export type ConversationCliState = "ended" | "starting" | "live" | "turn" | "idle";

/** Every change of state there is; a process can go (crash, Stop that killed it, close) from any state that has one. */
const ALLOWED_TRANSITIONS: Record<ConversationCliState, readonly ConversationCliState[]> = {
  ended: ["starting"],
  starting: ["live", "ended"],
  live: ["turn", "idle", "ended"],
  turn: ["idle", "ended"],
  idle: ["live", "ended"],
};

/** A change the table does not allow: the runner's bookkeeping is wrong, not the world. */
export class InvalidCliTransition extends Error {
  constructor(conversationId: string, from: ConversationCliState, to: ConversationCliState) {
    super(`The CLI of conversation ${conversationId} cannot go from "${from}" to "${to}" (allowed: ${ALLOWED_TRANSITIONS[from].join(", ")}).`);
    this.name = "InvalidCliTransition";
  }
}

/** The conversation's current CLI process. */
export interface CliProcess {
  session: ClaudeCliSession;
  /** Ended to free its slot for someone waiting: counted as room being made until it has exited. */
  endingToFreeSlot: boolean;
  /** A booting prewarm ended to give its start share to someone waiting: counted as a start coming back until it has exited. */
  yieldingStart: boolean;
  /** False until a turn's prompt has gone to it: a prewarmed process nobody used yet. */
  answeredTurn: boolean;
  /** Started by a prewarm and still booting: it gives its start slot up to a waiting message. */
  bootingPrewarm: boolean;
}

/** A turn accepted for the conversation, from its request until its outcome. */
export interface TurnControl {
  interruptRequested: boolean;
  /** Aborted by Stop: takes a turn waiting for a CLI slot out of the queue. */
  abort: AbortController;
  session?: ClaudeCliSession;
}

/** Keeps the idle CLIs: one is in there exactly while its state is idle. */
export interface IdleRoster {
  park(cli: ConversationCli): void;
  unpark(cli: ConversationCli): void;
}

/** One conversation's CLI: its process, its accepted turn and its life cycle, kept in step in one place. */
export class ConversationCli {
  private stateValue: ConversationCliState = "ended";
  private processValue: CliProcess | undefined;
  private turnValue: TurnControl | undefined;
  /** Callers for one conversation take turns reusing or starting its process, so it never gets two. */
  private readonly startLock = new Mutex();
  /** The last running cost total, kept after the process ends: the next process's first result is not billed twice. */
  costTotalUsd = 0;

  constructor(
    readonly conversationId: string,
    private readonly idle: IdleRoster,
  ) {}

  get state(): ConversationCliState {
    return this.stateValue;
  }

  /** Present exactly in live, turn and idle. */
  get process(): CliProcess | undefined {
    return this.processValue;
  }

  /** The accepted turn; it may still be waiting for its workspace or a slot, so the state can be anything. */
  get turn(): TurnControl | undefined {
    return this.turnValue;
  }

  /** A turn was accepted: an idle process is kept for it from now on. */
  acceptTurn(turn: TurnControl): void {
    if (this.turnValue) throw new Error(`conversation ${this.conversationId} already has a turn`);
    this.turnValue = turn;
    this.claim();
  }

  /** Someone is about to use the idle process. */
  claim(): void {
    if (this.stateValue === "idle") this.moveTo("live");
  }

  withStartLock<T>(step: () => Promise<T>): Promise<T> {
    return this.startLock.runExclusive(step);
  }

  beginStarting(): void {
    this.moveTo("starting");
  }

  launched(process: CliProcess): void {
    this.moveTo("live", process);
  }

  startFailed(): void {
    this.moveTo("ended");
  }

  /** The turn's prompt goes to `session`; if that process has already gone, the turn fails on its own. */
  startAnswering(session: ClaudeCliSession): void {
    if (this.processValue?.session !== session) return;
    this.processValue.answeredTurn = true;
    this.processValue.bootingPrewarm = false;
    this.moveTo("turn");
  }

  /** The accepted turn is over (answered, stopped, or it never reached a process): its process, if any, idles. */
  endTurn(): void {
    this.turnValue = undefined;
    if (this.stateValue === "turn" || this.stateValue === "live") this.moveTo("idle");
  }

  /** A prewarm is done with the process: unless a turn waits for it, its idle time starts (again). */
  parkIfUnclaimed(): void {
    if (this.turnValue) return;
    if (this.stateValue === "live") this.moveTo("idle");
    else if (this.stateValue === "idle") this.idle.park(this);
  }

  /** The runner stops counting on the process (it is being closed); returns it, or nothing when there is none. */
  letGo(): CliProcess | undefined {
    const process = this.processValue;
    if (process) this.moveTo("ended");
    return process;
  }

  /** `process` has exited; the conversation may already have moved on to another one. */
  processEnded(process: CliProcess): void {
    if (this.processValue === process) this.moveTo("ended");
  }

  private moveTo(next: ConversationCliState, process?: CliProcess): void {
    const previous = this.stateValue;
    if (!ALLOWED_TRANSITIONS[previous].includes(next)) throw new InvalidCliTransition(this.conversationId, previous, next);
    if (previous === "starting" && next === "live") {
      if (!process) throw new Error(`conversation ${this.conversationId}: a CLI cannot be live without its process`);
      this.processValue = process;
    }
    if (next === "ended") this.processValue = undefined;
    this.stateValue = next;
    if (previous === "idle") this.idle.unpark(this);
    if (next === "idle") this.idle.park(this);
  }
}
