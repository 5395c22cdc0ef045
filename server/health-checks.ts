import type Docker from "dockerode";
import type { HealthCheck } from "./http/health";

export function dockerEngineCheck(docker: Docker): HealthCheck {
  return async () => {
    const version = await docker.version();
    return { detail: `Docker ${version.Version} (API ${version.ApiVersion})` };
  };
}

export function workspaceImageCheck(docker: Docker, imageName: string): HealthCheck {
  return async () => {
    try {
      const image = await docker.getImage(imageName).inspect();
      return { detail: `${imageName} (${Math.round(image.Size / 1e6)} MB)` };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        throw new Error(`image ${imageName} is missing: run "npm run provision" to build it`);
      }
      throw error;
    }
  };
}
