import { z } from "zod";

// Blocks and messages stay loose: the CLI sends fields (cache_control, citations, thinking
// signatures, beta block types) that change between releases, and rejecting them would break
// the real CLI long before it breaks anything we care about.
export const contentBlockSchema = z.looseObject({ type: z.string().min(1) });

export const messageSchema = z.looseObject({
  // The CLI (2.1.3xx) sends mid-conversation "system" turns carrying its environment section.
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});

export const systemSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
]);

export const toolSchema = z.looseObject({ name: z.string().min(1) });

const baseRequestShape = {
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  system: systemSchema.optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  metadata: z.looseObject({}).optional(),
};

export const messagesRequestSchema = z.looseObject({
  ...baseRequestShape,
  max_tokens: z.number().int().positive(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  stop_sequences: z.array(z.string()).optional(),
});

export const countTokensRequestSchema = z.looseObject(baseRequestShape);

export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type RequestMessage = z.infer<typeof messageSchema>;
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

/** Anthropic reports validation problems as `path: message`, which the CLI shows verbatim. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
