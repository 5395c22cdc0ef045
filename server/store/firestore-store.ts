import { deleteApp, getApps, initializeApp, type App } from "firebase-admin/app";
import {
  FieldPath,
  getFirestore,
  type Firestore,
  type Settings,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type Query,
  type Transaction,
} from "firebase-admin/firestore";
import type { z } from "zod";
import {
  agentSchema,
  agentVersionSchema,
  conversationSchema,
  guestSessionSchema,
  messageSchema,
  notificationSchema,
  recordIdSchema,
  runSchema,
  scheduleFireSchema,
  userSchema,
  type Agent,
  type Message,
  type Notification,
} from "../../lib/records";
import {
  applyAgentPatch,
  applyConversationPatch,
  applyMessagePatch,
  applyRunPatch,
  applyRunWebhook,
  applyScheduleFirePatch,
  applyUserPatch,
  buildAgent,
  buildAgentVersion,
  buildConversation,
  buildGuestSession,
  buildMessage,
  buildNotification,
  buildRun,
  buildScheduleFire,
  buildUser,
  conversationAfterAppend,
  duplicateAgentVersion,
  duplicateEmail,
  hasEnabledSchedules,
  isExpired,
  mergeIsNeeded,
  conversationMatches,
  messagePage,
  notFound,
  pageLimit,
  searchedConversations,
  searchNeedle,
  parseAfterId,
  parseNewGuestSession,
  parseNewMessage,
  parseNotificationIds,
} from "./record-rules";
import type { PlatformStore, StoreOptions } from "./store";

/**
 * Layout: top-level collections users, guestSessions, agents, conversations, messages, runs,
 * scheduleFires and notifications, each document keyed by the record's id and holding the record
 * itself; agent versions live under agents/{agentId}/versions/{version}. Top-level conversations
 * and messages let every record be fetched by id alone; their parent ids are fields, covered by
 * firestore.indexes.json. Two derived fields exist only for queries and are written with their
 * record every time: agents.hasEnabledSchedules and notifications.unread (Firestore cannot
 * query for a field that is absent or inside an array of maps).
 */
export interface FirestoreStoreOptions extends StoreOptions {
  /** Any id works against the emulator; in production it comes from the credentials when omitted. */
  projectId?: string;
  databaseId?: string;
}

const pingTimeoutMs = 5_000;
// Deleting children goes in batches well under Firestore's per-request limits.
const deleteBatchSize = 300;
// gRPC status of a create() whose document exists.
const alreadyExists = 6;

