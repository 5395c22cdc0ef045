import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { recordIdSchema } from "../../lib/records";
import type { ActingUser } from "../agents/agent-ownership";

/**
 * Short-lived links to one agent-made file on FILES_ORIGIN. That origin never sees a session (its
 * listener reads no cookie), so the link itself says whose file it is, signed with the auth secret
 * (HMAC-SHA256) and good until `exp`. Opening the file still goes through the files service as
 * that person, so a link can never reach further than its signer could.
 */

export interface FileLink {
  userId: string;
  agentId: string;
  path: string;
  /** Milliseconds since 1970. */
  expiresAt: number;
}

export const fileLinkPath = "/files";

const linkQuerySchema = z.object({
  u: recordIdSchema,
  a: recordIdSchema,
  p: z.string().min(1).max(4096),
  exp: z.coerce.number().int().positive(),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

function signatureOf(link: FileLink, secret: string): Buffer {
  // Newlines cannot occur in ids or the timestamp, and the path comes last, so fields can't run together.
  return createHmac("sha256", `file-link:${secret}`).update(`${link.userId}\n${link.agentId}\n${link.expiresAt}\n${link.path}`).digest();
}

export function signedFileLink(filesOrigin: string, link: FileLink, secret: string): string {
  const query = new URLSearchParams({ u: link.userId, a: link.agentId, p: link.path, exp: String(link.expiresAt), sig: signatureOf(link, secret).toString("base64url") });
  return `${filesOrigin}${fileLinkPath}?${query.toString()}`;
}

const refusal = "This file link is not valid or has expired. Open the file again from the app to get a new one.";

/** The person and file a link stands for; throws forbidden for a forged, altered or expired link. */
export function verifyFileLink(query: URLSearchParams, secret: string, now: number = Date.now()): { user: ActingUser; agentId: string; path: string } {
  const parsed = linkQuerySchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) throw new AppError("forbidden", refusal);
  const { u, a, p, exp, sig } = parsed.data;
  const link: FileLink = { userId: u, agentId: a, path: p, expiresAt: exp };
  const given = Buffer.from(sig, "base64url");
  const expected = signatureOf(link, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || exp <= now) throw new AppError("forbidden", refusal);
  return { user: { userId: u }, agentId: a, path: p };
}
