"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { ApiError, apiFetch, asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { UseSharedAgentResponse } from "@/lib/share-api";

/**
 * Copies the shared agent into the visitor's own account and opens it. Signed out, it leads to
 * sign-in first, which brings the visitor back here for the one click that makes the copy.
 */
export function UseAgentButton({ shareToken, signedIn, signInHref }: { shareToken: string; signedIn: boolean; signInHref: string }) {
  const router = useRouter();
  const [copying, setCopying] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  if (!signedIn) {
    return (
      <Link href={signInHref} className={buttonClasses("primary")}>
        Use this agent
      </Link>
    );
  }

  const copy = async () => {
    setCopying(true);
    setProblem(null);
    try {
      const { agent } = await apiFetch<UseSharedAgentResponse>(`/api/share/${encodeURIComponent(shareToken)}/use`, { method: "POST" });
      router.push(`/agents/${agent.id}`);
    } catch (error) {
      // The session ended since the page was drawn (a guest's lasts a day): sign in, then back.
      if (error instanceof ApiError && error.status === 401) {
        window.location.assign(signInHref);
        return;
      }
      setProblem(errorMessageFor(asErrorPayload(error)));
      setCopying(false);
    }
  };

  return (
    <div className="flex flex-col items-start gap-2 sm:items-end">
      <Button variant="primary" onClick={() => void copy()} disabled={copying}>
        {copying ? "Copying…" : "Use this agent"}
      </Button>
      {problem ? (
        <p role="alert" className="max-w-xs text-sm text-danger">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
