import { AppError } from "../../lib/errors";
import type { PlatformStore } from "./store";

/**
 * A remote store that does not answer must not hold a person's message for the better part of a
 * minute (the Firestore client keeps retrying an unreachable backend for ~45 s): every call gets a
 * deadline, after which it fails as `store_unavailable`. The call itself may still finish later;
 * writes are idempotent where it matters (a resent message with the same clientMessageId is found,
 * not stored twice). Bulk deletes and merges are left to finish, since stopping them half-way
 * would be worse than waiting.
 */
const unbounded = new Set<string | symbol>(["close", "deleteAgent", "deleteConversation", "mergeUser"]);

const unavailableMessage = "Your history can't be reached right now, so nothing was changed. Try again in a moment.";

// gRPC's UNAVAILABLE and DEADLINE_EXCEEDED: the backend is down or too slow, not the request wrong.
const unreachableGrpcCodes = new Set([4, 14]);

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && unreachableGrpcCodes.has(code);
}

export function withStoreDeadline(store: PlatformStore, deadlineMs: number): PlatformStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || unbounded.has(property)) return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...callArgs: unknown[]) => unknown).apply(target, args);
        return result instanceof Promise ? bounded(result, deadlineMs) : result;
      };
    },
  });
}

function bounded<T>(call: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("store_unavailable", unavailableMessage)), deadlineMs);
  });
  const answered = call.catch((error: unknown) => {
    throw isUnreachable(error) ? new AppError("store_unavailable", unavailableMessage) : error;
  });
  // A call that loses the race may still fail later: that failure is expected and already reported.
  call.catch(() => undefined);
  return Promise.race([answered, deadline]).finally(() => clearTimeout(timer));
}
