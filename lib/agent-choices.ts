import type { AgentVisibility } from "./records";

// Choices the browser shows, kept free of zod so that forms do not ship the schema library.

/** Models offered in the edit form; an agent's current model stays selectable even if not listed. */
export const modelChoices: readonly { id: string; label: string }[] = [
  { id: "claude-sonnet-4-5", label: "Claude Sonnet 4.5 — balanced" },
  { id: "claude-opus-4-1", label: "Claude Opus 4.1 — most capable, slower" },
  { id: "claude-haiku-4-5", label: "Claude Haiku 4.5 — fastest" },
];

/** A model's name as people say it ("Claude Opus 4.1"), not its id; an unknown id is shown as it is. */
export function modelName(modelId: string): string {
  return modelChoices.find((choice) => choice.id === modelId)?.label.split(" — ")[0] ?? modelId;
}

export const visibilityChoices: readonly { value: AgentVisibility; label: string; hint: string }[] = [
  { value: "private", label: "Private", hint: "Only you can see this agent." },
  { value: "link", label: "Anyone with the link", hint: "People you send the link to can view it and make their own copy." },
  { value: "public", label: "Public", hint: "Anyone can view it and make their own copy; it may be listed in search engines." },
];
