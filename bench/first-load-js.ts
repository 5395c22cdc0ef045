/**
 * First Load JS per App Router page: the gzip size of every JS chunk a browser downloads on a first
 * visit (shared framework chunks + the route's own). Next 16 with Turbopack no longer prints this
 * after `next build`, so it is read from the build's manifests (bench/first-load-js/route-chunks.ts).
 * `/` and `/agents/[id]` have a budget; the run fails when either is over it. kB = 1000 bytes.
 *
 *   npx tsx bench/first-load-js.ts                      build a copy of this tree in /tmp/fl-bench, then measure
 *   npx tsx bench/first-load-js.ts --no-build [--dir D] measure an existing build (D or D/.next; default /tmp/fl-bench)
 *   … --verify http://localhost:3000                    also load each page in Chromium from that running
 *                                                        production server and compare the bytes on the wire
 *   … --chunks                                          list each route's chunks too
 */
import path from "node:path";
import { measureInBrowser } from "./first-load-js/browser-check";
import { buildInCopy } from "./first-load-js/build-copy";
import { measureFirstLoad, resolveDistDir, type RouteFirstLoad } from "./first-load-js/route-chunks";

const budgetKb = 150;
const budgetedRoutes = ["/", "/agents/[id]"];
const repoRoot = path.resolve(__dirname, "..");

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const kb = (bytes: number) => Math.round(bytes / 100) / 10;

async function main() {
  const dir = path.resolve(option("--dir") ?? "/tmp/fl-bench");
  if (!process.argv.includes("--no-build")) buildInCopy(repoRoot, dir);
  const distDir = resolveDistDir(dir);
  const report = measureFirstLoad(distDir);

  const rows = report.routes.map((route) => {
    const budgeted = budgetedRoutes.includes(route.route);
    return { route: route.route, gzipKb: kb(route.gzipBytes), rawKb: kb(route.rawBytes), chunks: route.chunks.length, budgeted, ok: kb(route.gzipBytes) <= budgetKb };
  });

  console.log(`\nfirst-load-js — ${distDir} — ${new Date().toISOString()}`);
  console.log("method: build manifests (rootMainFiles + page_client-reference-manifest entryJSFiles), gzip -9 of each chunk");
  const width = Math.max(...rows.map((row) => row.route.length), "(shared by all)".length);
  console.log(`${"route".padEnd(width)}  ${"chunks".padStart(6)}  ${"raw kB".padStart(7)}  ${"gzip kB".padStart(7)}  budget  status`);
  console.log(`${"(shared by all)".padEnd(width)}  ${String(report.shared.length).padStart(6)}  ${"".padStart(7)}  ${kb(report.sharedGzipBytes).toFixed(1).padStart(7)}`);
  for (const row of rows) {
    const status = row.ok ? "ok" : row.budgeted ? "OVER" : "over (not budgeted)";
    console.log(`${row.route.padEnd(width)}  ${String(row.chunks).padStart(6)}  ${row.rawKb.toFixed(1).padStart(7)}  ${row.gzipKb.toFixed(1).padStart(7)}  ${String(budgetKb).padStart(6)}  ${status}`);
  }
  if (process.argv.includes("--chunks")) printChunks(report.routes);
  for (const problem of report.disagreements) console.error(`[first-load-js] differs from .next/diagnostics/route-bundle-stats.json: ${problem}`);

  const verifyUrl = option("--verify");
  const browser = verifyUrl ? await measureInBrowser(verifyUrl, report.routes) : [];
  if (browser.length) {
    console.log(`\nChromium, ${verifyUrl}: script responses, encoded (wire) size`);
    for (const measured of browser) {
      const expected = report.routes.find((route) => route.route === measured.route)!;
      const unexpected = measured.scripts.filter((script) => !expected.chunks.some((chunk) => script.url.endsWith(chunk.file)));
      console.log(
        `${measured.route.padEnd(width)}  ${String(measured.scripts.length).padStart(6)} scripts  ${kb(measured.encodedBytes).toFixed(1).padStart(7)} kB wire` +
          `  (${kb(measured.decodedBytes).toFixed(1)} kB decoded; manifest says ${kb(expected.gzipBytes).toFixed(1)} kB gzip -9)` +
          (unexpected.length ? `  not in manifest: ${unexpected.map((script) => script.url).join(", ")}` : ""),
      );
    }
  }

  console.log(
    JSON.stringify({
      bench: "first-load-js",
      routes: rows,
      budgetKb,
      sharedKb: kb(report.sharedGzipBytes),
      method: "manifest",
      ...(browser.length ? { browser: browser.map((measured) => ({ route: measured.route, wireKb: kb(measured.encodedBytes), scripts: measured.scripts.length })) } : {}),
      date: new Date().toISOString(),
    }),
  );

  const over = rows.filter((row) => row.budgeted && !row.ok);
  if (over.length) {
    console.error(`[first-load-js] over the ${budgetKb} kB budget: ${over.map((row) => `${row.route} ${row.gzipKb} kB`).join(", ")}`);
    process.exitCode = 1;
  }
}

function printChunks(routes: RouteFirstLoad[]): void {
  for (const route of routes) {
    console.log(`\n${route.route}`);
    for (const chunk of [...route.chunks].sort((a, b) => b.gzipBytes - a.gzipBytes)) {
      console.log(`  ${kb(chunk.gzipBytes).toFixed(1).padStart(6)} kB  ${chunk.file}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
