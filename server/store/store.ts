import type {
  Agent,
  AgentPatch,
  AgentVersion,
  Conversation,
  ConversationPatch,
  GuestSession,
  Message,
  MessagePatch,
  NewAgent,
  NewAgentVersion,
  NewConversation,
  NewGuestSession,
  NewMessage,
  NewNotification,
  NewRun,
  NewScheduleFire,
  NewUser,
  Notification,
  Run,
  RunPatch,
  RunWebhookDelivery,
  ScheduleFire,
  ScheduleFirePatch,
  User,
  UserPatch,
} from "../../lib/records";

/**
 * The platform's only data layer: routes, socket handlers and runners call these functions and
 * never a database. Two adapters implement it (sqlite-store.ts, firestore-store.ts) and one
 * contract test suite runs against both.
 *
 * Rules every adapter keeps:
 * - `get*` throws AppError("not_found"); `find*` returns null (for lookups where absence is normal).
 * - Inputs are validated with the schemas in lib/records.ts: bad input throws AppError("bad_request")
 *   with field issues, and a rejected write (bad_request or conflict) changes nothing.
 * - Lists are newest first, except messages, which come in conversation order (seq ascending).
 */
export interface PlatformStore {
  readonly kind: StoreKind;

  /** Cheap round trip to the database, for /health. */
  ping(): Promise<{ detail: string }>;
  close(): Promise<void>;

  createUser(input: NewUser): Promise<User>;
  getUser(id: string): Promise<User>;
  /** Emails are unique among users (compared lower-cased). */
  findUserByEmail(email: string): Promise<User | null>;
  updateUser(id: string, patch: UserPatch): Promise<User>;
  /**
   * Moves a guest's agents, conversations and runs to a signed-in user, marks the guest
   * `mergedInto`, and ends the guest's sessions. Repeating a finished merge is a no-op.
   */
  mergeUser(fromGuestId: string, toUserId: string): Promise<MergeResult>;

  createGuestSession(input: NewGuestSession): Promise<GuestSession>;
  /** Null when missing or expired (an expired session is deleted on sight). */
  findGuestSession(id: string): Promise<GuestSession | null>;
  /** Idempotent: deleting a missing session is not an error. */
  deleteGuestSession(id: string): Promise<void>;

  /** Starts at version 1; a shared agent (link/public) gets a shareToken. */
  createAgent(input: NewAgent): Promise<Agent>;
  getAgent(id: string): Promise<Agent>;
  /**
   * Applies an edit made from `expectedVersion`; throws AppError("conflict") when the agent has
   * moved on since. Bumps the version when anything changed. Making an agent private drops its
   * shareToken, so re-sharing issues a new link. `sharedVersion`/`webhookSecret` null clears them.
   */
  updateAgent(id: string, patch: AgentPatch, expectedVersion: number): Promise<Agent>;
  /**
   * Deletes the agent with its conversations, their messages, its versions and its schedule fires
   * (runs stay, for cost history).
   */
  deleteAgent(id: string): Promise<void>;
  /** By lastActivityAt, newest first. */
  listAgentsByOwner(ownerId: string, options?: ListOptions): Promise<Agent[]>;
  /** Only agents currently shared by link or publicly have a token. */
  findAgentByShareToken(shareToken: string): Promise<Agent | null>;
  /**
   * Agents with at least one enabled schedule, by id; `afterId` pages on from the last one seen.
   * Served from a field kept up to date on every write, so it never scans every agent.
   */
  listAgentsWithEnabledSchedules(options?: ListOptions & { afterId?: string }): Promise<Agent[]>;

  /** Throws AppError("not_found") when the agent does not exist. */
  createConversation(input: NewConversation): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation>;
  updateConversation(id: string, patch: ConversationPatch): Promise<Conversation>;
  /** Deletes the conversation and its messages. */
  deleteConversation(id: string): Promise<void>;
  /** By updatedAt (bumped by every message), newest first; `ownerId` narrows to one person's chats. */
  listConversationsByAgent(agentId: string, options?: ListOptions & { ownerId?: string }): Promise<Conversation[]>;
  /**
   * One person's conversations with an agent whose title or messages' words contain `text`
   * (case-insensitive), newest first, at most `limit`; looks through their newest 200.
   */
  searchConversations(agentId: string, ownerId: string, text: string, options?: ListOptions): Promise<Conversation[]>;

