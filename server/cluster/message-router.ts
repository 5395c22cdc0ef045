import { AppError, toErrorPayload } from "../../lib/errors";
import type { SendAckData } from "../../lib/socket-events";
import type { ActingUser } from "../agents/agent-ownership";
import type { ConversationPlacement } from "../conversations/conversation-placement";
import type { ConversationService } from "../conversations/conversation-service";
import { logger } from "../logger";
import { endServerProcesses } from "../workspaces/server-processes";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { conversationRequestSchema, type ConversationAnswer, type ConversationRequest, type InterServerEvents } from "./inter-server-events";

export interface SendInput {
  agentId: string;
  conversationId: string;
  text: string;
  clientMessageId: string;
}

/**
 * Where a message or a Stop goes: the REST route and the socket event both call this. On one
 * server it is the conversation service itself; with several, a conversation whose home is
 * another server is handled there, or taken over here when that server is gone.
 */
export interface MessageRouter {
  send(user: ActingUser, input: SendInput): Promise<SendAckData>;
  stop(user: ActingUser, conversationId: string): Promise<{ stopped: boolean }>;
}

export function createLocalMessageRouter(conversations: ConversationService): MessageRouter {
  return {
    send: (user, input) => conversations.sendMessage(user, input),
    stop: (user, conversationId) => conversations.stopRun(user, conversationId),
  };
}

/** The part of a Socket.IO server (with a cluster adapter) that servers talk to each other through. */
export interface InterServerChannel {
  serverSideEmit(event: "conversation:request", request: ConversationRequest, answer: (error: Error | null, answers: ConversationAnswer[]) => void): void;
  on(event: "conversation:request", listener: InterServerEvents["conversation:request"]): void;
}

export interface ClusterRouterOptions {
  conversations: ConversationService;
  placement: ConversationPlacement;
  instanceId: string;
  runtime: WorkspaceRuntime;
}

type Asked = { kind: "answered"; answer: Extract<ConversationAnswer, { handled: true }> } | { kind: "gone" } | { kind: "unknown" };

const unreachable = () =>
  new AppError("workspace_unavailable", "The server running this conversation did not answer. Try again in a few seconds.");

export interface ClusterMessageRouter extends MessageRouter {
  /** Starts answering the other servers' requests on this channel (the socket server's adapter). */
  attach(channel: InterServerChannel): void;
}

export function createClusterMessageRouter(options: ClusterRouterOptions): ClusterMessageRouter {
  const { conversations, placement, instanceId } = options;
  let channel: InterServerChannel | undefined;

  const ask = (request: ConversationRequest): Promise<Asked> =>
    new Promise((resolve) => {
      if (!channel) return resolve({ kind: "unknown" });
      channel.serverSideEmit("conversation:request", request, (error, answers) => {
        const handled = answers.find((answer): answer is Extract<ConversationAnswer, { handled: true }> => answer.handled && answer.from === request.to);
        if (handled) return resolve({ kind: "answered", answer: handled });
        // Every live server answered and the addressee was not among them: it is gone.
        resolve(error ? { kind: "unknown" } : { kind: "gone" });
      });
    });

  const unwrap = <T>(answer: Extract<ConversationAnswer, { handled: true }>, value: T | undefined): T => {
    if (answer.error) throw new AppError(answer.error.code, answer.error.message, answer.error.issues ? { issues: answer.error.issues } : undefined);
    if (value === undefined) throw unreachable();
    return value;
  };

  /** The conversation's home was `from`, which is gone: it becomes ours, and what `from` left running in the workspace ends. */
  const takeOver = async (conversationId: string, ownerId: string, from: string): Promise<boolean> => {
    if (!(await placement.takeOver(conversationId, from))) return false;
    const ended = await endServerProcesses(options.runtime, ownerId, from).catch((error: unknown) => {
      logger.warn({ err: error, conversationId, from }, "could not end a gone server's processes in the workspace");
      return 0;
    });
    logger.info({ conversationId, from, endedProcesses: ended }, "took over a conversation from a server that is gone");
    return true;
  };

  return {
    // The conversation service checks ownership itself (here or on the home server), so the
    // record is read here only where this router answers on its own: a take-over, or no answer.
    async send(user, input) {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const home = await placement.homeElsewhere(input.conversationId);
        if (!home) return conversations.sendMessage(user, input);
        const asked = await ask({ op: "send", to: home, userId: user.userId, input });
        if (asked.kind === "answered") return unwrap(asked.answer, asked.answer.sent);
        const conversation = await conversations.conversationForOwner(user, input.conversationId);
        if (asked.kind === "unknown") throw unreachable();
        // Gone: take it over (or, if another server just did, ask that one).
        if (await takeOver(conversation.id, conversation.ownerId, home)) return conversations.sendMessage(user, input);
      }
      throw unreachable();
    },

    async stop(user, conversationId) {
      if (conversations.activeRunId(conversationId)) return conversations.stopRun(user, conversationId);
      const run = await placement.activeRun(conversationId);
      if (!run || run.instanceId === instanceId) return conversations.stopRun(user, conversationId);
      const asked = await ask({ op: "stop", to: run.instanceId, userId: user.userId, conversationId });
      if (asked.kind === "answered") return { stopped: unwrap(asked.answer, asked.answer.stopped) };
      await conversations.conversationForOwner(user, conversationId);
      // A gone server's run stops on its own: its lease lapses and another server recovers it.
      return { stopped: false };
    },

    attach(server) {
      channel = server;
      server.on("conversation:request", (raw, answer) => {
        const parsed = conversationRequestSchema.safeParse(raw);
        if (!parsed.success || parsed.data.to !== instanceId) return answer({ from: instanceId, handled: false });
        const request = parsed.data;
        const user = { userId: request.userId };
        const work =
          request.op === "send"
            ? conversations.sendMessage(user, request.input).then((sent) => ({ sent }))
            : conversations.stopRun(user, request.conversationId).then(({ stopped }) => ({ stopped }));
        work.then(
          (result) => answer({ from: instanceId, handled: true, ...result }),
          (error: unknown) => answer({ from: instanceId, handled: true, error: toErrorPayload(error) }),
        );
      });
    },
  };
}
