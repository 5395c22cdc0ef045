import Link from "next/link";

/** An address that names no agent of this person's: a page that says so, not a working-looking chat. */
export function AgentMissing() {
  return (
    <div data-testid="agent-missing" className="mx-auto max-w-md rounded-card border border-border bg-surface p-8 text-center">
      <h1 className="text-lg font-semibold">This agent isn&apos;t here</h1>
      <p className="mt-2 text-sm text-ink-muted">It may have been deleted, or the link is mistyped or belongs to someone else&apos;s account.</p>
      <Link href="/" className="mt-5 inline-block rounded-md bg-accent px-4 py-2 text-sm font-medium text-accent-ink hover:opacity-90">
        Back to your agents
      </Link>
    </div>
  );
}
