import { z } from "zod";
import { messageText } from "../../lib/message-text";
import type { Message, Run } from "../../lib/records";
import type { AgentUsageMonth, RunSummary } from "../../lib/run-api";
import { runTriggerSchema } from "../../lib/records";
import type { PlatformStore } from "../store/store";

/**
 * An agent's run history: each run with its conversation's title, what the agent said (trimmed)
 * and the files it produced, read from the reply the run wrote.
 */

export type { RunSummary };

export const listRunsQuerySchema = z
  .object({
    trigger: runTriggerSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(30),
  })
  .strict();
export type ListRunsQuery = z.input<typeof listRunsQuerySchema>;

const previewChars = 300;
// Runs are fetched in one page and filtered by trigger and owner: enough for a history page.
const runsScanned = 500;

export function outputPreviewOf(reply: Pick<Message, "content"> | undefined): string {
  if (!reply) return "";
  const text = reply.content
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("\n\n")
    .replace(/\s+/g, " ")
    .trim();
  return text.length <= previewChars ? text : `${text.slice(0, previewChars - 1).trimEnd()}…`;
}

export function filesOf(reply: Pick<Message, "content"> | undefined): string[] {
  if (!reply) return [];
  return reply.content.flatMap((block) => (block.type === "image" || block.type === "file" ? [block.path] : []));
}

/** The message a run answered: the person's last one before the run started. */
export function promptOfRun(run: Pick<Run, "startedAt">, messages: readonly Message[]): string {
  const question = messages.findLast((message) => message.role === "user" && message.createdAt <= run.startedAt);
  const text = question ? messageText(question).replace(/\s+/g, " ") : "";
  return text.length <= previewChars ? text : `${text.slice(0, previewChars - 1).trimEnd()}…`;
}

/**
 * The reply a run wrote: a run is created right after its prompt and right before its reply, so
 * the reply is the first assistant message created at or after the run started.
 */
export function replyOfRun(run: Pick<Run, "startedAt">, messages: readonly Message[]): Message | undefined {
  return messages.find((message) => message.role === "assistant" && message.createdAt >= run.startedAt);
}

type RunDetails = Map<string, { title: string; messages: Message[] }>;

/** Each run's conversation title and its newest messages, read once per conversation. */
async function loadRunDetails(store: PlatformStore, runs: readonly Run[]): Promise<RunDetails> {
  const details: RunDetails = new Map();
  await Promise.all(
    [...new Set(runs.map((run) => run.conversationId))].map(async (conversationId) => {
      const conversation = await store.getConversation(conversationId).catch(() => null);
      if (!conversation) return;
      // The newest messages hold the newest runs' replies; older runs of a long chat may fall outside.
      const afterSeq = Math.max(0, conversation.lastSeq - 200);
      details.set(conversationId, { title: conversation.title, messages: await store.listMessages(conversationId, { afterSeq, limit: 500 }) });
    }),
  );
  return details;
}

/** The person's runs of the agent, newest first (a visitor's chats on a shared agent are theirs, not the owner's history). */
async function ownersRuns(store: PlatformStore, agentId: string, ownerId: string): Promise<Run[]> {
  return (await store.listRunsByAgent(agentId, { limit: runsScanned })).filter((run) => run.ownerId === ownerId);
}

export async function summarizeRuns(store: PlatformStore, agentId: string, ownerId: string, query: z.output<typeof listRunsQuerySchema>): Promise<RunSummary[]> {
  const runs = (await ownersRuns(store, agentId, ownerId)).filter((run) => !query.trigger || run.trigger === query.trigger).slice(0, query.limit);
  const details = await loadRunDetails(store, runs);
  return runs.map((run) => {
    const detail = details.get(run.conversationId);
    const reply = detail ? replyOfRun(run, detail.messages) : undefined;
    return {
      ...run,
      conversationTitle: detail?.title ?? "",
      prompt: detail ? promptOfRun(run, detail.messages) : "",
      outputPreview: outputPreviewOf(reply),
      files: filesOf(reply),
    };
  });
}

/**
 * Turns, tokens and cost per calendar month (UTC), newest month first: cost from the runs, tokens
 * from the replies they wrote. Covers the runs a history page covers (the newest 500).
 */
export async function summarizeUsage(store: PlatformStore, agentId: string, ownerId: string): Promise<AgentUsageMonth[]> {
  const runs = await ownersRuns(store, agentId, ownerId);
  const details = await loadRunDetails(store, runs);
  const months = new Map<string, AgentUsageMonth>();
  for (const run of runs) {
    const month = run.startedAt.slice(0, 7);
    const total = months.get(month) ?? { month, turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    const usage = replyOfRun(run, details.get(run.conversationId)?.messages ?? [])?.usage;
    total.turns += 1;
    total.inputTokens += usage ? usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens : 0;
    total.outputTokens += usage?.outputTokens ?? 0;
    total.costUsd += run.costUsd ?? 0;
    months.set(month, total);
  }
  return [...months.values()].sort((a, b) => b.month.localeCompare(a.month));
}
