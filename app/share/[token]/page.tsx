import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { auth } from "@/app/(auth)/auth";
import { SharedAgentView } from "@/components/share/shared-agent-view";
import { AppError } from "@/lib/errors";
import { sharePath } from "@/lib/share-api";
import { signInUrlFor } from "@/server/auth/callback-url";
import { getPlatformServices } from "@/server/platform-services";

export const dynamic = "force-dynamic";

type Params = Promise<{ token: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// The metadata and the page read the same shared agent: once per request.
const loadSharedAgent = cache(async (token: string) => {
  try {
    return await getPlatformServices().sharing.getShared(token);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  }
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const shared = await loadSharedAgent((await params).token);
  if (!shared) return { title: "Link not available", robots: { index: false } };
  // Only a public agent is meant to be found; a link-only one is for those who were sent it.
  return { title: shared.name, description: shared.description || undefined, robots: { index: shared.visibility === "public" } };
}

/** Public: proxy.ts lets /share through without a session. */
export default async function SharedAgentPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { token } = await params;
  const shared = await loadSharedAgent(token);
  if (!shared) notFound();
  const session = await auth();
  const backFromSignIn = (await searchParams).use === "1";
  return (
    <SharedAgentView
      shared={shared}
      shareToken={token}
      signedIn={Boolean(session?.user)}
      signInHref={signInUrlFor(`${sharePath(token)}?use=1`)}
      backFromSignIn={backFromSignIn}
    />
  );
}
