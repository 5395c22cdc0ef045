import { recordIdSchema } from "@/lib/records";
import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { errorResponse } from "@/server/auth/request-user";

/** The original platform's check: 404 `{ valid: false }` for unknown and expired sessions alike. */
export async function GET(_request: Request, context: { params: Promise<{ sessionId: string }> }): Promise<Response> {
  try {
    const { sessionId } = await context.params;
    const session = recordIdSchema.safeParse(sessionId).success
      ? await (await getAuthDependencies()).store.findGuestSession(sessionId)
      : null;
    const headers = { "Cache-Control": "no-store" };
    if (!session) return Response.json({ valid: false }, { status: 404, headers });
    return Response.json({ valid: true, user_id: session.userId, user_type: "guest", expires_at: session.expiresAt }, { headers });
  } catch (error) {
    return errorResponse(error);
  }
}
