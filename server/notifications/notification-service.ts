import { z } from "zod";
import type { NotificationListResponse } from "../../lib/notification-api";
import { recordIdSchema } from "../../lib/records";
import type { ActingUser } from "../agents/agent-ownership";
import { parseInput } from "../http/parse-query";
import type { PlatformStore } from "../store/store";

/** A person's in-app notifications: what GET /api/notifications and POST /api/notifications/read call. */

export const listNotificationsQuerySchema = z
  .object({
    unread: z.enum(["1", "0", "true", "false"]).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const markNotificationsReadBodySchema = z
  .object({ ids: z.array(recordIdSchema).min(1, "must name at least one notification (leave it out to mark all read)").max(500).optional() })
  .strict();
export type MarkNotificationsReadBody = z.input<typeof markNotificationsReadBodySchema>;

// Counted up to this many; the bell shows "99+" long before.
const maxUnreadCounted = 500;

export interface NotificationService {
  list(user: ActingUser, query: Record<string, string>): Promise<NotificationListResponse>;
  markRead(user: ActingUser, body: MarkNotificationsReadBody): Promise<{ updated: number }>;
}

export function createNotificationService({ store }: { store: PlatformStore }): NotificationService {
  return {
    async list(user, query) {
      const { unread, limit } = parseInput(listNotificationsQuerySchema, query);
      const unreadOnly = unread === "1" || unread === "true";
      const [notifications, unreadList] = await Promise.all([
        store.listNotifications(user.userId, { limit, unreadOnly }),
        store.listNotifications(user.userId, { limit: maxUnreadCounted, unreadOnly: true }),
      ]);
      return { notifications, unreadCount: unreadList.length };
    },

    async markRead(user, body) {
      const { ids } = parseInput(markNotificationsReadBodySchema, body);
      return { updated: await store.markNotificationsRead(user.userId, ids) };
    },
  };
}
