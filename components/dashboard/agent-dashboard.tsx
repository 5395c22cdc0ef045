"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import type { AgentSummary } from "@/lib/agent-api";
import { errorMessageFor } from "@/lib/error-messages";
import type { ErrorPayload } from "@/lib/errors";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { AgentsStoreContext, createAgentsStore, useAgentsStore, type AgentsInitialData } from "@/stores/agents-store";
import { AgentCard } from "./agent-card";
import { LineIcon } from "./agent-icon";
import { CreateAgentDialog, TemplatePicker, type CreateStep } from "./create-agent-dialog";

// The edit and delete dialogs (with the agent form) load when first needed, not with the dashboard.
// React.lazy rather than next/dynamic: the dashboard then carries no loader runtime of its own.
const EditAgentDialog = lazy(() => import("./edit-agent-dialog").then((module) => ({ default: module.EditAgentDialog })));
const DeleteAgentDialog = lazy(() => import("./delete-agent-dialog").then((module) => ({ default: module.DeleteAgentDialog })));

const searchDelayMs = 250;
const refreshMs = 30_000;
// While an agent works, its card should notice soon that it finished (or failed).
const refreshWhileRunningMs = 5_000;

export type DashboardInitialData = AgentsInitialData;

/**
 * The dashboard: the person's agents as cards, with creating, editing, duplicating and deleting.
 * `initialData` is what the server read for the first paint; without it the agents load here.
 */
export function AgentDashboard({ initialData }: { initialData?: DashboardInitialData }) {
  // One store per mount, never at module level: the server renders this too.
  const [store] = useState(() => createAgentsStore(initialData));
  return (
    <AgentsStoreContext value={store}>
      <DashboardView loadedOnServer={initialData !== undefined} />
    </AgentsStoreContext>
  );
}

function DashboardView({ loadedOnServer }: { loadedOnServer: boolean }) {
  const agents = useAgentsStore((state) => state.agents);
  const listStatus = useAgentsStore((state) => state.listStatus);
  const listError = useAgentsStore((state) => state.listError);
  const query = useAgentsStore((state) => state.query);
  const templates = useAgentsStore((state) => state.templates);
  const busyAgentIds = useAgentsStore((state) => state.busyAgentIds);
  const loadAgents = useAgentsStore((state) => state.loadAgents);
  const loadTemplates = useAgentsStore((state) => state.loadTemplates);
  const setQuery = useAgentsStore((state) => state.setQuery);
  const duplicateAgent = useAgentsStore((state) => state.duplicateAgent);

  const router = useRouter();
  const [createStep, setCreateStep] = useState<CreateStep | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [deletingId, setDeletingId] = useState<string | null>(null);
  const now = useNow(60_000);
  // A new agent is made to be talked to: its chat opens, whether it came from a template or blank.
  const openChat = (agent: AgentSummary) => router.push(`/agents/${encodeURIComponent(agent.id)}`);

  useEffect(() => {
    void loadTemplates();
  }, [loadTemplates]);

  // The list the server rendered is current: the first load here would only fetch it again.
  const skipFirstLoad = useRef(loadedOnServer);
  useEffect(() => {
    if (skipFirstLoad.current) {
      skipFirstLoad.current = false;
      return;
    }
    const timer = setTimeout(() => void loadAgents(), query.trim() === "" ? 0 : searchDelayMs);
    return () => clearTimeout(timer);
  }, [query, loadAgents]);

  const anyRunning = agents.some((agent) => agent.status === "running");
  useEffect(() => {
    const refreshIfVisible = () => {
      if (document.visibilityState === "visible") void loadAgents();
    };
    const timer = setInterval(refreshIfVisible, anyRunning ? refreshWhileRunningMs : refreshMs);
    window.addEventListener("focus", refreshIfVisible);
    document.addEventListener("visibilitychange", refreshIfVisible);
    return () => {
      clearInterval(timer);
      window.removeEventListener("focus", refreshIfVisible);
      document.removeEventListener("visibilitychange", refreshIfVisible);
    };
  }, [anyRunning, loadAgents]);

  const iconsByTemplate = useMemo(() => new Map(templates.map((template) => [template.id, template.icon])), [templates]);
  const editing = agents.find((agent) => agent.id === editingId) ?? null;
  const deleting = agents.find((agent) => agent.id === deletingId) ?? null;
  const searching = query.trim() !== "";
  const hasNoAgentsAtAll = listStatus === "ready" && agents.length === 0 && !searching;
  const showsToolbar = listStatus === "ready" && !hasNoAgentsAtAll;

  return (
    <section aria-labelledby="dashboard-title" className="space-y-6">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 id="dashboard-title" className="text-2xl font-semibold tracking-tight">
            Your agents
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-ink-muted">
            Each agent works in a private workspace of its own: it writes and runs code, builds spreadsheets and charts, and explains
            what it did.
          </p>
        </div>
        {showsToolbar ? (
          <Button variant="primary" onClick={() => setCreateStep("templates")} className="self-start sm:self-auto">
            <span aria-hidden className="text-base leading-none">
              +
            </span>
            New agent
          </Button>
        ) : null}
      </div>

      {showsToolbar ? (
        <div className="relative max-w-md">
          <label htmlFor="agent-search" className="sr-only">
            Search agents
          </label>
          <span aria-hidden className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-ink-muted">
            <LineIcon name="search" className="h-4 w-4" />
          </span>
          <Input
            id="agent-search"
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            placeholder="Search by name or description"
            className="pl-9"
            autoComplete="off"
          />
        </div>
      ) : null}

      <DashboardNotice />

      {listStatus === "idle" || listStatus === "loading" ? (
        <LoadingCards />
      ) : listStatus === "error" && listError ? (
        <LoadError error={listError} onRetry={() => void loadAgents()} />
      ) : hasNoAgentsAtAll ? (
        <EmptyState
          icon={<LineIcon name="sparkles" className="h-6 w-6 text-accent" />}
          title="Create your first agent"
          description="Pick a template below to get an agent that already knows its job (analysing a spreadsheet, summarising a web page, making a chart), or start from a blank agent. You can change everything later."
        >
          <div className="text-left">
            <TemplatePicker onBlank={() => setCreateStep("blank")} onCreated={openChat} />
          </div>
        </EmptyState>
      ) : agents.length === 0 ? (
        <EmptyState
          icon={<LineIcon name="search" className="h-6 w-6 text-ink-muted" />}
          title={`No agents match “${query.trim()}”`}
          description="Search looks at names and descriptions. Try another word, or clear the search to see all your agents."
        >
          <Button variant="secondary" onClick={() => setQuery("")}>
            Clear search
          </Button>
        </EmptyState>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Agents">
          {agents.map((agent) => (
            <li key={agent.id} className="flex flex-col [&>article]:flex-1">
              <AgentCard
                agent={agent}
                icon={agent.templateId ? iconsByTemplate.get(agent.templateId) : undefined}
                now={now}
                busy={busyAgentIds.includes(agent.id)}
                onEdit={() => setEditingId(agent.id)}
                onDuplicate={() => void duplicateAgent(agent.id)}
                onDelete={() => setDeletingId(agent.id)}
              />
            </li>
          ))}
        </ul>
      )}

      <CreateAgentDialog
        step={createStep}
        onStepChange={setCreateStep}
        onClose={() => setCreateStep(null)}
        onCreated={openChat}
      />
      <Suspense fallback={null}>
        {editing ? <EditAgentDialog agent={editing} onClose={() => setEditingId(null)} /> : null}
        {deleting ? <DeleteAgentDialog agent={deleting} onClose={() => setDeletingId(null)} /> : null}
      </Suspense>
    </section>
  );
}

