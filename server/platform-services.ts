import type { PlatformConfig } from "./config";
import type { ConversationService } from "./conversations/conversation-service";
import type { PlatformStore } from "./store/store";
import type { Scheduler } from "./schedules/scheduler";
import type { WorkspaceRuntime } from "./workspaces/workspace-runtime";

/**
 * The services the custom server builds once at start-up. Next's route handlers run in the same
 * process but may load their own copies of modules, so they reach these through globalThis rather
 * than through a module-level variable.
 */
export interface PlatformServices {
  config: PlatformConfig;
  store: PlatformStore;
  runtime: WorkspaceRuntime;
  conversations: ConversationService;
  offlineDemoModel: boolean;
  /** Scheduled runs and "Run now"; absent in tests that build only part of the platform. */
  scheduler?: Scheduler;
}

const key = Symbol.for("agent-platform.services");
type GlobalWithServices = typeof globalThis & { [key]?: PlatformServices };

export function registerPlatformServices(services: PlatformServices): void {
  (globalThis as GlobalWithServices)[key] = services;
}

export function getPlatformServices(): PlatformServices {
  const services = (globalThis as GlobalWithServices)[key];
  if (!services) {
    throw new Error("Platform services are not running: start the platform with server/server.ts (npm start or npm run dev), not `next dev`.");
  }
  return services;
}

export function findPlatformServices(): PlatformServices | undefined {
  return (globalThis as GlobalWithServices)[key];
}
