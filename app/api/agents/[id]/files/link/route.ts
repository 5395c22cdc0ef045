import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { FileLinkResponse } from "@/lib/file-api";
import { findOwnedAgent } from "@/server/agents/agent-ownership";
import { getAuthConfig } from "@/server/auth/auth-config";
import { signedFileLink } from "@/server/files/file-links";
import { jsonRoute } from "@/server/http/json-route";
import { methodsOtherThan } from "@/server/http/method-not-allowed";
import { parseInput } from "@/server/http/parse-query";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";

interface AgentFileLinkRouteContext {
  params: Promise<{ id: string }>;
}

const querySchema = z.object({ path: z.string().min(1).max(4096) });

/**
 * A short-lived signed link that shows an agent-made page from FILES_ORIGIN, where it runs away
 * from the app's origin and cookies. Without FILES_ORIGIN such pages are only downloaded.
 */
export const GET = jsonRoute(async (request: Request, { params }: AgentFileLinkRouteContext): Promise<FileLinkResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  const { path } = parseInput(querySchema, Object.fromEntries(new URL(request.url).searchParams));
  const services = getPlatformServices();
  await findOwnedAgent(services.store, user, id);
  const filesOrigin = services.config.FILES_ORIGIN;
  if (!filesOrigin) {
    throw new AppError("not_found", "This server does not show pages made by agents (FILES_ORIGIN is not set): download the file to open it.");
  }
  const expiresAt = Date.now() + services.config.FILES_LINK_MINUTES * 60_000;
  return { url: signedFileLink(filesOrigin, { userId: user.userId, agentId: id, path, expiresAt }, getAuthConfig().secret), expiresAt: new Date(expiresAt).toISOString() };
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");
