/**
 * Which model an egress proxy in its own process (egress-main.ts) routes workspaces' requests to,
 * as it last said on its /health. The server holds no model key then, so this answer, not the
 * server's configuration, decides the "offline demo model" label (server/config.ts). Kept on
 * globalThis: Next's route handlers and layouts may load their own copy of this module.
 */
export type EgressModel = "anthropic" | "offline-demo" | "none";

const key = Symbol.for("agent-platform.egress-model");
type GlobalWithEgressModel = typeof globalThis & { [key]?: EgressModel };

export function recordEgressModel(model: EgressModel | undefined): void {
  (globalThis as GlobalWithEgressModel)[key] = model;
}

/** Undefined until the proxy has answered once. */
export function reportedEgressModel(): EgressModel | undefined {
  return (globalThis as GlobalWithEgressModel)[key];
}
