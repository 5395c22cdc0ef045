// Assembles the platform image's build context for scripts/build-platform-image.sh:
//   Dockerfile, node (the Node binary), node_modules/ (the production tree), app/ (what the server
//   serves from: package.json, next.config.ts, public/, .next without its caches, dist/).
// Files are hard-linked where possible, so assembling ~600 MB takes a second or two.
//
// Usage: node scripts/lib/platform-context.mjs PROJECT_ROOT CONTEXT_DIR NODE_BINARY
import fs from "node:fs";
import path from "node:path";

const [root, context, nodeBinary] = process.argv.slice(2);
if (!root || !context || !nodeBinary) {
  console.error("usage: node scripts/lib/platform-context.mjs PROJECT_ROOT CONTEXT_DIR NODE_BINARY");
  process.exit(2);
}

// Production packages the platform never loads: the Claude Code binary (~400 MB) runs inside the
// workspace image, the SDK being always given that path; Playwright is only Next's optional test peer.
const neverLoaded = [/^@anthropic-ai\/claude-agent-sdk-(linux|darwin|win32)/, /^@playwright\/test$/, /^playwright(-core)?$/];
// What `next build` leaves in .next that a production server never reads.
const nextBuildOnly = new Set(["cache", "dev", "trace", "trace-build", "diagnostics", "types"]);

function linkFile(from, to) {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, fs.statSync(from).mode);
  }
}

/** Copies a tree (hard links for files, symlinks as they are), skipping what `skip` names. */
function copyTree(from, to, skip = () => false) {
  const stat = fs.lstatSync(from);
  if (stat.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from), to);
  } else if (stat.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from)) {
      if (!skip(path.join(from, entry))) copyTree(path.join(from, entry), path.join(to, entry), skip);
    }
  } else if (stat.isFile()) {
    linkFile(from, to);
  }
}

/**
 * The production tree as npm ci --omit=dev would install it (package-lock.json's packages
 * without `dev`), from what the host has installed, each package without its nested
 * node_modules (those are entries of their own, so a nested dev-only package stays out).
 */
function productionPackages() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "node_modules/.package-lock.json"), "utf8"));
  return Object.entries(lock.packages)
    .filter(([location, entry]) => location.startsWith("node_modules/") && !entry.dev && !entry.link)
    .map(([location]) => location)
    .filter((location) => !neverLoaded.some((pattern) => pattern.test(location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length))))
    .filter((location) => fs.existsSync(path.join(root, location)));
}

fs.rmSync(context, { recursive: true, force: true });
fs.mkdirSync(context, { recursive: true });
linkFile(path.join(root, "docker/platform/Dockerfile"), path.join(context, "Dockerfile"));
linkFile(nodeBinary, path.join(context, "node"));
fs.chmodSync(path.join(context, "node"), 0o755);

const packages = productionPackages();
for (const location of packages) {
  const source = path.join(root, location);
  copyTree(source, path.join(context, location), (entry) => entry === path.join(source, "node_modules"));
}

const app = path.join(context, "app");
fs.mkdirSync(app);
for (const file of ["package.json", "next.config.ts"]) linkFile(path.join(root, file), path.join(app, file));
if (fs.existsSync(path.join(root, "public"))) copyTree(path.join(root, "public"), path.join(app, "public"));
const nextDir = path.join(root, ".next");
copyTree(nextDir, path.join(app, ".next"), (entry) => path.dirname(entry) === nextDir && nextBuildOnly.has(path.basename(entry)));
fs.mkdirSync(path.join(app, "dist"));
for (const file of fs.readdirSync(path.join(root, "dist"))) {
  if (/^(server|egress)\.js(\.map)?$/.test(file)) linkFile(path.join(root, "dist", file), path.join(app, "dist", file));
}

console.log(`${packages.length} production packages`);
