import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { documentedBadInputFiles, documentedBadInputTotals } from "../support/documented-bad-inputs";

describe("docs/security.md's bad-input count", () => {
  it("is the sum of the per-file counts, each for a test file that exists, and all of them handled", () => {
    const files = documentedBadInputFiles();
    expect(Object.keys(files).sort()).toEqual(["security-bad-inputs.test.ts", "security-http-bodies.test.ts"]);
    for (const file of Object.keys(files)) expect(existsSync(path.resolve(__dirname, "../integration", file)), file).toBe(true);
    const sum = Object.values(files).reduce((total, count) => total + count, 0);
    // Each of those files fails when one of its cases is not handled cleanly, so tried = handled.
    expect(documentedBadInputTotals()).toEqual({ tried: sum, handled: sum });
  });
});
