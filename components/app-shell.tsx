import Link from "next/link";
import type { ReactNode } from "react";
import { ConnectionStatus } from "./connection-status";
import { NotificationBellLoader } from "./notifications/notification-bell-loader";
import { OfflineDemoBanner } from "./offline-demo-banner";
import { ThemeToggle } from "./theme-toggle";
import { UserMenu, type SignedInPerson, type UserMenuProps } from "./user-menu";

export function AppShell({
  children,
  offlineDemoModel,
  person,
  canKeepGuestWork = false,
  signOutAction,
}: {
  children: ReactNode;
  offlineDemoModel: boolean;
  /** Absent while signed out (the sign-in page): the socket would only be refused then. */
  person?: SignedInPerson;
  canKeepGuestWork?: boolean;
  signOutAction: UserMenuProps["signOutAction"];
}) {
  return (
    // A page that marks itself data-fills-window (the chat) gets exactly the window's height under
    // the banner and header, whatever their size; every other page grows and scrolls as usual.
    <div className="flex min-h-dvh flex-col has-[[data-fills-window]]:h-dvh">
      <OfflineDemoBanner initiallyOffline={offlineDemoModel} />
      <header className="border-b border-border bg-surface">
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-4 px-4">
          <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight text-ink">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-accent text-sm font-bold text-accent-ink">
              A
            </span>
            <span>AgentDesk</span>
          </Link>
          <div className="flex items-center gap-3">
            {person ? <ConnectionStatus /> : null}
            <ThemeToggle />
            {person ? <NotificationBellLoader /> : null}
            {person ? <UserMenu person={person} canKeepGuestWork={canKeepGuestWork} signOutAction={signOutAction} /> : null}
          </div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 has-[[data-fills-window]]:flex has-[[data-fills-window]]:min-h-0 has-[[data-fills-window]]:flex-col">{children}</main>
    </div>
  );
}
