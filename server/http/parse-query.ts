import type { z } from "zod";
import { AppError } from "../../lib/errors";

/** Validates a query (or any input a service takes) with a schema: failures are bad_request with field issues. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(query)", message: issue.message }));
  throw new AppError("bad_request", `Invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
}
