import { recordIdSchema } from "@/lib/records";
import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { jsonRoute } from "@/server/http/json-route";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** The original platform's check: 404 `{ valid: false }` for unknown and expired sessions alike. */
export const GET = jsonRoute(async (_request: Request, context: { params: Promise<{ sessionId: string }> }) => {
  const { sessionId } = await context.params;
  const session = recordIdSchema.safeParse(sessionId).success ? await (await getAuthDependencies()).store.findGuestSession(sessionId) : null;
  if (!session) return Response.json({ valid: false }, { status: 404, headers: { "cache-control": "no-store" } });
  return { valid: true, user_id: session.userId, user_type: "guest", expires_at: session.expiresAt };
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");
