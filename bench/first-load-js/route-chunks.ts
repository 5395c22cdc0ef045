/**
 * Which JS files a browser loads on a first visit to each App Router page, read from the manifests
 * `next build` (16.x, Turbopack) writes, and their gzip sizes.
 *
 * A route's first load = `build-manifest.json` rootMainFiles (framework, router, Turbopack runtime)
 * + the union of `entryJSFiles` in `server/app/<route>/page_client-reference-manifest.js` (root
 * layout, global error, the page's client components). polyfillFiles are left out: they are
 * `<script noModule>`, which no browser that runs the app downloads.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";

export interface ChunkSize {
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

export interface RouteFirstLoad {
  route: string;
  /** The app directory entry, e.g. "/(auth)/sign-in/page". */
  page: string;
  chunks: ChunkSize[];
  rawBytes: number;
  gzipBytes: number;
}

export interface FirstLoadReport {
  shared: ChunkSize[];
  sharedGzipBytes: number;
  routes: RouteFirstLoad[];
  /** Differences from `.next/diagnostics/route-bundle-stats.json`, Next's own list; empty when they agree. */
  disagreements: string[];
}

interface BuildManifest {
  rootMainFiles: string[];
  polyfillFiles: string[];
}

interface ClientReferenceManifest {
  entryJSFiles: Record<string, string[]>;
}

/** Accepts the project directory or its `.next` directly. */
export function resolveDistDir(dir: string): string {
  const direct = path.resolve(dir);
  if (existsSync(path.join(direct, "build-manifest.json"))) return direct;
  const nested = path.join(direct, ".next");
  if (existsSync(path.join(nested, "build-manifest.json"))) return nested;
  throw new Error(`no Next build in ${direct}: neither it nor its .next holds build-manifest.json (run without --no-build)`);
}

export function measureFirstLoad(distDir: string): FirstLoadReport {
  const sizes = new Map<string, ChunkSize>();
  const sizeOf = (file: string): ChunkSize => {
    const relative = file.replace(/^\/?_next\//, "").replace(/^\//, "");
    let size = sizes.get(relative);
    if (!size) {
      const contents = readFileSync(path.join(distDir, relative));
      // Level 9, as Next's own First Load JS figure was computed (gzip-size) before Turbopack.
      size = { file: relative, rawBytes: contents.length, gzipBytes: gzipSync(contents, { level: 9 }).length };
      sizes.set(relative, size);
    }
    return size;
  };

  const buildManifest = readJson<BuildManifest>(path.join(distDir, "build-manifest.json"));
  const sharedFiles = unique(buildManifest.rootMainFiles);
  const shared = sharedFiles.map(sizeOf);

  const routes: RouteFirstLoad[] = [];
  for (const [page, route] of Object.entries(appPageRoutes(distDir))) {
    const manifest = readClientReferenceManifest(distDir, page);
    const routeFiles = unique(Object.values(manifest.entryJSFiles).flat().filter((file) => file.endsWith(".js")));
    const chunks = unique([...sharedFiles, ...routeFiles]).map(sizeOf);
    routes.push({
      route,
      page,
      chunks,
      rawBytes: sum(chunks.map((chunk) => chunk.rawBytes)),
      gzipBytes: sum(chunks.map((chunk) => chunk.gzipBytes)),
    });
  }
  routes.sort((a, b) => a.route.localeCompare(b.route));

  return {
    shared,
    sharedGzipBytes: sum(shared.map((chunk) => chunk.gzipBytes)),
    routes,
    disagreements: compareWithNextRouteStats(distDir, routes),
  };
}

/** "/agents/[id]/page" → "/agents/[id]"; Next's internal pages (/_not-found, /_global-error) are left out. */
function appPageRoutes(distDir: string): Record<string, string> {
  const manifest = readJson<Record<string, string>>(path.join(distDir, "app-path-routes-manifest.json"));
  return Object.fromEntries(Object.entries(manifest).filter(([page, route]) => page.endsWith("/page") && !route.startsWith("/_")));
}

function readClientReferenceManifest(distDir: string, page: string): ClientReferenceManifest {
  const file = path.join(distDir, "server", "app", `${page}_client-reference-manifest.js`);
  // The file assigns into globalThis.__RSC_MANIFEST; run it in an empty context to read that back.
  const context: { __RSC_MANIFEST?: Record<string, ClientReferenceManifest> } = {};
  runInNewContext(readFileSync(file, "utf8"), context, { filename: file });
  const manifest = context.__RSC_MANIFEST?.[page];
  if (!manifest) throw new Error(`${file} has no entry for ${page}`);
  return manifest;
}

function compareWithNextRouteStats(distDir: string, routes: RouteFirstLoad[]): string[] {
  const file = path.join(distDir, "diagnostics", "route-bundle-stats.json");
  if (!existsSync(file)) return [];
  const stats = readJson<{ route: string; firstLoadChunkPaths: string[] }[]>(file);
  const problems: string[] = [];
  for (const route of routes) {
    const theirs = stats.find((entry) => entry.route === route.route);
    if (!theirs) continue;
    const ours = new Set(route.chunks.map((chunk) => chunk.file));
    const their = new Set(theirs.firstLoadChunkPaths.map((chunk) => chunk.replace(/^\.next\//, "")));
    const missing = [...their].filter((chunk) => !ours.has(chunk));
    const extra = [...ours].filter((chunk) => !their.has(chunk));
    if (missing.length || extra.length) problems.push(`${route.route}: missing ${missing.join(", ") || "none"}; extra ${extra.join(", ") || "none"}`);
  }
  return problems;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
