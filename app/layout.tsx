import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { signOutOfAgentDesk } from "@/app/(auth)/actions";
import { auth } from "@/app/(auth)/auth";
import { AppShell } from "@/components/app-shell";
import { configuredSignInProviders } from "@/server/auth/auth-options";
import { loadConfig, usesOfflineDemoModel } from "@/server/config";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "AgentDesk", template: "%s · AgentDesk" },
  description: "Create AI agents that analyse data, write code and make charts in a workspace of their own.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Applied before paint so dark-mode users never see a white flash.
const themeScript = `try{var t=localStorage.getItem("theme");if(t==="dark"||(!t&&matchMedia("(prefers-color-scheme: dark)").matches))document.documentElement.classList.add("dark")}catch(e){}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const offlineDemoModel = usesOfflineDemoModel(loadConfig());
  const user = (await auth())?.user;
  // proxy.ts makes a nonce per request; the CSP lets only nonced inline scripts run.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  const person = user ? { name: user.name ?? user.email ?? "Guest", email: user.email ?? undefined, type: user.type } : undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <AppShell offlineDemoModel={offlineDemoModel} person={person} canKeepGuestWork={configuredSignInProviders().google} signOutAction={signOutOfAgentDesk}>
          {children}
        </AppShell>
      </body>
    </html>
  );
}
