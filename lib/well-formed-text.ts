/**
 * The checks every payload from outside (a parsed JSON body, a socket event's arguments) passes
 * before any other work: bounded in depth and size, and free of text that cannot be stored.
 *
 * The walk is iterative on purpose: a 40 KB frame can nest 20,000 levels deep, and a recursive
 * walk of it overflows the stack (RangeError) before anything else sees the payload.
 */
export interface PayloadLimits {
  /** Nesting deeper than this is refused; no request the platform serves nests past a handful. */
  maxDepth: number;
  /** Strings, numbers, keys… counted together; more is refused. */
  maxValues: number;
}

export const payloadLimits: PayloadLimits = { maxDepth: 32, maxValues: 100_000 };

export type PayloadProblem =
  | { kind: "too_deep"; path: string; maxDepth: number }
  | { kind: "too_many_values"; maxValues: number }
  | { kind: "malformed_text"; path: string };

/** The first problem found, walking in key order (so the path named is the first bad one), or undefined. */
export function checkPayload(value: unknown, limits: PayloadLimits = payloadLimits): PayloadProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  let counted = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    counted += 1;
    if (counted > limits.maxValues) return { kind: "too_many_values", maxValues: limits.maxValues };
    if (typeof item.value === "string") {
      if (LONE_SURROGATE.test(item.value)) return { kind: "malformed_text", path: item.path };
      continue;
    }
    if (item.value === null || typeof item.value !== "object") continue;
    if (item.depth >= limits.maxDepth) return { kind: "too_deep", path: item.path, maxDepth: limits.maxDepth };
    const entries = Object.entries(item.value);
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, child] = entries[index]!;
      const childPath = item.path === "" ? key : `${item.path}.${key}`;
      // A key is checked when its entry comes up, so the first bad place in key order is the one named.
      stack.push({ value: LONE_SURROGATE.test(key) ? brokenKey : child, path: childPath, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** Stands for a value whose key itself is broken: reported at that key's path. */
const brokenKey = "\ud800";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function payloadProblemMessage(problem: PayloadProblem): string {
  switch (problem.kind) {
    case "too_deep":
      return `The request nests deeper than ${problem.maxDepth} levels${problem.path ? ` (at ${shortPath(problem.path)})` : ""}; send a flatter value.`;
    case "too_many_values":
      return `The request holds more than ${problem.maxValues.toLocaleString("en-US")} values; send less at once.`;
    case "malformed_text":
      return `${problem.path === "" ? "The text" : problem.path} contains a broken character (a lone UTF-16 surrogate); send it as valid Unicode text.`;
  }
}

function shortPath(path: string): string {
  return path.length <= 80 ? path : `${path.slice(0, 77)}…`;
}
