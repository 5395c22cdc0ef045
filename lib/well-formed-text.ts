/**
 * Where a value (a parsed JSON body or socket payload) holds a string with a lone UTF-16
 * surrogate, e.g. from "\ud800" in JSON. Such text cannot be stored or sent on as UTF-8 without
 * silently turning into "\ufffd", so the edges refuse it instead. Returns the dotted path ("" for
 * the value itself), or undefined when every string is well formed.
 */
export function findMalformedText(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === "" ? key : `${path}.${key}`;
    if (LONE_SURROGATE.test(key)) return childPath;
    const found = findMalformedText(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function malformedTextMessage(path: string): string {
  return `${path === "" ? "The text" : path} contains a broken character (a lone UTF-16 surrogate); send it as valid Unicode text.`;
}
