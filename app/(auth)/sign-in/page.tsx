import type { Metadata } from "next";
import Link from "next/link";
import { configuredSignInProviders } from "@/server/auth/auth-options";
import { safeCallbackUrl } from "@/server/auth/callback-url";
import { guestLimitCode } from "@/server/limits/guest-signups";
import { continueAsGuest, continueWithGoogle } from "../actions";
import { auth } from "../auth";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

// Auth.js names what went wrong in ?error=; people get a sentence and a next step instead.
const problems: Record<string, string> = {
  AccessDenied: "Google did not confirm an email address for that account, so we couldn't sign you in. Try another account.",
  CredentialsSignin: "We couldn't start a guest session. Please try again in a moment.",
  CallbackRouteError: "Signing in didn't finish. Please try again.",
  OAuthCallbackError: "Signing in with Google didn't finish. Please try again.",
  OAuthSignInError: "We couldn't reach Google. Please try again in a moment.",
  Configuration: "Signing in failed on our side. Please try again in a moment.",
};
const fallbackProblem = "Signing in didn't work. Please try again.";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(first(params.callbackUrl));
  const errorCode = first(params.error);
  const problem =
    first(params.code) === guestLimitCode
      ? "Too many guest sessions were started from your network in the last hour. Try again later, or continue with Google."
      : errorCode
        ? (problems[errorCode] ?? fallbackProblem)
        : undefined;
  const providers = configuredSignInProviders();
  const session = await auth();
  const signedInAs = session?.user;

  return (
    <section aria-labelledby="sign-in-title" className="mx-auto flex max-w-sm flex-col gap-6 pt-6 sm:pt-12">
      <div className="rounded-card border border-border bg-surface p-8 shadow-card">
        <h1 id="sign-in-title" className="text-xl font-semibold tracking-tight text-ink">
          Sign in to AgentDesk
        </h1>
        <p className="mt-2 text-sm text-ink-muted">Your agents work in a private workspace that only you can reach.</p>

        {problem ? (
          <p role="alert" className="mt-5 rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
            {problem}
          </p>
        ) : null}

        {signedInAs?.type === "guest" ? (
          <p className="mt-5 rounded-md border border-border bg-surface-muted px-3 py-2 text-sm text-ink-muted">
            {providers.google ? (
              "You're using a guest session. Continue with Google to keep your agents, conversations and files in your own account."
            ) : (
              <>
                You’re using a guest session.{" "}
                <Link href={callbackUrl} className="font-medium text-accent underline-offset-2 hover:underline">
                  Continue
                </Link>
              </>
            )}
          </p>
        ) : null}
        {signedInAs?.type === "google" ? (
          <p className="mt-5 rounded-md border border-border bg-surface-muted px-3 py-2 text-sm text-ink-muted">
            You’re signed in as {signedInAs.name ?? signedInAs.email}.{" "}
            <Link href={callbackUrl} className="font-medium text-accent underline-offset-2 hover:underline">
              Continue
            </Link>
          </p>
        ) : null}

        <div className="mt-6 flex flex-col gap-3">
          {providers.google ? (
            <form action={continueWithGoogle}>
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <button
                type="submit"
                className="flex w-full items-center justify-center gap-3 rounded-md border border-border bg-surface px-4 py-2.5 text-sm font-medium text-ink transition-colors hover:bg-surface-muted"
              >
                <GoogleMark />
                Continue with Google
              </button>
            </form>
          ) : null}
          {signedInAs?.type !== "guest" ? (
            <form action={continueAsGuest}>
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <button
                type="submit"
                className={
                  providers.google
                    ? "w-full rounded-md px-4 py-2.5 text-sm font-medium text-ink-muted transition-colors hover:bg-surface-muted hover:text-ink"
                    : "w-full rounded-md bg-accent px-4 py-2.5 text-sm font-medium text-accent-ink transition-opacity hover:opacity-90"
                }
              >
                Continue as guest
              </button>
            </form>
          ) : null}
        </div>

        {signedInAs?.type !== "guest" ? (
          <p className="mt-6 text-xs leading-relaxed text-ink-muted">
            No account needed to try it: a guest session lasts 24 hours.
            {providers.google ? " Sign in with Google any time to keep what you made." : null}
          </p>
        ) : null}
      </div>
    </section>
  );
}

function GoogleMark() {
  return (
    <svg aria-hidden viewBox="0 0 18 18" className="h-4 w-4">
      <path fill="#4285F4" d="M17.64 9.2c0-.64-.06-1.25-.16-1.84H9v3.48h4.84a4.14 4.14 0 0 1-1.8 2.72v2.26h2.92c1.7-1.57 2.68-3.88 2.68-6.62z" />
      <path fill="#34A853" d="M9 18c2.43 0 4.47-.8 5.96-2.18l-2.92-2.26c-.8.54-1.84.86-3.04.86-2.34 0-4.32-1.58-5.03-3.7H.96v2.33A9 9 0 0 0 9 18z" />
      <path fill="#FBBC05" d="M3.97 10.72A5.4 5.4 0 0 1 3.68 9c0-.6.1-1.18.29-1.72V4.95H.96A9 9 0 0 0 0 9c0 1.45.35 2.83.96 4.05l3.01-2.33z" />
      <path fill="#EA4335" d="M9 3.58c1.32 0 2.5.45 3.44 1.35l2.58-2.58A9 9 0 0 0 .96 4.95l3.01 2.33C4.68 5.16 6.66 3.58 9 3.58z" />
    </svg>
  );
}
