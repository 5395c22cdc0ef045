import type { FullConfig } from "@playwright/test";
import Docker from "dockerode";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { PLATFORM_LABEL, PLATFORM_LABEL_VALUE, USER_LABEL } from "../../server/workspaces/workspace-names";
import { startLocalOidcProvider } from "./oidc-provider";
import { testOidcClient, testOidcPort } from "./oidc-settings";

const docker = new Docker();

/** The users whose workspaces exist right now, by the platform's labels. */
async function workspaceUsers(): Promise<Set<string>> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${PLATFORM_LABEL}=${PLATFORM_LABEL_VALUE}`] } });
  return new Set(containers.map((container) => container.Labels[USER_LABEL]).filter((user): user is string => Boolean(user)));
}

/**
 * Starts the stand-in for Google. Playwright starts the web server first; that is fine because
 * Auth.js only reads the provider's discovery document when someone signs in. At the end, the
 * workspaces the journeys' guests got (containers and volumes) are removed; those that existed
 * before the run are left alone.
 */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = config.projects[0]?.use.baseURL ?? "http://localhost:3210";
  const before = await workspaceUsers().catch(() => new Set<string>());
  const provider = await startLocalOidcProvider({
    port: testOidcPort,
    ...testOidcClient,
    redirectUri: new URL("/api/auth/callback/google", baseURL).toString(),
  });
  return async () => {
    await provider.close();
    const runtime = new DockerWorkspaceRuntime(docker, { image: process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest" });
    const created = [...(await workspaceUsers().catch(() => new Set<string>()))].filter((user) => !before.has(user));
    await Promise.all(created.map((user) => runtime.deleteUserWorkspace(user).catch(() => undefined)));
  };
}
