import { AppError } from "../../lib/errors";
import { recordIdSchema, type Agent } from "../../lib/records";
import type { PlatformStore } from "../store/store";

/** Whoever a request or socket event acts for: the signed-in person (or guest). */
export interface ActingUser {
  userId: string;
}

/**
 * The agent, if this person owns it. Anyone else's agent, like a missing one, is not_found: ids of
 * other people's agents reveal nothing. Every feature that acts on an agent checks through this,
 * so it depends on the store alone and any service can use it without importing another.
 */
export async function findOwnedAgent(store: Pick<PlatformStore, "getAgent">, user: ActingUser, agentId: string): Promise<Agent> {
  const missing = () => new AppError("not_found", "This agent does not exist.");
  if (!recordIdSchema.safeParse(agentId).success) throw missing();
  const agent = await store.getAgent(agentId).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "not_found" ? missing() : error;
  });
  if (agent.ownerId !== user.userId) throw missing();
  return agent;
}
