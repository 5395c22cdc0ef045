import Docker from "dockerode";
import { DockerWorkspaceRuntime } from "./server/workspaces/docker-workspace-runtime";
const docker = new Docker();
const image = "agent-platform/ws-dev-throwaway:latest";
const a = new DockerWorkspaceRuntime(docker, { image });
const b = new DockerWorkspaceRuntime(docker, { image });
for (let i = 0; i < 3; i++) {
  const u = `exp-race-${i}`;
  try { const hs = await Promise.all([a.ensureWorkspace(u), b.ensureWorkspace(u)]); console.log(hs.map(h => h.provisioning)); }
  catch (e) { console.log("ERR", (e as Error).message, (e as any).cause?.message); }
  await a.deleteUserWorkspace(u);
}
