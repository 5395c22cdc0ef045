import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { z } from "zod";
import {
  agentSchema,
  agentVersionSchema,
  conversationSchema,
  guestSessionSchema,
  messageSchema,
  notificationSchema,
  runSchema,
  scheduleFireSchema,
  userSchema,
  type Agent,
  type AgentVersion,
  type Conversation,
  type GuestSession,
  type Message,
  type Notification,
  type Run,
  type ScheduleFire,
  type User,
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
  conversationMatches,
  duplicateAgentVersion,
  duplicateEmail,
  hasEnabledSchedules,
  isExpired,
  mergeIsNeeded,
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
 * Schema changes, applied in order once each; PRAGMA user_version remembers how many ran.
 * Append new steps, never edit old ones. JSON columns hold what is never queried (content, usage).
 */
export const sqliteMigrations = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    email TEXT,
    name TEXT,
    image TEXT,
    created_at TEXT NOT NULL,
    merged_into TEXT
  );
  CREATE UNIQUE INDEX users_email ON users (email) WHERE email IS NOT NULL;

  CREATE TABLE guest_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX guest_sessions_user ON guest_sessions (user_id);

  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    instructions TEXT NOT NULL,
    model TEXT NOT NULL,
    visibility TEXT NOT NULL,
    share_token TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    template_id TEXT,
    copied_from TEXT
  );
  CREATE INDEX agents_owner_activity ON agents (owner_id, last_activity_at DESC, id DESC);

  CREATE TABLE agent_versions (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (agent_id, version)
  );

  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    title TEXT NOT NULL,
    claude_session_id TEXT NOT NULL,
    status TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX conversations_agent_updated ON conversations (agent_id, updated_at DESC, id DESC);
  CREATE INDEX conversations_agent_owner_updated ON conversations (agent_id, owner_id, updated_at DESC, id DESC);
  CREATE INDEX conversations_owner ON conversations (owner_id);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    usage TEXT,
    cost_usd REAL,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    client_message_id TEXT,
    UNIQUE (conversation_id, seq)
  );
  CREATE UNIQUE INDEX messages_client_message ON messages (conversation_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms REAL,
    cost_usd REAL,
    error TEXT
  );
  CREATE INDEX runs_conversation_started ON runs (conversation_id, started_at DESC, id DESC);
  CREATE INDEX runs_agent_started ON runs (agent_id, started_at DESC, id DESC);
  CREATE INDEX runs_owner ON runs (owner_id);
  `,
  `
  ALTER TABLE agents ADD COLUMN shared_conversation_id TEXT;
  `,
  // Schedules (JSON, part of the config), the share pin, the webhook secret; has_enabled_schedules
  // is derived from schedules on every write so the scheduler finds its agents through an index.
  // Rows from before have no schedules: NULL reads as [], and 0 is right for them.
  `
  ALTER TABLE agents ADD COLUMN schedules TEXT;
  ALTER TABLE agents ADD COLUMN shared_version INTEGER;
  ALTER TABLE agents ADD COLUMN webhook_secret TEXT;
  ALTER TABLE agents ADD COLUMN has_enabled_schedules INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX agents_enabled_schedules ON agents (id) WHERE has_enabled_schedules = 1;

  ALTER TABLE runs ADD COLUMN schedule_id TEXT;

  CREATE TABLE schedule_fires (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    slot TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    run_id TEXT,
    conversation_id TEXT,
    finished_at TEXT
  );
  CREATE INDEX schedule_fires_agent_slot ON schedule_fires (agent_id, slot DESC, id DESC);
  CREATE INDEX schedule_fires_schedule_slot ON schedule_fires (agent_id, schedule_id, slot DESC);
  CREATE INDEX schedule_fires_owner ON schedule_fires (owner_id);

  CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    agent_id TEXT,
    conversation_id TEXT,
    run_id TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT
  );
  CREATE INDEX notifications_user_created ON notifications (user_id, created_at DESC, id DESC);
  CREATE INDEX notifications_user_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
  `,
  // Run leases: the server running a run renews its lease; another recovers the run once it lapses.
  `
  ALTER TABLE runs ADD COLUMN instance_id TEXT;
  ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;
  `,
  // A scheduled run's webhook outcome (JSON), written after the run ended.
  `
  ALTER TABLE runs ADD COLUMN webhook TEXT;
  `,
  // The schedule a scheduled run's conversation came from; chats have none.
  `
  ALTER TABLE conversations ADD COLUMN schedule_id TEXT;
  `,
];

type Row = Record<string, unknown>;

/**
 * Maps a record to a row by naming: camelCase field ↔ snake_case column; listed fields as JSON;
 * derived columns are computed from the record on every write and never read back.
 */
class Table<T extends object> {
  readonly columns: readonly string[];
  private readonly fields: readonly string[];

  constructor(
    readonly name: string,
    private readonly schema: z.ZodObject,
    private readonly jsonFields: readonly string[] = [],
    private readonly derived: Readonly<Record<string, (record: T) => string | number | null>> = {},
  ) {
    this.fields = Object.keys(schema.shape);
    this.columns = [...this.fields.map(toSnakeCase), ...Object.keys(derived)];
  }

  toRow(record: T): Row {
    const row: Row = {};
    for (const field of this.fields) {
      const value = (record as Row)[field];
      row[toSnakeCase(field)] = value === undefined ? null : this.jsonFields.includes(field) ? JSON.stringify(value) : value;
    }
    for (const [column, derive] of Object.entries(this.derived)) row[column] = derive(record);
    return row;
  }

  fromRow(row: Row): T {
    const record: Row = {};
    for (const field of this.fields) {
      const value = row[toSnakeCase(field)];
      if (value === null || value === undefined) continue;
      record[field] = this.jsonFields.includes(field) ? JSON.parse(value as string) : value;
    }
    return this.schema.parse(record) as T;
  }

  insertSql(): string {
    return `INSERT INTO ${this.name} (${this.columns.join(", ")}) VALUES (${this.columns.map((c) => `@${c}`).join(", ")})`;
  }

  replaceByIdSql(): string {
    const assignments = this.columns.filter((c) => c !== "id").map((c) => `${c} = @${c}`);
    return `UPDATE ${this.name} SET ${assignments.join(", ")} WHERE id = @id`;
  }
}

function toSnakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const users = new Table<User>("users", userSchema);
const guestSessions = new Table<GuestSession>("guest_sessions", guestSessionSchema);
const agents = new Table<Agent>("agents", agentSchema, ["schedules"], {
  has_enabled_schedules: (agent) => (hasEnabledSchedules(agent) ? 1 : 0),
});
const agentVersions = new Table<AgentVersion>("agent_versions", agentVersionSchema, ["config"]);
const conversations = new Table<Conversation>("conversations", conversationSchema);
const messages = new Table<Message>("messages", messageSchema, ["content", "usage", "error"]);
const runs = new Table<Run>("runs", runSchema, ["error", "webhook"]);
const scheduleFires = new Table<ScheduleFire>("schedule_fires", scheduleFireSchema);
const notifications = new Table<Notification>("notifications", notificationSchema);

export interface SqliteStoreOptions extends StoreOptions {
  /** Path of the database file; ":memory:" works for throwaway stores. */
  file: string;
}

/**
 * The database holds every person's conversations: only the server's own user may read it. SQLite
 * gives its -wal and -shm files the database file's mode, so the file is made (or narrowed to)
 * 0600 before SQLite opens it; files left by an older version are narrowed too.
 */
function keepToOwner(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  for (const candidate of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(candidate)) chmodSync(candidate, 0o600);
  }
}

export function createSqliteStore(options: SqliteStoreOptions): PlatformStore {
  const now = options.now ?? (() => new Date());
  if (options.file !== ":memory:") keepToOwner(options.file);
  const db = new Database(options.file);
  // WAL lets the custom server and Next's route handlers (separate connections) read while one writes.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);

  const statements = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  // IMMEDIATE takes the write lock up front, so two connections never deadlock upgrading a read.
  const write = <R>(fn: () => R): R => db.transaction(fn).immediate();

  const one = <T extends object>(table: Table<T>, where: string, ...params: unknown[]): T | null => {
    const row = sql(`SELECT * FROM ${table.name} WHERE ${where}`).get(...params) as Row | undefined;
    return row ? table.fromRow(row) : null;
  };
  const many = <T extends object>(table: Table<T>, rest: string, ...params: unknown[]): T[] =>
    (sql(`SELECT * FROM ${table.name} ${rest}`).all(...params) as Row[]).map((row) => table.fromRow(row));
  const byId = <T extends object>(table: Table<T>, what: string, id: string): T => {
    const record = one(table, "id = ?", id);
    if (!record) throw notFound(what, id);
    return record;
  };
  const insert = <T extends object>(table: Table<T>, record: T): void => {
    sql(table.insertSql()).run(table.toRow(record));
  };
  const replace = <T extends object>(table: Table<T>, record: T): void => {
    sql(table.replaceByIdSql()).run(table.toRow(record));
  };
  /** Get → record rule → write, in one write transaction; a rule that returns the record unchanged writes nothing. */
  const patchRecord = <T extends object>(table: Table<T>, what: string, id: string, change: (current: T) => T): T =>
    write(() => {
      const current = byId(table, what, id);
      const next = change(current);
      if (next !== current) replace(table, next);
      return next;
    });
  const assertEmailFree = (email: string | undefined, exceptUserId?: string): void => {
    if (!email) return;
    const holder = one(users, "email = ?", email);
    if (holder && holder.id !== exceptUserId) throw duplicateEmail(email);
  };

  return {
    kind: "sqlite",

    async ping() {
      sql("SELECT 1").get();
      return { detail: `SQLite ${options.file}` };
    },

    async close() {
      if (db.open) db.close();
    },

    async createUser(input) {
      return write(() => {
        const user = buildUser(input, now());
        assertEmailFree(user.email);
        insert(users, user);
        return user;
      });
    },

    async getUser(id) {
      return byId(users, "User", id);
    },

    async findUserByEmail(email) {
      return one(users, "email = ?", email.toLowerCase());
    },

    async updateUser(id, patch) {
      return patchRecord(users, "User", id, (current) => {
        const user = applyUserPatch(current, patch);
        assertEmailFree(user.email, id);
        return user;
      });
    },

    async mergeUser(fromGuestId, toUserId) {
      return write(() => {
        const from = byId(users, "User", fromGuestId);
        const to = byId(users, "User", toUserId);
        if (!mergeIsNeeded(from, to)) return { agents: 0, conversations: 0, runs: 0 };
        const move = (table: string) => sql(`UPDATE ${table} SET owner_id = ? WHERE owner_id = ?`).run(toUserId, fromGuestId).changes;
        const result = { agents: move("agents"), conversations: move("conversations"), runs: move("runs") };
        move("schedule_fires");
        sql("UPDATE notifications SET user_id = ? WHERE user_id = ?").run(toUserId, fromGuestId);
        replace(users, { ...from, mergedInto: toUserId });
        sql("DELETE FROM guest_sessions WHERE user_id = ?").run(fromGuestId);
        return result;
      });
    },

    async createGuestSession(input) {
      return write(() => {
        const data = parseNewGuestSession(input);
        const session = buildGuestSession(data, byId(users, "User", data.userId), now());
        insert(guestSessions, session);
        return session;
      });
    },

    async findGuestSession(id) {
      const session = one(guestSessions, "id = ?", id);
      if (!session) return null;
      if (isExpired(session, now())) {
        sql("DELETE FROM guest_sessions WHERE id = ?").run(id);
        return null;
      }
      return session;
    },

    async deleteGuestSession(id) {
      sql("DELETE FROM guest_sessions WHERE id = ?").run(id);
    },

    async createAgent(input) {
      const agent = buildAgent(input, now());
      insert(agents, agent);
      return agent;
    },

    async getAgent(id) {
      return byId(agents, "Agent", id);
    },

    async updateAgent(id, patch, expectedVersion) {
      return patchRecord(agents, "Agent", id, (agent) => applyAgentPatch(agent, patch, expectedVersion, now()));
    },

    async deleteAgent(id) {
      write(() => {
        // Foreign keys cascade to conversations, their messages, and the agent's versions.
        if (sql("DELETE FROM agents WHERE id = ?").run(id).changes === 0) throw notFound("Agent", id);
        sql("DELETE FROM schedule_fires WHERE agent_id = ?").run(id);
      });
    },

    async listAgentsByOwner(ownerId, listOptions) {
      return many(agents, "WHERE owner_id = ? ORDER BY last_activity_at DESC, id DESC LIMIT ?", ownerId, pageLimit(listOptions));
    },

    async findAgentByShareToken(shareToken) {
      return one(agents, "share_token = ?", shareToken);
    },

    async listAgentsWithEnabledSchedules(listOptions) {
      const afterId = parseAfterId(listOptions?.afterId) ?? "";
      return many(agents, "WHERE has_enabled_schedules = 1 AND id > ? ORDER BY id ASC LIMIT ?", afterId, pageLimit(listOptions));
    },

    async createConversation(input) {
      return write(() => {
        const conversation = buildConversation(input, now());
        byId(agents, "Agent", conversation.agentId);
        insert(conversations, conversation);
        return conversation;
      });
    },

    async getConversation(id) {
      return byId(conversations, "Conversation", id);
    },

    async updateConversation(id, patch) {
      return patchRecord(conversations, "Conversation", id, (conversation) => applyConversationPatch(conversation, patch, now()));
    },

    async deleteConversation(id) {
      if (sql("DELETE FROM conversations WHERE id = ?").run(id).changes === 0) throw notFound("Conversation", id);
    },

    async listConversationsByAgent(agentId, listOptions) {
      const limit = pageLimit(listOptions);
      const order = "ORDER BY updated_at DESC, id DESC LIMIT ?";
      return listOptions?.ownerId === undefined
        ? many(conversations, `WHERE agent_id = ? ${order}`, agentId, limit)
        : many(conversations, `WHERE agent_id = ? AND owner_id = ? ${order}`, agentId, listOptions.ownerId, limit);
    },

    async searchConversations(agentId, ownerId, text, listOptions) {
      const needle = searchNeedle(text);
      if (!needle) return [];
      // Narrowed in SQL (the needle as it appears inside the JSON content), then checked on the
      // words alone, so a match in a step's input or a block's keys does not count.
      const inJson = JSON.stringify(needle).slice(1, -1);
      const candidates = many(
        conversations,
        `WHERE agent_id = ? AND owner_id = ? AND (instr(lower(title), ?) > 0 OR id IN (SELECT conversation_id FROM messages WHERE instr(lower(content), ?) > 0))
         ORDER BY updated_at DESC, id DESC LIMIT ?`,
        agentId,
        ownerId,
        needle,
        inJson,
        searchedConversations,
      );
      return candidates
        .filter((conversation) => conversationMatches(conversation, many(messages, "WHERE conversation_id = ? ORDER BY seq ASC", conversation.id), needle))
        .slice(0, pageLimit(listOptions));
    },

    async appendMessage(input) {
      const data = parseNewMessage(input);
      return write(() => {
        const conversation = byId(conversations, "Conversation", data.conversationId);
        if (data.clientMessageId !== undefined) {
          const earlier = one(messages, "conversation_id = ? AND client_message_id = ?", conversation.id, data.clientMessageId);
          if (earlier) return { message: earlier, created: false };
        }
        const message = buildMessage(data, conversation.lastSeq + 1, now());
        insert(messages, message);
        replace(conversations, conversationAfterAppend(conversation, message));
        sql("UPDATE agents SET last_activity_at = ? WHERE id = ?").run(message.createdAt, conversation.agentId);
        return { message, created: true };
      });
    },

    async getMessage(id) {
      return byId(messages, "Message", id);
    },

    async updateMessage(id, patch) {
      return patchRecord(messages, "Message", id, (message) => applyMessagePatch(message, patch, now()));
    },

    async findMessageByClientMessageId(conversationId, clientMessageId) {
      return one(messages, "conversation_id = ? AND client_message_id = ?", conversationId, clientMessageId);
    },

    async listMessages(conversationId, page) {
      const { afterSeq, limit } = messagePage(page);
      return many(messages, "WHERE conversation_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?", conversationId, afterSeq, limit);
    },

    async createRun(input) {
      const run = buildRun(input, now());
      insert(runs, run);
      return run;
    },

    async getRun(id) {
      return byId(runs, "Run", id);
    },

    async updateRun(id, patch) {
      return patchRecord(runs, "Run", id, (run) => applyRunPatch(run, patch, now()));
    },

    async recordRunWebhook(id, delivery) {
      return patchRecord(runs, "Run", id, (run) => applyRunWebhook(run, delivery));
    },

    async listRunsByConversation(conversationId, listOptions) {
      return many(runs, "WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT ?", conversationId, pageLimit(listOptions));
    },

    async listRunsByAgent(agentId, listOptions) {
      return many(runs, "WHERE agent_id = ? ORDER BY started_at DESC, id DESC LIMIT ?", agentId, pageLimit(listOptions));
    },

    async listUnfinishedRuns(listOptions) {
      return many(runs, "WHERE status = 'running' ORDER BY started_at ASC, id ASC LIMIT ?", pageLimit(listOptions));
    },

    async addAgentVersion(input) {
      return write(() => {
        const agentVersion = buildAgentVersion(input, now());
        byId(agents, "Agent", agentVersion.agentId);
        if (one(agentVersions, "agent_id = ? AND version = ?", agentVersion.agentId, agentVersion.version)) {
          throw duplicateAgentVersion(agentVersion.agentId, agentVersion.version);
        }
        insert(agentVersions, agentVersion);
        return agentVersion;
      });
    },

    async listAgentVersions(agentId, listOptions) {
      return many(agentVersions, "WHERE agent_id = ? ORDER BY version DESC LIMIT ?", agentId, pageLimit(listOptions));
    },

    async getAgentVersion(agentId, version) {
      const agentVersion = one(agentVersions, "agent_id = ? AND version = ?", agentId, version);
      if (!agentVersion) throw notFound(`Version ${version} of agent`, agentId);
      return agentVersion;
    },

    async claimScheduleFire(input) {
      return write(() => {
        const fire = buildScheduleFire(input, now());
        byId(agents, "Agent", fire.agentId);
        // The primary key is the lease: whoever inserts the row first has the slot.
        const insertOnce = `${scheduleFires.insertSql()} ON CONFLICT (id) DO NOTHING`;
        return sql(insertOnce).run(scheduleFires.toRow(fire)).changes === 1 ? fire : null;
      });
    },

    async updateScheduleFire(id, patch) {
      return patchRecord(scheduleFires, "Schedule fire", id, (fire) => applyScheduleFirePatch(fire, patch, now()));
    },

    async latestScheduleFire(agentId, scheduleId) {
      return one(scheduleFires, "agent_id = ? AND schedule_id = ? ORDER BY slot DESC LIMIT 1", agentId, scheduleId);
    },

    async listScheduleFires(agentId, listOptions) {
      return many(scheduleFires, "WHERE agent_id = ? ORDER BY slot DESC, id DESC LIMIT ?", agentId, pageLimit(listOptions));
    },

    async createNotification(input) {
      const notification = buildNotification(input, now());
      insert(notifications, notification);
      return notification;
    },

    async listNotifications(userId, listOptions) {
      const unread = listOptions?.unreadOnly ? "AND read_at IS NULL" : "";
      return many(notifications, `WHERE user_id = ? ${unread} ORDER BY created_at DESC, id DESC LIMIT ?`, userId, pageLimit(listOptions));
    },

    async markNotificationsRead(userId, ids) {
      const only = parseNotificationIds(ids);
      const readAt = now().toISOString();
      return write(() => {
        if (only === undefined) {
          return sql("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL").run(readAt, userId).changes;
        }
        const markOne = sql("UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL");
        let marked = 0;
        for (const id of new Set(only)) marked += markOne.run(readAt, id, userId).changes;
        return marked;
      });
    },
  };
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    // Read inside the write transaction: a second process starting at the same time waits, then sees the new version.
    const applied = db.pragma("user_version", { simple: true }) as number;
    if (applied > sqliteMigrations.length) {
      throw new Error(`The database was written by a newer version of the platform (schema ${applied}, this build knows ${sqliteMigrations.length}).`);
    }
    for (const [index, migration] of sqliteMigrations.entries()) {
      if (index < applied) continue;
      db.exec(migration);
    }
    db.pragma(`user_version = ${sqliteMigrations.length}`);
  }).immediate();
}
