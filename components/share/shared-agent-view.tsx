import { Badge } from "@/components/ui/badge";
import type { SharedAgent } from "@/lib/share-api";
import { SharedTranscript } from "./shared-transcript";
import { UseAgentButton } from "./use-agent-button";

export interface SharedAgentViewProps {
  shared: SharedAgent;
  shareToken: string;
  signedIn: boolean;
  /** Where "Use this agent" leads a signed-out visitor: sign-in, then back to this page. */
  signInHref: string;
  /** Back from signing in to use the agent: one more click makes the copy. */
  backFromSignIn: boolean;
}

/** The share page: what the agent is and how it is set up, and the conversation its owner chose to show. */
export function SharedAgentView({ shared, shareToken, signedIn, signInHref, backFromSignIn }: SharedAgentViewProps) {
  const { transcript } = shared;
  return (
    <article className="mx-auto flex max-w-3xl flex-col gap-6" aria-labelledby="shared-agent-name">
      <header className="rounded-card border border-border bg-surface p-6 shadow-card">
        <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0">
            <p className="text-xs font-medium tracking-wide text-ink-muted uppercase">Shared agent</p>
            <h1 id="shared-agent-name" className="mt-1 text-2xl font-semibold tracking-tight text-ink" data-testid="shared-agent-name">
              {shared.name}
            </h1>
            {shared.description ? <p className="mt-2 text-sm text-ink-muted">{shared.description}</p> : null}
            <div className="mt-3 flex flex-wrap gap-2">
              <Badge tone="accent" data-testid="shared-agent-model">
                {shared.model}
              </Badge>
              {shared.pinnedVersion ? <Badge data-testid="shared-agent-version">Version {shared.pinnedVersion}</Badge> : null}
              <Badge>Read-only</Badge>
            </div>
          </div>
          <UseAgentButton shareToken={shareToken} signedIn={signedIn} signInHref={signInHref} />
        </div>
        {backFromSignIn && signedIn ? (
          <p role="status" data-testid="share-signed-in-notice" className="mt-4 rounded-md border border-accent/30 bg-accent/5 px-3 py-2 text-sm text-ink">
            You’re signed in. Choose <strong>Use this agent</strong> to add your own copy to your agents.
          </p>
        ) : (
          <p className="mt-4 text-sm text-ink-muted">
            Using it adds your own copy to your agents: it works in your workspace, and you can change it however you like.
          </p>
        )}
      </header>

      <section aria-labelledby="shared-instructions" className="rounded-card border border-border bg-surface p-6 shadow-card">
        <h2 id="shared-instructions" className="text-base font-semibold text-ink">
          Instructions
        </h2>
        {shared.instructions.trim() ? (
          <div
            data-testid="shared-agent-instructions"
            className="mt-3 max-h-96 overflow-y-auto rounded-md bg-surface-muted px-4 py-3 text-sm leading-relaxed whitespace-pre-wrap text-ink"
          >
            {shared.instructions}
          </div>
        ) : (
          <p className="mt-2 text-sm text-ink-muted">This agent has no instructions: it answers as the model does by default.</p>
        )}
      </section>

      <section aria-labelledby="shared-conversation" className="rounded-card border border-border bg-surface p-6 shadow-card">
        <h2 id="shared-conversation" className="text-base font-semibold text-ink">
          {transcript ? `Example conversation${transcript.title ? `: ${transcript.title}` : ""}` : "Example conversation"}
        </h2>
        {transcript && transcript.messages.length > 0 ? (
          <div className="mt-5">
            <SharedTranscript messages={transcript.messages} shareToken={shareToken} />
            {transcript.truncated ? <p className="mt-6 text-sm text-ink-muted">The conversation goes on; the share page shows its beginning.</p> : null}
          </div>
        ) : (
          <p className="mt-2 text-sm text-ink-muted">The owner didn’t include a conversation with this link.</p>
        )}
      </section>
    </article>
  );
}
