import { readFileSync } from "node:fs";
import path from "node:path";

/*
 * docs/security.md states how many bad inputs the tests try, in total and per test file. Each
 * file's own test checks its number against its table of cases, and a unit test checks that the
 * total is their sum, so the page cannot drift from what is really tried.
 */

const securityDoc = path.resolve(__dirname, "../../docs/security.md");

function doc(): string {
  return readFileSync(securityDoc, "utf8");
}

/** The number the page gives for one test file: "… 30 in `security-bad-inputs.test.ts` …". */
export function documentedBadInputs(testFile: string): number | null {
  const escaped = testFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new RegExp(`(\\d+)\\s+in\\s+\`${escaped}\``).exec(doc());
  return found ? Number(found[1]) : null;
}

/** Every file the page counts bad inputs for, with its number. */
export function documentedBadInputFiles(): Record<string, number> {
  const counted = doc().match(/\d+\s+in\s+`[\w.-]+\.test\.ts`/g) ?? [];
  return Object.fromEntries(counted.map((entry) => /(\d+)\s+in\s+`([^`]+)`/.exec(entry)!).map(([, count, file]) => [file!, Number(count)]));
}

/** "N bad inputs tried, M handled cleanly" as the page states it. */
export function documentedBadInputTotals(): { tried: number; handled: number } | null {
  const found = /(\d+)\s+bad inputs tried,\s+(\d+)\s+handled cleanly/.exec(doc());
  return found ? { tried: Number(found[1]), handled: Number(found[2]) } : null;
}
