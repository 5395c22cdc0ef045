import { describe, expect, it } from "vitest";
import { agentIconNames, agentTemplates, findAgentTemplate } from "@/lib/agent-templates";
import { agentConfigSchema, recordIdSchema } from "@/lib/records";
import { BUILT_IN_SCRIPTS, type ScriptContext } from "@/server/model-stand-in";

const demoContext = (prompt: string): ScriptContext => ({
  prompt,
  earlierPrompts: [],
  cwd: undefined,
  stepIndex: 0,
  toolResults: [],
  lastToolResult: "",
  lastToolResultIsError: false,
});

const offlineDemoKnows = (prompt: string) => BUILT_IN_SCRIPTS.some((script) => script.match(prompt, demoContext(prompt)));

describe("agent templates", () => {
  it("offers at least six templates with unique, storable ids", () => {
    expect(agentTemplates.length).toBeGreaterThanOrEqual(6);
    const ids = agentTemplates.map((template) => template.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(recordIdSchema.safeParse(id).success).toBe(true);
  });

  it.each(agentTemplates.map((template) => [template.name, template] as const))("%s makes a valid agent", (_name, template) => {
    expect(agentConfigSchema.safeParse({ ...template, model: "claude-sonnet-4-5" }).success).toBe(true);
    expect(agentIconNames).toContain(template.icon);
    expect(template.instructions.length).toBeGreaterThan(300);
    expect(template.suggestedPrompts.length).toBeGreaterThanOrEqual(2);
    expect(template.suggestedPrompts.length).toBeLessThanOrEqual(3);
  });

  it("suggests prompts the offline demo model answers, so templates can be tried without credentials", () => {
    const demoPrompts = agentTemplates.flatMap((template) => template.suggestedPrompts).filter(offlineDemoKnows);
    expect(demoPrompts).toContain("make a chart of sample sales data");
    expect(demoPrompts).toContain("compute the sum of 1 to 100 in Python");
  });

  it("finds a template by id", () => {
    expect(findAgentTemplate("python-tutor")?.name).toBe("Python tutor");
    expect(findAgentTemplate("missing")).toBeUndefined();
  });
});
