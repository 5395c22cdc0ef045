import Docker from "dockerode";
import path from "node:path";
import type { PlatformConfig } from "./config";
import { usesOfflineDemoModel } from "./config";
import type { HealthCheck } from "./http/health";
import { dataDirectoryCheck, dockerEngineCheck, workspaceImageCheck } from "./health-checks";
import type { SocketAuthenticator, PlatformSocketServer } from "./socket/socket-server";
import type { SocketEventHandlers } from "./socket/socket-handlers";
import { AppError } from "../lib/errors";

/** The composition root: builds every service once and hands the server what it serves. */
export interface Platform {
  offlineDemoModel: boolean;
  healthChecks: Record<string, HealthCheck>;
  authenticateSocket: SocketAuthenticator;
  socketHandlers: SocketEventHandlers;
  attachSocketServer(io: PlatformSocketServer): void;
  shutdown(): Promise<void>;
}

export function createDockerClient(config: PlatformConfig): Docker {
  if (config.DOCKER_HOST?.startsWith("tcp://")) {
    const url = new URL(config.DOCKER_HOST);
    return new Docker({ host: url.hostname, port: Number(url.port || 2375) });
  }
  const socketPath = config.DOCKER_HOST?.startsWith("unix://") ? config.DOCKER_HOST.slice("unix://".length) : "/var/run/docker.sock";
  return new Docker({ socketPath });
}

export async function createPlatform(config: PlatformConfig): Promise<Platform> {
  const docker = createDockerClient(config);
  const offlineDemoModel = usesOfflineDemoModel(config);

  const notYetAvailable = () => {
    throw new AppError("workspace_unavailable", "Chat is not available on this server yet.");
  };

  return {
    offlineDemoModel,
    healthChecks: {
      docker: dockerEngineCheck(docker),
      store: dataDirectoryCheck(path.resolve(config.DATA_DIR)),
      workspaceImage: workspaceImageCheck(docker, config.WORKSPACE_IMAGE),
    },
    authenticateSocket: async () => ({ userId: "local", userType: "local" }),
    socketHandlers: {
      "platform:ping": (payload) => ({
        serverTime: new Date().toISOString(),
        roundTripStartedAt: payload.sentAt,
        offlineDemoModel,
      }),
      "conversation:send": notYetAvailable,
      "conversation:stop": notYetAvailable,
      "conversation:follow": notYetAvailable,
      "conversation:unfollow": () => null,
    },
    attachSocketServer: () => undefined,
    shutdown: async () => undefined,
  };
}
