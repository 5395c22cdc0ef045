import { AppError } from "../../lib/errors";
import { FairQueue } from "../limits/fair-queue";

/** One live CLI process's claim on the host's memory; released when the process has ended. */
export interface CliSlot {
  release(): void;
}

export interface CliWaitOptions {
  /** Aborting (Stop while waiting) takes the waiter out of the queue; acquire then rejects. */
  signal?: AbortSignal;
  /** The waiter's position (1 = next), when it starts waiting and whenever it changes. */
  onQueued?: (position: number) => void;
}

export interface CliAdmissionHooks {
  /** Called when someone starts waiting: the runner ends idle CLIs it can spare. */
  makeRoom(): void;
  /** How many slots are on their way back (idle CLIs being ended); that many waiters need not be told to wait. */
  roomBeingMade(): number;
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
 * A host-wide cap on live CLI processes: a slot per process, held until it ends. When all are
 * taken, new runs wait in a queue that is fair across users, and hear their position.
 */
export class CliAdmission {
  private inUse = 0;
  private readonly queue = new FairQueue<Waiter>();

  constructor(
    readonly capacity: number,
    private readonly hooks: CliAdmissionHooks = { makeRoom: () => undefined, roomBeingMade: () => 0 },
  ) {}

  get used(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** A slot if one is free and nobody waits for it; never queues. */
  tryAcquire(): CliSlot | undefined {
    if (this.inUse >= this.capacity || this.queue.size > 0) return undefined;
    this.inUse += 1;
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
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inUse -= 1;
        this.grantWaiting();
      },
    };
  }

  private grantWaiting(): void {
    while (this.inUse < this.capacity) {
      const waiter = this.queue.dequeue();
      if (!waiter) break;
      this.inUse += 1;
      waiter.grant(this.newSlot());
    }
    this.publishPositions();
  }

  /** Tells each waiter its position when it changed; those a slot is already coming back for hear nothing. */
  private publishPositions(): void {
    const comingBack = this.hooks.roomBeingMade();
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
