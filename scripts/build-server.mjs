// Bundles the custom server into dist/server.js for production, and the egress proxy's own entry
// point into dist/egress.js (it runs alone, beside the servers, where workspaces live on
// Kubernetes). Bundling (rather than tsc) resolves the "@/" path alias and keeps start-up to one
// file; npm packages stay external.
import { build } from "esbuild";

const started = Date.now();
await build({
  entryPoints: { server: "server/server.ts", egress: "server/egress/egress-main.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
console.log(`[build] server bundled to dist/server.js, egress proxy to dist/egress.js (${((Date.now() - started) / 1000).toFixed(1)}s)`);
