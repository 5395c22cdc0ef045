import { logger } from "../logger";
import { agentPaths } from "../workspaces/workspace-names";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";

export interface TurnImage {
  /** Relative to the agent's directory, as the files API expects. */
  path: string;
  mimeType: string;
}

const mimeTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
};

const maxImages = 8;

/**
 * The images an agent wrote or changed during a turn (plots saved by Python, mostly), so the chat
 * can show them inline. Found by modification time inside the container: the agent may create
 * them with any tool, not only the Write tool the CLI reports.
 */
export async function findTurnImages(runtime: WorkspaceRuntime, userId: string, agentId: string, sinceMs: number): Promise<TurnImage[]> {
  try {
    const workspace = await runtime.ensureWorkspace(userId);
    const { workdir } = agentPaths(agentId);
    // One second of slack: file systems round modification times.
    const since = `@${Math.floor(sinceMs / 1000) - 1}`;
    const nameTests = Object.keys(mimeTypes).flatMap((extension, index) => [...(index ? ["-o"] : []), "-iname", `*.${extension}`]);
    const result = await runtime.exec(
      workspace,
      ["find", workdir, "-maxdepth", "4", "-type", "f", "-newermt", since, "(", ...nameTests, ")", "-not", "-path", "*/.*", "-printf", "%T@ %P\\n"],
      { timeoutMs: 10_000 },
    );
    if (result.exitCode !== 0) return [];
    return result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(" ");
        return { mtime: Number(line.slice(0, space)), path: line.slice(space + 1) };
      })
      .sort((a, b) => a.mtime - b.mtime)
      .slice(-maxImages)
      .map(({ path }) => ({ path, mimeType: mimeTypes[path.split(".").pop()!.toLowerCase()] ?? "application/octet-stream" }));
  } catch (error) {
    logger.warn({ err: error, agentId }, "could not look for the turn's images");
    return [];
  }
}
