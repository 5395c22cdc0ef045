import { logger } from "../logger";

export interface ProcessHook<Args extends unknown[]> {
  /** Adds a listener; returns the function that removes it. */
  on(listener: (...args: Args) => Promise<void> | void): () => void;
  /** Runs every listener in turn; a failing one is logged, never thrown, so the caller's work stands. */
  notify(...args: Args): Promise<void>;
}

/**
 * A hook shared by every copy of a module in this process: the custom server registers listeners
 * and Next's route handlers (which load their own module copies) notify them, so the listeners
 * live on globalThis under a well-known symbol.
 */
export function processHook<Args extends unknown[]>(name: string): ProcessHook<Args> {
  const key = Symbol.for(`agentdesk.${name}`);
  type Listener = (...args: Args) => Promise<void> | void;
  const holder = globalThis as typeof globalThis & { [key: symbol]: Set<Listener> | undefined };
  const listeners = (): Set<Listener> => (holder[key] ??= new Set<Listener>());
  return {
    on(listener) {
      listeners().add(listener);
      return () => listeners().delete(listener);
    },
    async notify(...args) {
      for (const listener of listeners()) {
        try {
          await listener(...args);
        } catch (error) {
          logger.error({ err: error, hook: name, args }, "a hook listener failed");
        }
      }
    },
  };
}
