import { existsSync } from "node:fs";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import Database from "better-sqlite3";
import Docker from "dockerode";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { workspaceDiskDirectory } from "../../server/workspaces/loop-disks";
import { clusterSettings } from "./cluster-settings";
import { startLocalOidcProvider } from "./oidc-provider";
import { testOidcClient, testOidcPort } from "./oidc-settings";

const docker = new Docker();

// The stores the journeys' servers write (playwright.config.ts): the single server's and the cluster's.
const journeyStores = [path.resolve(".cache/e2e-data/platform.sqlite"), path.join(clusterSettings.dataDir, "platform.sqlite")];

/**
 * The people the journeys made, read from the journeys' own stores. Asking the stores, not the
 * engine's list of workspaces, leaves alone whatever another run on the machine (an integration
 * test, a second checkout) made meanwhile, and finds workspaces that came from the warm pool.
 */
function journeyUsers(): string[] {
  const users = new Set<string>();
  for (const file of journeyStores.filter((candidate) => existsSync(candidate))) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      for (const row of db.prepare("SELECT id FROM users").all() as { id: string }[]) users.add(row.id);
    } finally {
      db.close();
    }
  }
  return [...users];
}

/**
 * Starts the stand-in for Google. Playwright starts the web server first; that is fine because
 * Auth.js only reads the provider's discovery document when someone signs in. At the end, the
 * workspaces of the people the journeys made (containers and volumes) are removed.
 */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = config.projects[0]?.use.baseURL ?? "http://localhost:3210";
  const provider = await startLocalOidcProvider({
    port: testOidcPort,
    ...testOidcClient,
    redirectUri: new URL("/api/auth/callback/google", baseURL).toString(),
  });
  return async () => {
    await provider.close();
    const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
    // One runtime per journey server's DATA_DIR: each removes the disks (loop device and image) kept there.
    const runtimes = journeyStores.map(
      (store) => new DockerWorkspaceRuntime(docker, { image, disk: { sizeMb: 1, directory: workspaceDiskDirectory(path.dirname(store)) } }),
    );
    const users = (() => {
      try {
        return journeyUsers();
      } catch (error) {
        console.warn(`e2e teardown: could not read the journeys' stores, their workspaces stay: ${String(error)}`);
        return [];
      }
    })();
    for (const runtime of runtimes) await Promise.all(users.map((user) => runtime.deleteUserWorkspace(user).catch(() => undefined)));
  };
}
