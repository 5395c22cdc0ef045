import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** What a dead share link shows: revoked and never-existed look the same, so a link leaks nothing. */
export function LinkRevoked() {
  return (
    <div className="mx-auto max-w-lg pt-6 sm:pt-12" data-testid="share-link-revoked">
      <EmptyState
        icon={<BrokenLinkIcon />}
        title="This link no longer works"
        description="Its owner stopped sharing this agent, or the link never existed. Ask them for a new link."
      >
        <Link href="/" className={buttonClasses("secondary")}>
          Go to AgentDesk
        </Link>
      </EmptyState>
    </div>
  );
}

function BrokenLinkIcon() {
  return (
    <svg aria-hidden viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.75} strokeLinecap="round" strokeLinejoin="round" className="h-6 w-6 text-ink-muted">
      <path d="M9 15l-1.5 1.5a3.5 3.5 0 0 1-5-5L4 10" />
      <path d="M15 9l1.5-1.5a3.5 3.5 0 0 1 5 5L20 14" />
      <path d="M8.5 12.5 10 11M14 13l1.5-1.5" />
      <path d="M4 4l2 2M20 20l-2-2M9 3v2M3 9h2M15 21v-2M21 15h-2" />
    </svg>
  );
}