  /**
   * Adds a message with the conversation's next seq and bumps the conversation's updatedAt and
   * lastSeq and the agent's lastActivityAt. With a clientMessageId already used in this
   * conversation it returns that message with `created: false` and writes nothing.
   */
  appendMessage(input: NewMessage): Promise<AppendMessageResult>;
  getMessage(id: string): Promise<Message>;
  /** Only while the message is streaming; a final message (complete/interrupted/failed) throws AppError("conflict"). */
  updateMessage(id: string, patch: MessagePatch): Promise<Message>;
  findMessageByClientMessageId(conversationId: string, clientMessageId: string): Promise<Message | null>;
  /** In seq order, messages after `afterSeq` (default 0: from the start), at most `limit` (default 100, max 500). */
  listMessages(conversationId: string, options?: MessagePage): Promise<Message[]>;

  /** Starts in status running at the current time; a scheduled run names its scheduleId. */
  createRun(input: NewRun): Promise<Run>;
  getRun(id: string): Promise<Run>;
  /**
   * Only while running; a finished run throws AppError("conflict"). Finishing fills in
   * finishedAt and durationMs unless given.
   */
  updateRun(id: string, patch: RunPatch): Promise<Run>;
  /** What became of the run's webhook; also after the run ended (the delivery follows it). */
  recordRunWebhook(id: string, delivery: RunWebhookDelivery): Promise<Run>;
  /** By startedAt, newest first. */
  listRunsByConversation(conversationId: string, options?: ListOptions): Promise<Run[]>;
  listRunsByAgent(agentId: string, options?: ListOptions): Promise<Run[]>;
  /** Runs still marked running, oldest first: after a restart these are the ones that were cut off. */
  listUnfinishedRuns(options?: ListOptions): Promise<Run[]>;

  /** Throws not_found for a missing agent, conflict when that version is already recorded. */
  addAgentVersion(input: NewAgentVersion): Promise<AgentVersion>;
  /** Newest version first. */
  listAgentVersions(agentId: string, options?: ListOptions): Promise<AgentVersion[]>;
  getAgentVersion(agentId: string, version: number): Promise<AgentVersion>;

  /**
   * Takes the lease on one slot of a schedule by creating its fire, whose id is derived from
   * (agentId, scheduleId, slot): atomic, so of several servers claiming one slot exactly one gets
   * the fire and the others get null. Throws not_found for a missing agent.
   */
  claimScheduleFire(input: NewScheduleFire): Promise<ScheduleFire | null>;
  updateScheduleFire(id: string, patch: ScheduleFirePatch): Promise<ScheduleFire>;
  /** The fire with the newest slot for this schedule, or null when it never fired. */
  latestScheduleFire(agentId: string, scheduleId: string): Promise<ScheduleFire | null>;
  /** All of an agent's fires, newest slot first. */
  listScheduleFires(agentId: string, options?: ListOptions): Promise<ScheduleFire[]>;

  createNotification(input: NewNotification): Promise<Notification>;
  /** Newest first; `unreadOnly` leaves out the ones already read. */
  listNotifications(userId: string, options?: ListOptions & { unreadOnly?: boolean }): Promise<Notification[]>;
  /** Marks this person's unread notifications read (only `ids`, when given); returns how many changed. */
  markNotificationsRead(userId: string, ids?: string[]): Promise<number>;
}

export type StoreKind = "sqlite" | "firestore";

export interface ListOptions {
  /** Default 100, max 500. */
  limit?: number;
}

export interface MessagePage extends ListOptions {
  afterSeq?: number;
}

export interface AppendMessageResult {
  message: Message;
  /** False when the clientMessageId had been used already and the earlier message came back. */
  created: boolean;
}

export interface MergeResult {
  agents: number;
  conversations: number;
  runs: number;
}

/** Adapters take their clock from here, so tests can make time pass (guest expiry, ordering). */
export interface StoreOptions {
  now?: () => Date;
}
