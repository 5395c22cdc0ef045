"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { redirect } from "next/navigation";
import { googleProviderId, guestProviderId } from "@/server/auth/auth-options";
import { safeCallbackUrl } from "@/server/auth/callback-url";
import { signInPath } from "@/server/auth/sign-in-path";
import { signIn, signOut } from "./auth";

async function signInWith(provider: string, formData: FormData): Promise<void> {
  const callbackUrl = safeCallbackUrl(formData.get("callbackUrl"));
  try {
    await signIn(provider, { redirectTo: callbackUrl });
  } catch (error) {
    // signIn finishes by throwing Next's redirect, which must go through untouched.
    if (!(error instanceof AuthError)) throw error;
    const code = error instanceof CredentialsSignin ? error.code : undefined;
    redirect(`${signInPath}?${new URLSearchParams({ error: error.type, callbackUrl, ...(code ? { code } : {}) })}`);
  }
}

export async function continueWithGoogle(formData: FormData): Promise<void> {
  await signInWith(googleProviderId, formData);
}

export async function continueAsGuest(formData: FormData): Promise<void> {
  await signInWith(guestProviderId, formData);
}

/** Ends the session without redirecting: the caller reloads the page so its socket closes too. */
export async function signOutOfAgentDesk(): Promise<void> {
  await signOut({ redirect: false });
}
