import type { ScriptContext, TextTemplate } from "./types";

/** Substitutes `{{prompt}}`, `{{cwd}}` and `{{lastToolResult}}`; a function template builds its own text. */
export function renderTemplate(template: TextTemplate, ctx: ScriptContext): string {
  if (typeof template === "function") return template(ctx);
  const values: Record<string, string> = {
    prompt: ctx.prompt,
    cwd: ctx.cwd ?? "the working directory",
    lastToolResult: ctx.lastToolResult,
  };
  // One pass only, so placeholders that appear inside a tool's output are left as printed.
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}