export function createFirestoreStore(options: FirestoreStoreOptions = {}): PlatformStore {
  const now = options.now ?? (() => new Date());
  if (process.env.FIRESTORE_EMULATOR_HOST) {
    // The emulator needs no Google credentials, yet the gRPC layer still looks for them and probes
    // the GCE metadata server (slow, and a warning per client off Google Cloud). Skip the probe.
    process.env.METADATA_SERVER_DETECTION ??= "none";
  }
  const app = firebaseApp(options.projectId);
  const db = withClientSettings(options.databaseId ? getFirestore(app, options.databaseId) : getFirestore(app));

  const users = db.collection("users");
  const guestSessions = db.collection("guestSessions");
  const agents = db.collection("agents");
  const conversations = db.collection("conversations");
  const messages = db.collection("messages");
  const runs = db.collection("runs");
  const scheduleFires = db.collection("scheduleFires");
  const notifications = db.collection("notifications");
  const versionsOf = (agentId: string) => agents.doc(agentId).collection("versions");
  // An id from a URL may hold "/" or be empty, which Firestore rejects as a path: such ids simply do not exist.
  const docRef = <T>(kind: RecordKind<T>, id: string): DocumentReference => {
    if (!isRecordId(id)) throw notFound(kind.what, id);
    return kind.collection.doc(id);
  };

  const decode = <S extends z.ZodType>(schema: S, data: DocumentData | undefined): z.output<S> => schema.parse(data);
  // Tool inputs may hold nested arrays, which Firestore cannot store: content is kept as JSON text.
  const encodeMessage = (message: Message): DocumentData => withoutUndefined({ ...message, content: JSON.stringify(message.content) });
  const decodeMessage = (data: DocumentData | undefined): Message =>
    messageSchema.parse({ ...data, content: JSON.parse(String(data?.content)) });
  // JSON drops undefined inside schedules, which Firestore would reject.
  const encodeAgent = (agent: Agent): DocumentData =>
    withoutUndefined({ ...agent, schedules: JSON.parse(JSON.stringify(agent.schedules)), hasEnabledSchedules: hasEnabledSchedules(agent) });
  const encodeNotification = (notification: Notification): DocumentData =>
    withoutUndefined({ ...notification, unread: notification.readAt === undefined });

  // The records read and patched by id; getById, getOrThrow and patchRecord take one of these.
  const kinds = {
    user: recordKind(users, "User", (data) => decode(userSchema, data)),
    agent: recordKind(agents, "Agent", (data) => decode(agentSchema, data), encodeAgent),
    conversation: recordKind(conversations, "Conversation", (data) => decode(conversationSchema, data)),
    message: recordKind(messages, "Message", decodeMessage, encodeMessage),
    run: recordKind(runs, "Run", (data) => decode(runSchema, data)),
    scheduleFire: recordKind(scheduleFires, "Schedule fire", (data) => decode(scheduleFireSchema, data)),
  };

  const getOrThrow = async <T>(kind: RecordKind<T>, ref: DocumentReference, tx?: Transaction): Promise<T> => {
    const snapshot = tx ? await tx.get(ref) : await ref.get();
    if (!snapshot.exists) throw notFound(kind.what, ref.id);
    return kind.decode(snapshot.data());
  };
  const getById = async <T>(kind: RecordKind<T>, id: string, tx?: Transaction): Promise<T> => getOrThrow(kind, docRef(kind, id), tx);
  /**
   * Get → record rule → write, in one transaction; a rule that returns the record unchanged writes
   * nothing. The rule may read more through tx, since every read still comes before the write.
   */
  const patchRecord = <T>(kind: RecordKind<T>, id: string, change: (current: T, tx: Transaction) => T | Promise<T>): Promise<T> =>
    db.runTransaction(async (tx) => {
      const ref = docRef(kind, id);
      const current = await getOrThrow(kind, ref, tx);
      const next = await change(current, tx);
      if (next !== current) tx.set(ref, kind.encode(next));
      return next;
    });
  const list = async <S extends z.ZodType>(schema: S, query: Query): Promise<z.output<S>[]> =>
    (await query.get()).docs.map((doc) => decode(schema, doc.data()));
  const first = async <S extends z.ZodType>(schema: S, query: Query, tx?: Transaction): Promise<z.output<S> | null> => {
    const snapshot = tx ? await tx.get(query.limit(1)) : await query.limit(1).get();
    const doc = snapshot.docs[0];
    return doc ? decode(schema, doc.data()) : null;
  };
  const emailHolder = (email: string, tx: Transaction) => first(userSchema, users.where("email", "==", email), tx);
  const messageByClientId = (conversationId: string, clientMessageId: string, tx?: Transaction) =>
    tx
      ? tx.get(messages.where("conversationId", "==", conversationId).where("clientMessageId", "==", clientMessageId).limit(1))
      : messages.where("conversationId", "==", conversationId).where("clientMessageId", "==", clientMessageId).limit(1).get();

  /** Deletes every document a query finds, batch by batch, until it finds none. */
  const deleteAll = async (query: Query): Promise<void> => {
    for (;;) {
      const snapshot = await query.select().limit(deleteBatchSize).get();
      if (snapshot.empty) return;
      const batch = db.batch();
      for (const doc of snapshot.docs) batch.delete(doc.ref);
      await batch.commit();
    }
  };

  /**
   * Children first, the conversation last and only once a transaction sees no messages left: an
   * append racing the delete either lands before (and is deleted on the next pass) or finds the
   * conversation gone. Interrupted half-way, a retry finishes the job.
   */
  const deleteConversationTree = async (conversationId: string): Promise<boolean> => {
    const ref = conversations.doc(conversationId);
    const remaining = messages.where("conversationId", "==", conversationId);
    for (;;) {
      await deleteAll(remaining);
      const outcome = await db.runTransaction(async (tx) => {
        if (!(await tx.get(ref)).exists) return "missing";
        if (!(await tx.get(remaining.select().limit(1))).empty) return "retry";
        tx.delete(ref);
        return "deleted";
      });
      if (outcome !== "retry") return outcome === "deleted";
    }
  };

  return {
    kind: "firestore",

    async ping() {
      const read = db.collection("health").doc("ping").get();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Firestore did not answer within ${pingTimeoutMs / 1000}s`)), pingTimeoutMs);
      });
      try {
        await Promise.race([read, timeout]);
      } finally {
        clearTimeout(timer);
      }
      const where = process.env.FIRESTORE_EMULATOR_HOST ? ` (emulator ${process.env.FIRESTORE_EMULATOR_HOST})` : "";
      return { detail: `Firestore project ${app.options.projectId ?? "(from credentials)"}${where}` };
    },

    async close() {
      // deleteApp also terminates the app's Firestore client and its connections.
      if (getApps().includes(app)) await deleteApp(app);
    },

    async createUser(input) {
      const user = buildUser(input, now());
      return db.runTransaction(async (tx) => {
        if (user.email && (await emailHolder(user.email, tx))) throw duplicateEmail(user.email);
        tx.create(users.doc(user.id), withoutUndefined(user));
        return user;
      });
    },

    async getUser(id) {
      return getById(kinds.user, id);
    },

    async findUserByEmail(email) {
      const snapshot = await users.where("email", "==", email.toLowerCase()).limit(1).get();
      const doc = snapshot.docs[0];
      return doc ? decode(userSchema, doc.data()) : null;
    },

    async updateUser(id, patch) {
      return patchRecord(kinds.user, id, async (current, tx) => {
        const user = applyUserPatch(current, patch);
        if (user.email) {
          const holder = await emailHolder(user.email, tx);
          if (holder && holder.id !== id) throw duplicateEmail(user.email);
        }
        return user;
      });
    },

    async mergeUser(fromGuestId, toUserId) {
      return db.runTransaction(async (tx) => {
        const from = await getById(kinds.user, fromGuestId, tx);
        const to = await getById(kinds.user, toUserId, tx);
        if (!mergeIsNeeded(from, to)) return { agents: 0, conversations: 0, runs: 0 };
        // Every read before the first write, as Firestore transactions require.
        const ownedAgents = await tx.get(agents.where("ownerId", "==", fromGuestId));
        const ownedConversations = await tx.get(conversations.where("ownerId", "==", fromGuestId));
        const ownedRuns = await tx.get(runs.where("ownerId", "==", fromGuestId));
        const ownedFires = await tx.get(scheduleFires.where("ownerId", "==", fromGuestId));
        const ownNotifications = await tx.get(notifications.where("userId", "==", fromGuestId));
        const sessions = await tx.get(guestSessions.where("userId", "==", fromGuestId));
        for (const snapshot of [ownedAgents, ownedConversations, ownedRuns, ownedFires]) {
          for (const doc of snapshot.docs) tx.update(doc.ref, { ownerId: toUserId });
        }
        for (const doc of ownNotifications.docs) tx.update(doc.ref, { userId: toUserId });
        for (const doc of sessions.docs) tx.delete(doc.ref);
        tx.update(users.doc(fromGuestId), { mergedInto: toUserId });
        return { agents: ownedAgents.size, conversations: ownedConversations.size, runs: ownedRuns.size };
      });
    },

    async createGuestSession(input) {
      const data = parseNewGuestSession(input);
      const user = await getOrThrow(kinds.user, users.doc(data.userId));
      const session = buildGuestSession(data, user, now());
      await guestSessions.doc(session.id).create(session);
      return session;
    },

    async findGuestSession(id) {
      if (!isRecordId(id)) return null;
      const snapshot = await guestSessions.doc(id).get();
      if (!snapshot.exists) return null;
      const session = decode(guestSessionSchema, snapshot.data());
      if (isExpired(session, now())) {
        await snapshot.ref.delete();
        return null;
      }
      return session;
    },

    async deleteGuestSession(id) {
      if (isRecordId(id)) await guestSessions.doc(id).delete();
    },

    async createAgent(input) {
      const agent = buildAgent(input, now());
      await agents.doc(agent.id).create(encodeAgent(agent));
      return agent;
    },

    async getAgent(id) {
      return getById(kinds.agent, id);
    },

    async updateAgent(id, patch, expectedVersion) {
      return patchRecord(kinds.agent, id, (agent) => applyAgentPatch(agent, patch, expectedVersion, now()));
    },

    async deleteAgent(id) {
      const ref = docRef(kinds.agent, id);
      if (!(await ref.get()).exists) throw notFound("Agent", id);
      // Same order as a conversation: children first, the agent last once nothing points at it.
      for (;;) {
        const owned = await conversations.where("agentId", "==", id).select().limit(deleteBatchSize).get();
        for (const doc of owned.docs) await deleteConversationTree(doc.id);
        await deleteAll(versionsOf(id));
        await deleteAll(scheduleFires.where("agentId", "==", id));
        const outcome = await db.runTransaction(async (tx) => {
          if (!(await tx.get(ref)).exists) return "done";
          if (!(await tx.get(conversations.where("agentId", "==", id).select().limit(1))).empty) return "retry";
          if (!(await tx.get(versionsOf(id).select().limit(1))).empty) return "retry";
          if (!(await tx.get(scheduleFires.where("agentId", "==", id).select().limit(1))).empty) return "retry";
          tx.delete(ref);
          return "done";
        });
        if (outcome === "done") return;
      }
    },

    async listAgentsByOwner(ownerId, listOptions) {
      const query = agents.where("ownerId", "==", ownerId).orderBy("lastActivityAt", "desc").limit(pageLimit(listOptions));
      return list(agentSchema, query);
    },

    async findAgentByShareToken(shareToken) {
      return first(agentSchema, agents.where("shareToken", "==", shareToken));
    },

    async listAgentsWithEnabledSchedules(listOptions) {
      const afterId = parseAfterId(listOptions?.afterId);
      let query = agents.where("hasEnabledSchedules", "==", true).orderBy(FieldPath.documentId());
      if (afterId !== undefined) query = query.startAfter(afterId);
      return list(agentSchema, query.limit(pageLimit(listOptions)));
    },

    async createConversation(input) {
      const conversation = buildConversation(input, now());
      return db.runTransaction(async (tx) => {
        // Read in the transaction so a conversation cannot slip in while its agent is being deleted.
        await getOrThrow(kinds.agent, agents.doc(conversation.agentId), tx);
        tx.create(conversations.doc(conversation.id), conversation);
        return conversation;
      });
    },

    async getConversation(id) {
      return getById(kinds.conversation, id);
    },

    async updateConversation(id, patch) {
      return patchRecord(kinds.conversation, id, (conversation) => applyConversationPatch(conversation, patch, now()));
    },

    async deleteConversation(id) {
      if (!isRecordId(id) || !(await deleteConversationTree(id))) throw notFound("Conversation", id);
    },

    async listConversationsByAgent(agentId, listOptions) {
      let query: Query = conversations.where("agentId", "==", agentId);
      if (listOptions?.ownerId !== undefined) query = query.where("ownerId", "==", listOptions.ownerId);
      return list(conversationSchema, query.orderBy("updatedAt", "desc").limit(pageLimit(listOptions)));
    },

    async searchConversations(agentId, ownerId, text, listOptions) {
      const needle = searchNeedle(text);
      if (!needle || !isRecordId(agentId) || !isRecordId(ownerId)) return [];
      // Firestore has no text search: the person's newest conversations are read with their messages.
      const recent = await list(
        conversationSchema,
        conversations.where("agentId", "==", agentId).where("ownerId", "==", ownerId).orderBy("updatedAt", "desc").limit(searchedConversations),
      );
      const matches = await Promise.all(
        recent.map(async (conversation) => {
          const words = await messages.where("conversationId", "==", conversation.id).get();
          return conversationMatches(conversation, words.docs.map((doc) => decodeMessage(doc.data())), needle);
        }),
      );
      return recent.filter((_, index) => matches[index]).slice(0, pageLimit(listOptions));
    },

    async appendMessage(input) {
      const data = parseNewMessage(input);
      // Reading the conversation in the transaction serialises appends to it: seq has no gaps or repeats.
      return db.runTransaction(
        async (tx) => {
          const conversationRef = conversations.doc(data.conversationId);
          const conversation = await getOrThrow(kinds.conversation, conversationRef, tx);
          if (data.clientMessageId !== undefined) {
            const earlier = (await messageByClientId(conversation.id, data.clientMessageId, tx)).docs[0];
            if (earlier) return { message: decodeMessage(earlier.data()), created: false };
          }
          const agentRef = agents.doc(conversation.agentId);
          const agentExists = (await tx.get(agentRef)).exists;
          const message = buildMessage(data, conversation.lastSeq + 1, now());
          tx.create(messages.doc(message.id), encodeMessage(message));
          tx.set(conversationRef, conversationAfterAppend(conversation, message));
          if (agentExists) tx.update(agentRef, { lastActivityAt: message.createdAt } satisfies Partial<Agent>);
          return { message, created: true };
        },
        { maxAttempts: 20 },
      );
    },

    async getMessage(id) {
      return getById(kinds.message, id);
    },

    async updateMessage(id, patch) {
      return patchRecord(kinds.message, id, (message) => applyMessagePatch(message, patch, now()));
    },

    async findMessageByClientMessageId(conversationId, clientMessageId) {
      const doc = (await messageByClientId(conversationId, clientMessageId)).docs[0];
      return doc ? decodeMessage(doc.data()) : null;
    },

    async listMessages(conversationId, page) {
      const { afterSeq, limit } = messagePage(page);
      const snapshot = await messages
        .where("conversationId", "==", conversationId)
        .where("seq", ">", afterSeq)
        .orderBy("seq", "asc")
        .limit(limit)
        .get();
      return snapshot.docs.map((doc) => decodeMessage(doc.data()));
    },

    async createRun(input) {
      const run = buildRun(input, now());
      await runs.doc(run.id).create(withoutUndefined(run));
      return run;
    },

    async getRun(id) {
      return getById(kinds.run, id);
    },

    async updateRun(id, patch) {
      return patchRecord(kinds.run, id, (run) => applyRunPatch(run, patch, now()));
    },

    async recordRunWebhook(id, delivery) {
      return patchRecord(kinds.run, id, (run) => applyRunWebhook(run, delivery));
    },

    async listRunsByConversation(conversationId, listOptions) {
      return list(runSchema, runs.where("conversationId", "==", conversationId).orderBy("startedAt", "desc").limit(pageLimit(listOptions)));
    },

    async listRunsByAgent(agentId, listOptions) {
      return list(runSchema, runs.where("agentId", "==", agentId).orderBy("startedAt", "desc").limit(pageLimit(listOptions)));
    },

    async listUnfinishedRuns(listOptions) {
      return list(runSchema, runs.where("status", "==", "running").orderBy("startedAt", "asc").limit(pageLimit(listOptions)));
    },

    async addAgentVersion(input) {
      const agentVersion = buildAgentVersion(input, now());
      return db.runTransaction(async (tx) => {
        await getOrThrow(kinds.agent, agents.doc(agentVersion.agentId), tx);
        const ref = versionsOf(agentVersion.agentId).doc(String(agentVersion.version));
        if ((await tx.get(ref)).exists) throw duplicateAgentVersion(agentVersion.agentId, agentVersion.version);
        tx.create(ref, agentVersion);
        return agentVersion;
      });
    },

    async listAgentVersions(agentId, listOptions) {
      if (!isRecordId(agentId)) return [];
      return list(agentVersionSchema, versionsOf(agentId).orderBy("version", "desc").limit(pageLimit(listOptions)));
    },

    async getAgentVersion(agentId, version) {
      if (!isRecordId(agentId)) throw notFound(`Version ${version} of agent`, agentId);
      const snapshot = await versionsOf(agentId).doc(String(version)).get();
      if (!snapshot.exists) throw notFound(`Version ${version} of agent`, agentId);
      return decode(agentVersionSchema, snapshot.data());
    },

    async claimScheduleFire(input) {
      const fire = buildScheduleFire(input, now());
      const ref = scheduleFires.doc(fire.id);
      try {
        // The agent is read in the transaction so a fire cannot slip in while the agent is deleted;
        // create() is what makes the claim exclusive: a second claimer finds the document there.
        return await db.runTransaction(
          async (tx) => {
            await getById(kinds.agent, fire.agentId, tx);
            if ((await tx.get(ref)).exists) return null;
            tx.create(ref, withoutUndefined(fire));
            return fire;
          },
          { maxAttempts: 20 },
        );
      } catch (error) {
        if ((error as { code?: unknown }).code === alreadyExists) return null;
        throw error;
      }
    },

    async updateScheduleFire(id, patch) {
      return patchRecord(kinds.scheduleFire, id, (fire) => applyScheduleFirePatch(fire, patch, now()));
    },

    async latestScheduleFire(agentId, scheduleId) {
      if (!isRecordId(agentId) || !isRecordId(scheduleId)) return null;
      return first(scheduleFireSchema, scheduleFires.where("agentId", "==", agentId).where("scheduleId", "==", scheduleId).orderBy("slot", "desc"));
    },

    async listScheduleFires(agentId, listOptions) {
      return list(scheduleFireSchema, scheduleFires.where("agentId", "==", agentId).orderBy("slot", "desc").limit(pageLimit(listOptions)));
    },

    async createNotification(input) {
      const notification = buildNotification(input, now());
      await notifications.doc(notification.id).create(encodeNotification(notification));
      return notification;
    },

    async listNotifications(userId, listOptions) {
      let query: Query = notifications.where("userId", "==", userId);
      if (listOptions?.unreadOnly) query = query.where("unread", "==", true);
      return list(notificationSchema, query.orderBy("createdAt", "desc").limit(pageLimit(listOptions)));
    },

    async markNotificationsRead(userId, ids) {
      const only = parseNotificationIds(ids);
      const readAt = now().toISOString();
      const markRead = { readAt, unread: false };
      if (only !== undefined) {
        if (only.length === 0) return 0;
        return db.runTransaction(async (tx) => {
          const snapshots = await tx.getAll(...[...new Set(only)].map((id) => notifications.doc(id)));
          const unread = snapshots.filter((snapshot) => snapshot.exists && snapshot.get("userId") === userId && snapshot.get("unread") === true);
          for (const snapshot of unread) tx.update(snapshot.ref, markRead);
          return unread.length;
        });
      }
      // Page by page: each page, once marked, no longer matches the query.
      const page = notifications.where("userId", "==", userId).where("unread", "==", true).select().limit(deleteBatchSize);
      let marked = 0;
      for (;;) {
        const count = await db.runTransaction(async (tx) => {
          const snapshot = await tx.get(page);
          for (const doc of snapshot.docs) tx.update(doc.ref, markRead);
          return snapshot.size;
        });
        marked += count;
        if (count === 0) return marked;
      }
    },
  };
}

/**
 * One firebase-admin app per project id, found again through getApps(): the custom server and
 * Next's route handlers may each load this module, and initializeApp throws on a duplicate name.
 */
/*
 * gRPC backs off between reconnection attempts up to 120 s by default: after the backend was gone
 * for half a minute, the first calls once it is back still fail for many seconds, although the
 * person was told to "try again in a moment". A short ceiling makes "back" mean back. Keys that
 * start with "grpc." reach the channel; firebase-admin passes on only `preferRest`, so they are set
 * on the instance, once (settings() may be called only before first use, and getFirestore returns
 * the same instance to a second store on the same app).
 */
const clientSettings = { "grpc.max_reconnect_backoff_ms": 2_000, "grpc.initial_reconnect_backoff_ms": 250 } as Settings;
const configured = new WeakSet<Firestore>();

function withClientSettings(db: Firestore): Firestore {
  if (!configured.has(db)) {
    db.settings(clientSettings);
    configured.add(db);
  }
  return db;
}

function firebaseApp(projectId: string | undefined): App {
  const name = `platform-store:${projectId ?? "default"}`;
  return getApps().find((app) => app.name === name) ?? initializeApp(projectId ? { projectId } : {}, name);
}

/** One kind of record kept by id: where it lives, how not_found names it, and how it is stored. */
interface RecordKind<T> {
  collection: CollectionReference;
  what: string;
  decode: (data: DocumentData | undefined) => T;
  encode: (record: T) => DocumentData;
}

function recordKind<T extends object>(
  collection: CollectionReference,
  what: string,
  decode: (data: DocumentData | undefined) => T,
  encode: (record: T) => DocumentData = withoutUndefined,
): RecordKind<T> {
  return { collection, what, decode, encode };
}

function isRecordId(id: string): boolean {
  return recordIdSchema.safeParse(id).success;
}

/** Firestore rejects undefined values; an absent optional field is simply not written. */
function withoutUndefined<T extends object>(record: T): DocumentData {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
