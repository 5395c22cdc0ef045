/**
 * Builds the app in a copy of the work tree, so the benchmark never races someone else's
 * `next build` over the shared `.next`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const copyMarker = ".first-load-js-copy";
const notCopied = new Set(["node_modules", ".next", ".git", "dist", "test-results", "playwright-report", ".cache", "data"]);

export function buildInCopy(repoRoot: string, copyDir: string): void {
  const source = path.resolve(repoRoot);
  const target = path.resolve(copyDir);
  if (target === source || source.startsWith(`${target}${path.sep}`)) {
    throw new Error(`--dir ${copyDir} is the work tree itself (or holds it): pass --no-build to measure its existing .next`);
  }
  syncSources(source, target);
  linkNodeModules(source, target);
  console.error(`[first-load-js] next build in ${target}`);
  const build = spawnSync("npx", ["next", "build"], {
    cwd: target,
    // The build's own report goes to stderr so stdout stays the table and the JSON line.
    stdio: ["ignore", process.stderr, process.stderr],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error(`next build failed in ${target} (exit ${build.status})`);
}

/** Replaces the copy's sources with the work tree's; only a directory this script made is cleared. */
function syncSources(source: string, target: string): void {
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(path.join(target, copyMarker))) {
    throw new Error(`${target} is not empty and was not made by this benchmark; choose another --dir`);
  }
  if (existsSync(target)) {
    for (const entry of readdirSync(target)) {
      if (entry !== "node_modules" && entry !== copyMarker && entry !== ".first-load-js-linked-lock") rmSync(path.join(target, entry), { recursive: true, force: true });
    }
  }
  cpSync(source, target, {
    recursive: true,
    filter: (file) => {
      const relative = path.relative(source, file);
      return relative === "" || !notCopied.has(relative.split(path.sep)[0]!);
    },
  });
  writeFileSync(path.join(target, copyMarker), `copy of ${source} for bench/first-load-js.ts\n`);
}

/**
 * Turbopack refuses a node_modules symlinked from outside the project root ("Could not find the
 * Next.js package"), so the copy gets hard links: instant, no extra disk, same file system only.
 */
function linkNodeModules(source: string, target: string): void {
  const targetModules = path.join(target, "node_modules");
  // The copy's own .package-lock.json is a hard link to the source's, so it changes with it: the
  // lock the copy was linked from is kept beside it instead.
  const linkedFrom = path.join(target, ".first-load-js-linked-lock");
  const sourceLock = path.join(source, "node_modules", ".package-lock.json");
  const lockText = existsSync(sourceLock) ? readFileSync(sourceLock, "utf8") : "";
  const upToDate =
    existsSync(targetModules) && !lstatSync(targetModules).isSymbolicLink() && existsSync(linkedFrom) && readFileSync(linkedFrom, "utf8") === lockText;
  if (upToDate) return;
  rmSync(targetModules, { recursive: true, force: true });
  console.error(`[first-load-js] hard-linking node_modules into ${target}`);
  execFileSync("cp", ["-al", path.join(source, "node_modules"), targetModules], { stdio: "inherit" });
  writeFileSync(linkedFrom, lockText);
}
