import { logger } from "../logger";

/** Runs after a guest's records moved to the account they signed in with. */
export type UserMergedListener = (fromUserId: string, toUserId: string) => Promise<void> | void;

const globalKey = Symbol.for("agentdesk.user-merged-listeners");
type GlobalWithListeners = typeof globalThis & { [globalKey]?: Set<UserMergedListener> };

// On globalThis: the merge runs in Next's copy of this module (the sign-in callback) while the
// workspace layer registers from the custom server's copy.
function listeners(): Set<UserMergedListener> {
  const holder = globalThis as GlobalWithListeners;
  holder[globalKey] ??= new Set();
  return holder[globalKey];
}

/**
 * Lets another layer follow a guest into their account, e.g. the workspace layer moving the
 * files of the guest's Docker volume (keyed by user id) to the account's volume.
 * Returns a function that unregisters the listener.
 */
export function onUserMerged(listener: UserMergedListener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

/** A failing listener is logged, never thrown: the person is signed in either way. */
export async function notifyUserMerged(fromUserId: string, toUserId: string): Promise<void> {
  for (const listener of listeners()) {
    try {
      await listener(fromUserId, toUserId);
    } catch (error) {
      logger.error({ err: error, fromUserId, toUserId }, "a user-merged listener failed");
    }
  }
}
