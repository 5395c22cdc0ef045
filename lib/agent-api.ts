import { z } from "zod";
import { agentConfigSchema, agentSchema, maxSchedulesPerAgent, recordIdSchema, scheduleInputSchema } from "./records";
import type { AgentTemplate } from "./agent-templates";

/**
 * The REST bodies and answers of /api/agents and /api/templates, declared once: the route handlers
 * validate with these schemas and the dashboard imports the same types.
 */

/** What a card shows about an agent's work: derived from its conversations, never stored. */
export const agentStatusSchema = z.enum(["idle", "running", "error"]);
export type AgentStatus = z.infer<typeof agentStatusSchema>;

export const agentSummarySchema = agentSchema.extend({ status: agentStatusSchema });
export type AgentSummary = z.infer<typeof agentSummarySchema>;

export const listAgentsQuerySchema = z
  .object({ query: z.string().trim().max(200, "is longer than 200 characters").optional() })
  .strict();
export type ListAgentsQuery = z.input<typeof listAgentsQuerySchema>;

/** From a template (its fields fill whatever the body leaves out) or blank (then a name is needed). */
export const createAgentBodySchema = z
  .object({
    templateId: recordIdSchema.optional(),
    name: agentConfigSchema.shape.name.optional(),
    description: agentConfigSchema.shape.description.optional(),
    instructions: agentConfigSchema.shape.instructions.optional(),
    model: agentConfigSchema.shape.model.optional(),
  })
  .strict()
  .refine((body) => body.templateId !== undefined || body.name !== undefined, {
    path: ["name"],
    message: "is required when no template is chosen",
  });
export type CreateAgentBody = z.input<typeof createAgentBodySchema>;

/**
 * An edit names the version it was made from, so two tabs never silently overwrite each other.
 * `schedules` replaces the whole list (a new schedule has no id yet); absent, they stay as they are.
 */
export const updateAgentBodySchema = agentConfigSchema
  .partial()
  .extend({
    schedules: z.array(scheduleInputSchema).max(maxSchedulesPerAgent, `may hold at most ${maxSchedulesPerAgent} schedules`).optional(),
    expectedVersion: z.number().int().positive(),
  })
  .strict();
export type UpdateAgentBody = z.input<typeof updateAgentBodySchema>;

export type AgentEdit = Omit<UpdateAgentBody, "expectedVersion">;

/** POST /api/agents/{id}/rollback: make a new version with `version`'s configuration. */
export const rollbackAgentBodySchema = z
  .object({ version: z.number().int().positive(), expectedVersion: z.number().int().positive() })
  .strict();
export type RollbackAgentBody = z.input<typeof rollbackAgentBodySchema>;

export interface AgentListResponse {
  agents: AgentSummary[];
}

export interface AgentResponse {
  agent: AgentSummary;
}

export interface TemplateListResponse {
  templates: AgentTemplate[];
  /** The model a new agent gets when none is chosen (DEFAULT_MODEL on the server). */
  defaultModel: string;
}

export { modelChoices } from "./agent-choices";
