import type { FileTreeResponse, UploadResponse } from "@/lib/file-api";
import { isFlagSet, readUploadRequest } from "@/server/files/file-http";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

interface AgentFilesRouteContext {
  params: Promise<{ id: string }>;
}

/** The agent's folder as a tree. `?hidden=1` includes dot files. */
export const GET = jsonRoute(async (request: Request, { params }: AgentFilesRouteContext): Promise<FileTreeResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().files.list(user, id, { hidden: isFlagSet(new URL(request.url).searchParams.get("hidden")) });
});

/** Uploads one file: the raw body with `?path=folder/name.ext`, or a multipart field "file". */
export const POST = jsonRoute(async (request: Request, { params }: AgentFilesRouteContext) => {
  const user = await requireUser(request);
  const { id } = await params;
  const upload = await readUploadRequest(request, getPlatformServices().files.limits.maxUploadBytes);
  const file = await getPlatformServices().files.upload(user, id, upload.path, upload.body, { declaredBytes: upload.declaredBytes });
  return Response.json({ file } satisfies UploadResponse, { status: 201, headers: { "cache-control": "no-store" } });
});

/** Deletes `?path=`: a file, a link, or a folder with everything in it. */
export const DELETE = jsonRoute(async (request: Request, { params }: AgentFilesRouteContext) => {
  const user = await requireUser(request);
  const { id } = await params;
  await getPlatformServices().files.delete(user, id, new URL(request.url).searchParams.get("path"));
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
});

export const { PUT, PATCH } = methodsOtherThan("GET", "POST", "DELETE");
