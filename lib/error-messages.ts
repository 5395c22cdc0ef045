import type { ErrorCode, ErrorPayload } from "./errors";

// The sentences the UI shows for each error code. Kept apart from the AppError class so that pages
// load only these words, not the server's error machinery.

const nextSteps: Partial<Record<ErrorCode, string>> = {
  unauthorized: "Your session has ended. Sign in again to continue.",
  forbidden: "You don't have access to this. Ask its owner to share it with you.",
  not_found: "This no longer exists. It may have been deleted.",
  rate_limited: "You're sending messages faster than allowed. Wait a moment, then try again.",
  quota_exceeded: "You've reached a limit of your account. Free something up (finish, stop or delete), then try again.",
  payload_too_large: "That's too large. Try a shorter message or a smaller file.",
  workspace_unavailable: "Your workspace could not be started. Try again in a minute; if it keeps failing, contact support.",
  workspace_lost: "Your workspace stopped unexpectedly. Send your message again: it will be restarted.",
  model_unavailable: "The AI model could not be reached. Try again in a moment.",
  shutting_down: "The platform is restarting. You'll be reconnected automatically.",
  store_unavailable: "Nothing already saved is lost.",
  internal: "Something went wrong on our side. Please try again in a moment.",
};

export function errorMessageFor(payload: ErrorPayload): string {
  const advice = nextSteps[payload.code];
  if (!advice || payload.message === advice) return payload.message;
  return `${payload.message} ${advice}`;
}
