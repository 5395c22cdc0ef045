import { AsyncLocalStorage } from "node:async_hooks";

/** Ids every log line written on behalf of one request or one run carries, so its lines can be found together. */
export interface LogContext {
  requestId?: string;
  runId?: string;
  conversationId?: string;
}

// Route handlers and the custom server may load separate copies of this module: one storage for both.
const key = Symbol.for("agent-platform.log-context");
type GlobalWithLogContext = typeof globalThis & { [key]?: AsyncLocalStorage<LogContext> };

function storage(): AsyncLocalStorage<LogContext> {
  const holder = globalThis as GlobalWithLogContext;
  holder[key] ??= new AsyncLocalStorage<LogContext>();
  return holder[key];
}

/** Runs `work` with these ids added to the current ones; whatever it starts (promises, timers) keeps them. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return storage().run({ ...storage().getStore(), ...fields }, work);
}

/** Runs `work` with only these ids, e.g. a CLI process that outlives the run that started it. */
export function withOnlyLogContext<T>(fields: LogContext, work: () => T): T {
  return storage().run({ ...fields }, work);
}

/** The ids of the current request or run (pino's mixin adds them to each line). */
export function currentLogContext(): LogContext {
  return storage().getStore() ?? {};
}
