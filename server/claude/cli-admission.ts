import { AppError } from "../../lib/errors";
import { FairQueue } from "../limits/fair-queue";

/**
 * One CLI process's claim on the host: its memory for as long as it lives, and a share of the CPU
 * while it boots. `started()` gives the start share back once the CLI has answered its handshake;
 * `release()` (the process has ended) gives back both.
 */
export interface CliSlot {
  started(): void;
  release(): void;
}

export interface CliWaitOptions {
  /** Aborting (Stop while waiting) takes the waiter out of the queue; acquire then rejects. */
  signal?: AbortSignal;
  /** The waiter's position (1 = next), when it starts waiting and whenever it changes. */
  onQueued?: (position: number) => void;
}

export interface CliAdmissionHooks {
  /** Called when someone starts waiting: the runner ends idle CLIs it can spare, and prewarms still booting. */
  makeRoom(): void;
  /** How many slots are on their way back (idle CLIs being ended); that many waiters need not be told to wait. */
  roomBeingMade(): number;
  /** How many start shares are on their way back (booting prewarms being ended for waiters). */
  startsBeingFreed?(): number;
}

interface Waiter {
  onQueued?: (position: number) => void;
  lastPosition?: number;
  grant(slot: CliSlot): void;
}

export class AdmissionAborted extends AppError {
  constructor() {
    super("conflict", "The run was stopped while it waited for a free slot.");
  }
}

/**
 * Two host-wide caps on CLI processes, taken together: how many may be alive (memory: a slot per
 * process, held until it ends) and how many may be booting at once (CPU: a CLI's start costs
 * about half a core-second, see cli-start-cap.ts; dozens booting together on two cores starve each
 * other and every one of them is late). When either is full, new runs wait in one queue that is
 * fair across users, and hear their position.
 */
export class CliAdmission {
  private inUse = 0;
  private booting = 0;
  private readonly queue = new FairQueue<Waiter>();

  constructor(
    readonly capacity: number,
    private readonly hooks: CliAdmissionHooks = { makeRoom: () => undefined, roomBeingMade: () => 0 },
    readonly startCapacity: number = Number.POSITIVE_INFINITY,
  ) {}

  get used(): number {
    return this.inUse;
  }

  /** Live slots not taken (memory allows this many more CLIs). */
  get freeSlots(): number {
    return Math.max(0, this.capacity - this.inUse);
  }

  /** Slots whose CLI has not answered its handshake yet. */
  get starting(): number {
    return this.booting;
  }

  /** Every start share is taken: a new CLI would wait even if memory allowed it. */
  get startsFull(): boolean {
    return this.booting >= this.startCapacity;
  }

  private get canGrant(): boolean {
    return this.inUse < this.capacity && this.booting < this.startCapacity;
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** A slot if memory and a start share are free and nobody waits for them; never queues (a prewarm). */
  tryAcquire(): CliSlot | undefined {
    if (!this.canGrant || this.queue.size > 0) return undefined;
    return this.newSlot();
  }

  /** A slot now, or once one frees up and it is this user's turn. */
  acquire(userId: string, options: CliWaitOptions = {}): Promise<CliSlot> {
    const free = this.tryAcquire();
    if (free) return Promise.resolve(free);
    if (options.signal?.aborted) return Promise.reject(new AdmissionAborted());
    return new Promise<CliSlot>((resolve, reject) => {
      const onAbort = () => {
        if (!this.queue.remove(waiter)) return;
        reject(new AdmissionAborted());
        this.publishPositions();
      };
      const waiter: Waiter = {
        onQueued: options.onQueued,
        grant: (slot) => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.enqueue(userId, waiter);
      this.hooks.makeRoom();
      this.publishPositions();
    });
  }

  private newSlot(): CliSlot {
    this.inUse += 1;
    this.booting += 1;
    let booted = false;
    let released = false;
    const endBoot = () => {
      if (booted) return false;
      booted = true;
      this.booting -= 1;
      return true;
    };
    return {
      started: () => {
        if (released || !endBoot()) return;
        this.grantWaiting();
      },
      release: () => {
        if (released) return;
        released = true;
        endBoot();
        this.inUse -= 1;
        this.grantWaiting();
      },
    };
  }

  private grantWaiting(): void {
    while (this.canGrant) {
      const waiter = this.queue.dequeue();
      if (!waiter) break;
      waiter.grant(this.newSlot());
    }
    this.publishPositions();
  }

  /** Tells each waiter its position when it changed; those a slot is already coming back for hear nothing. */
  private publishPositions(): void {
    // While every start share is taken, only a start share on its way back lets a waiter through.
    const comingBack = this.startsFull ? (this.hooks.startsBeingFreed?.() ?? 0) : this.hooks.roomBeingMade();
    for (const waiter of this.queue.items()) {
      const position = this.queue.positionOf(waiter)!;
      if (position <= comingBack || position === waiter.lastPosition) continue;
      waiter.lastPosition = position;
      try {
        waiter.onQueued?.(position);
      } catch {
        // A listener's failure must not stall the queue.
      }
    }
  }
}

/** "you're next in line", "you're 2nd in line". */
export function queuedMessage(position: number): string {
  if (position <= 1) return "Waiting for a free slot — you're next in line.";
  return `Waiting for a free slot — you're ${ordinal(position)} in line.`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}
