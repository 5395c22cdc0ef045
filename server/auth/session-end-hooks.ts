import { processHook } from "../hooks/process-hooks";

/**
 * Runs when a sign-in session ends before its time (sign-out, a guest merged into their account),
 * so the socket layer can disconnect the sockets that session opened: a socket is authenticated
 * once, at its handshake, and would otherwise keep speaking for a person who has signed out.
 */
const sessionEnded = processHook<[sessionKey: string]>("session-ended");

export const onSessionEnded = sessionEnded.on;
export const notifySessionEnded = sessionEnded.notify;

/** The key a session's sockets are grouped under: one per guest session, one per Google sign-in. */
export function guestSessionKey(guestSessionId: string): string {
  return `guest:${guestSessionId}`;
}

export function googleSessionKey(signInId: string): string {
  return `google:${signInId}`;
}
