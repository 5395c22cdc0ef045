"use client";

import Link from "next/link";
import { useTransition } from "react";

export interface SignedInPerson {
  name: string;
  email?: string;
  type: "guest" | "google";
}

export interface UserMenuProps {
  person: SignedInPerson;
  canKeepGuestWork: boolean;
  /** The sign-out server action, passed down from the root layout: components don't import app/. */
  signOutAction: () => Promise<void>;
}

/** The header's account menu: who is signed in, keeping a guest's work, and signing out. */
export function UserMenu({ person, canKeepGuestWork, signOutAction }: UserMenuProps) {
  const isGuest = person.type === "guest";
  const [signingOut, startSignOut] = useTransition();
  const signOut = () =>
    startSignOut(async () => {
      await signOutAction();
      // A full load, not a client navigation: it also closes this tab's socket, which would
      // otherwise stay connected as the person who just left.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/sign-in");
    });
  return (
    <details className="relative" data-testid="user-menu">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-full border border-border bg-surface py-1 pr-3 pl-1 text-sm font-medium text-ink hover:bg-surface-muted [&::-webkit-details-marker]:hidden">
        <span aria-hidden className="grid h-6 w-6 place-items-center rounded-full bg-surface-muted text-xs font-semibold text-ink-muted">
          {person.name.trim().charAt(0).toUpperCase() || "?"}
        </span>
        <span className="max-w-40 truncate" data-testid="user-name">
          {person.name}
        </span>
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-72 rounded-card border border-border bg-surface p-2 text-sm shadow-card">
        <div className="px-3 py-2">
          <p className="font-medium text-ink">{person.name}</p>
          <p className="text-xs text-ink-muted">{isGuest ? "Guest session: lasts 24 hours" : person.email}</p>
        </div>
        {isGuest && canKeepGuestWork ? (
          <Link href="/sign-in" className="block rounded-md px-3 py-2 text-accent hover:bg-surface-muted">
            Sign in with Google to keep your work
          </Link>
        ) : null}
        <button
          type="button"
          onClick={signOut}
          disabled={signingOut}
          className="w-full rounded-md px-3 py-2 text-left text-ink hover:bg-surface-muted disabled:opacity-60"
        >
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
        {isGuest ? <p className="px-3 pt-1 pb-2 text-xs text-ink-muted">Signing out ends your guest session and its agents.</p> : null}
      </div>
    </details>
  );
}
