"use client";

import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { controlClasses } from "@/components/ui/field";
import { SelectField, type SelectOption } from "@/components/ui/select";
import { apiFetch, asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { AgentVisibility, Conversation } from "@/lib/records";
import { visibilityChoices } from "@/lib/agent-choices";
import type { SharingResponse, UpdateSharingBody } from "@/lib/share-api";
import type { AgentVersionEntry, VersionListResponse } from "@/lib/version-api";

/** The owner's sharing controls for one agent: who can see it, which conversation shows, the link. */
export function ShareAgentDialog({ agentId, open, onClose }: { agentId: string; open: boolean; onClose: () => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Share this agent"
      description="People with the link see its name, description, instructions and model, and the conversation you choose. Your files and other conversations stay private."
    >
      {/* Mounted only while open, so every opening starts from the agent as it is now. */}
      <ShareAgentForm agentId={agentId} onClose={onClose} />
    </Dialog>
  );
}

const noConversation = "";
/** The version choice that follows every edit (no pin). */
const latestVersion = "";

function ShareAgentForm({ agentId, onClose }: { agentId: string; onClose: () => void }) {
  const [sharing, setSharing] = useState<SharingResponse | null>(null);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [visibility, setVisibility] = useState<AgentVisibility>("private");
  const [conversationId, setConversationId] = useState(noConversation);
  const [versions, setVersions] = useState<AgentVersionEntry[]>([]);
  const [pinned, setPinned] = useState(latestVersion);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const [loaded, { conversations: list }, { versions: versionList }] = await Promise.all([
          apiFetch<SharingResponse>(`/api/agents/${agentId}/share`),
          apiFetch<{ conversations: Conversation[] }>(`/api/agents/${agentId}/conversations`),
          // Without the list the dialog still shares; it only cannot offer a pin.
          apiFetch<VersionListResponse>(`/api/agents/${agentId}/versions`).catch((): VersionListResponse => ({ versions: [] })),
        ]);
        if (cancelled) return;
        setSharing(loaded);
        setConversations(list);
        setVersions([...versionList].sort((a, b) => b.version - a.version));
        setPinned(loaded.agent.sharedVersion ? String(loaded.agent.sharedVersion) : latestVersion);
        setVisibility(loaded.agent.visibility);
        const chosen = loaded.agent.sharedConversationId;
        setConversationId(chosen && list.some((conversation) => conversation.id === chosen) ? chosen : noConversation);
      } catch (error) {
        if (!cancelled) setProblem(errorMessageFor(asErrorPayload(error)));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [agentId]);

  const save = async (body: Omit<UpdateSharingBody, "expectedVersion">) => {
    if (!sharing) return;
    setSaving(true);
    setProblem(null);
    try {
      const updated = await apiFetch<SharingResponse>(`/api/agents/${agentId}/share`, {
        method: "PATCH",
        json: { ...body, expectedVersion: sharing.agent.version } satisfies UpdateSharingBody,
      });
      setSharing(updated);
      setVisibility(updated.agent.visibility);
      setPinned(updated.agent.sharedVersion ? String(updated.agent.sharedVersion) : latestVersion);
      if (updated.agent.visibility === "private") setConversationId(noConversation);
    } catch (error) {
      setProblem(errorMessageFor(asErrorPayload(error)));
    } finally {
      setSaving(false);
    }
  };

  if (!sharing) {
    return problem ? <Problem text={problem} /> : <p className="text-sm text-ink-muted">Loading…</p>;
  }

  const current = sharing.agent;
  const isShared = sharing.shareUrl !== null;
  const unchanged =
    visibility === current.visibility &&
    (visibility === "private" || (conversationId === (current.sharedConversationId ?? noConversation) && pinned === (current.sharedVersion ? String(current.sharedVersion) : latestVersion)));
  const versionOptions: SelectOption[] = [
    { value: latestVersion, label: "Latest version: follows your edits" },
    ...versions.map((entry) => ({ value: String(entry.version), label: versionLabel(entry, current.version) })),
  ];
  const options: SelectOption[] = [
    { value: noConversation, label: "None: show only how the agent is set up" },
    ...conversations.map((conversation) => ({ value: conversation.id, label: conversationLabel(conversation) })),
  ];

  return (
    <form
      className="flex flex-col gap-5"
      onSubmit={(event) => {
        event.preventDefault();
        void save(
          visibility === "private" ? { visibility } : { visibility, sharedConversationId: conversationId || null, pinnedVersion: pinned ? Number(pinned) : null },
        );
      }}
    >
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-2 text-sm font-medium text-ink">Who can see it</legend>
        {visibilityChoices.map((choice) => (
          <VisibilityOption
            key={choice.value}
            label={choice.label}
            hint={choice.hint}
            checked={visibility === choice.value}
            onSelect={() => setVisibility(choice.value)}
          />
        ))}
      </fieldset>

      <SelectField
        label="Conversation shown on the page"
        hint={conversations.length === 0 ? "Chat with the agent first to show an example conversation." : "Visitors see it read-only, with the steps the agent took. Images are left out."}
        options={options}
        value={conversationId}
        onChange={(event) => setConversationId(event.target.value)}
        disabled={visibility === "private"}
      />

      <SelectField
        label="Version shown"
        hint="Pin a version to keep the page (and the copies people make) as it is while you keep changing the agent."
        options={versionOptions}
        value={pinned}
        onChange={(event) => setPinned(event.target.value)}
        disabled={visibility === "private"}
      />

      {isShared && sharing.shareUrl ? (
        <ShareLink url={sharing.shareUrl} revoking={saving} onRevoke={() => void save({ visibility: "private" })} />
      ) : null}

      {problem ? <Problem text={problem} /> : null}

      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onClose} disabled={saving}>
          Done
        </Button>
        <Button type="submit" variant="primary" disabled={saving || unchanged}>
          {saving ? "Saving…" : !isShared && visibility !== "private" ? "Share" : "Save"}
        </Button>
      </div>
    </form>
  );
}

