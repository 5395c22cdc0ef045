// Bundles the custom server into dist/server.js for production. Bundling (rather than tsc) resolves
// the "@/" path alias and keeps start-up to one file; npm packages stay external.
import { build } from "esbuild";

const started = Date.now();
await build({
  entryPoints: ["server/server.ts"],
  outfile: "dist/server.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
console.log(`[build] server bundled to dist/server.js (${((Date.now() - started) / 1000).toFixed(1)}s)`);