function DashboardNotice() {
  const notice = useAgentsStore((state) => state.notice);
  const dismissNotice = useAgentsStore((state) => state.dismissNotice);

  useEffect(() => {
    if (!notice || notice.tone === "error") return;
    const timer = setTimeout(dismissNotice, 6_000);
    return () => clearTimeout(timer);
  }, [notice, dismissNotice]);

  // The live region stays mounted so screen readers announce each new notice.
  return (
    <div role="status" aria-live="polite" data-testid="dashboard-notice">
      {notice ? (
        <div
          className={`flex items-start justify-between gap-3 rounded-md border px-4 py-2.5 text-sm ${
            notice.tone === "success" ? "border-success/30 bg-success/5 text-ink" : "border-danger/30 bg-danger/5 text-danger"
          }`}
        >
          <p>
            <span aria-hidden className={notice.tone === "success" ? "mr-2 text-success" : "mr-2"}>
              {notice.tone === "success" ? "✓" : "!"}
            </span>
            {notice.message}
          </p>
          <button type="button" onClick={dismissNotice} className="-my-0.5 rounded px-1 text-ink-muted hover:text-ink" aria-label="Dismiss">
            <span aria-hidden>×</span>
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Only when the server could not render the list: says what is happening, not just grey boxes. */
function LoadingCards() {
  return (
    <div aria-busy="true" data-testid="agents-loading">
      <p className="mb-3 text-sm text-ink-muted">Loading your agents…</p>
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-hidden>
        {Array.from({ length: 3 }, (_, index) => (
          <li key={index} className="flex h-44 flex-col gap-3 rounded-card border border-border bg-surface p-5 shadow-card">
            <span className="h-4 w-1/2 animate-pulse rounded bg-surface-muted" />
            <span className="h-3 w-5/6 animate-pulse rounded bg-surface-muted" />
            <span className="h-3 w-2/3 animate-pulse rounded bg-surface-muted" />
          </li>
        ))}
      </ul>
    </div>
  );
}

function LoadError({ error, onRetry }: { error: ErrorPayload; onRetry: () => void }) {
  const signedOut = error.code === "unauthorized";
  return (
    <div role="alert" className="rounded-card border border-danger/30 bg-surface p-6 shadow-card">
      <h2 className="text-base font-semibold text-ink">{signedOut ? "You're signed out" : "Your agents could not be loaded"}</h2>
      <p className="mt-1 text-sm text-ink-muted">{errorMessageFor(error)}</p>
      <div className="mt-4 flex flex-wrap gap-2">
        {signedOut ? (
          <Link href="/sign-in?callbackUrl=%2F" className={buttonClasses("primary")}>
            Sign in
          </Link>
        ) : (
          <Button variant="primary" onClick={onRetry}>
            Try again
          </Button>
        )}
      </div>
    </div>
  );
}

/** The current time, ticking, so "5 minutes ago" stays true while the page is open. */
function useNow(intervalMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
