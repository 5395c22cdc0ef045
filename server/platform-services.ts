import type { AgentService } from "./agents/agent-service";
import type { AgentVersionService } from "./agents/agent-versions";
import type { MessageRouter } from "./cluster/message-router";
import type { PlatformConfig } from "./config";
import type { ConversationService } from "./conversations/conversation-service";
import type { AgentFileService } from "./files/agent-files";
import type { GuestSignupGate } from "./limits/guest-signups";
import type { NotificationService } from "./notifications/notification-service";
import type { ScheduleService } from "./schedules/schedule-service";
import type { Scheduler } from "./schedules/scheduler";
import type { ShareService } from "./sharing/share-service";
import type { PlatformStore } from "./store/store";
import type { WorkspaceRuntime } from "./workspaces/workspace-runtime";

/**
 * The services server/platform.ts builds once at start-up, each handed what it needs. Next's route
 * handlers run in the same process but may load their own copies of modules, so they (and only
 * they, with the auth edge in server/auth/auth-dependencies.ts) reach the running platform here,
 * through globalThis rather than a module-level variable. Domain code never does: it is given its
 * dependencies (eslint enforces who may import this module).
 */
export interface PlatformServices {
  config: PlatformConfig;
  store: PlatformStore;
  runtime: WorkspaceRuntime;
  conversations: ConversationService;
  /** Sending and stopping: the REST routes and socket events both go through this. */
  messages: MessageRouter;
  agents: AgentService;
  versions: AgentVersionService;
  schedules: ScheduleService;
  sharing: ShareService;
  files: AgentFileService;
  notifications: NotificationService;
  guestSignups: GuestSignupGate;
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
