/**
 * Benches that run server processes in production mode serve the pages and route handlers from
 * .next, and route handlers bundle server/ code: a build older than the sources would measure old
 * code. Builds once when .next/BUILD_ID is missing or older than the newest source file. A
 * `next build` that fails its type check has already emptied .next, which others on this checkout
 * may be serving from: the project is type-checked first, and nothing is built while it fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const projectRoot = path.resolve(__dirname, "..");
const sourceDirs = ["app", "components", "lib", "stores", "server", "public"];
const sourceFiles = ["next.config.ts", "proxy.ts", "tailwind.config.ts", "postcss.config.mjs", "package.json", "package-lock.json", "tsconfig.json"];
// A bound on the walk; the project has a few hundred source files.
const maxFiles = 20_000;

export interface BuildCheck {
  built: boolean;
  /** One sentence for the bench's output. */
  note: string;
  buildSeconds?: number;
}

function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: "", mtimeMs: 0 };
  let seen = 0;
  const consider = (file: string) => {
    seen += 1;
    const { mtimeMs } = statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (seen >= maxFiles) return;
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) consider(full);
    }
  };
  for (const dir of sourceDirs) if (existsSync(path.join(projectRoot, dir))) walk(path.join(projectRoot, dir));
  for (const file of sourceFiles) if (existsSync(path.join(projectRoot, file))) consider(path.join(projectRoot, file));
  return newest;
}

/** The type errors `next build` would stop at (its check covers the whole tsconfig), or "" when there are none. */
function typeCheck(): string {
  try {
    execFileSync("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60_000 });
    return "";
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ""}${failed.stderr ?? ""}`.slice(-3000) || String(error);
  }
}

export function ensureProductionBuild(): BuildCheck {
  const buildId = path.join(projectRoot, ".next", "BUILD_ID");
  const newest = newestSource();
  const relative = path.relative(projectRoot, newest.file);
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  if (builtAt > newest.mtimeMs) {
    return { built: false, note: `production build current (.next/BUILD_ID ${new Date(builtAt).toISOString()}, newest source ${relative} ${new Date(newest.mtimeMs).toISOString()})` };
  }
  const why = builtAt === 0 ? ".next/BUILD_ID missing" : `.next/BUILD_ID (${new Date(builtAt).toISOString()}) older than ${relative} (${new Date(newest.mtimeMs).toISOString()})`;
  console.log(`production build: ${why}; running npx next build (log in .cache/next-build.log)`);
  const started = Date.now();
  const log = path.join(projectRoot, ".cache", "next-build.log");
  mkdirSync(path.dirname(log), { recursive: true });
  const typeErrors = typeCheck();
  if (typeErrors) throw new Error(`cannot build: the project does not type-check (.next left as it is):\n${typeErrors}`);
  try {
    const output = execFileSync("npx", ["next", "build"], {
      cwd: projectRoot,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 2 ** 20,
      timeout: 15 * 60_000,
    });
    writeFileSync(log, output);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    writeFileSync(log, `${failed.stdout ?? ""}${failed.stderr ?? ""}`);
    throw new Error(`npx next build failed:\n${(failed.stdout ?? "").slice(-3000)}${(failed.stderr ?? "").slice(-3000)}`);
  }
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  return { built: true, note: `built the production bundle (npx next build, ${buildSeconds} s): ${why}`, buildSeconds };
}

/** dist/server.js (what `npm start` runs), bundled again by scripts/build-server.mjs when missing or older than the newest source. */
export function ensureServerBundle(): BuildCheck {
  const bundle = path.join(projectRoot, "dist", "server.js");
  const newest = newestSource();
  const bundledAt = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  if (bundledAt > newest.mtimeMs) return { built: false, note: `server bundle current (dist/server.js ${new Date(bundledAt).toISOString()})` };
  const started = Date.now();
  execFileSync("node", ["scripts/build-server.mjs"], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60_000 });
  const why = bundledAt === 0 ? "dist/server.js missing" : `dist/server.js older than ${path.relative(projectRoot, newest.file)}`;
  return { built: true, note: `bundled the server (node scripts/build-server.mjs, ${Date.now() - started} ms): ${why}`, buildSeconds: Math.round((Date.now() - started) / 1000) };
}