function VisibilityOption({ label, hint, checked, onSelect }: { label: string; hint: string; checked: boolean; onSelect: () => void }) {
  const id = useId();
  return (
    <div className={`flex items-start gap-3 rounded-md border px-3 py-2.5 ${checked ? "border-accent bg-accent/5" : "border-border"}`}>
      <input id={id} type="radio" name="visibility" checked={checked} onChange={onSelect} aria-describedby={`${id}-hint`} className="mt-1 accent-accent" />
      <div className="min-w-0">
        <label htmlFor={id} className="text-sm font-medium text-ink">
          {label}
        </label>
        <p id={`${id}-hint`} className="text-xs text-ink-muted">
          {hint}
        </p>
      </div>
    </div>
  );
}

function ShareLink({ url, revoking, onRevoke }: { url: string; revoking: boolean; onRevoke: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopyState("copied");
    } catch {
      // Some browsers refuse the clipboard (no permission, not https): leave it selected to copy by hand.
      inputRef.current?.select();
      setCopyState("failed");
    }
  };

  return (
    <div className="flex flex-col gap-2 rounded-md border border-border p-4">
      <label htmlFor="share-link" className="text-sm font-medium text-ink">
        Link to share
      </label>
      <div className="flex gap-2">
        <input
          id="share-link"
          ref={inputRef}
          readOnly
          value={url}
          data-testid="share-link"
          onFocus={(event) => event.currentTarget.select()}
          className={`${controlClasses} h-10 border-border font-mono text-xs`}
        />
        <Button onClick={() => void copy()}>Copy link</Button>
      </div>
      <p role="status" className="min-h-4 text-xs text-ink-muted">
        {copyState === "copied" ? "Copied to the clipboard." : copyState === "failed" ? "Press Ctrl+C (⌘C on a Mac) to copy the selected link." : ""}
      </p>
      <div className="flex flex-col gap-2 rounded-md border border-danger/30 bg-danger/5 px-3 py-2.5 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-xs text-ink-muted">Revoking stops this link working at once. Sharing again makes a new link.</p>
        <Button variant="danger" size="sm" onClick={onRevoke} disabled={revoking}>
          Revoke link
        </Button>
      </div>
    </div>
  );
}

function Problem({ text }: { text: string }) {
  return (
    <p role="alert" className="rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
      {text}
    </p>
  );
}

function versionLabel(entry: AgentVersionEntry, currentVersion: number): string {
  const day = new Date(entry.createdAt).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `Version ${entry.version} (${day})${entry.version === currentVersion ? ", the current one" : ""}`;
}

function conversationLabel(conversation: Conversation): string {
  const title = conversation.title.trim() || "Untitled conversation";
  const day = new Date(conversation.updatedAt).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `${title} (${day})`;
}
