import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // Real Docker containers and real CLI processes: generous, and one file at a time on 2 cores.
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          // next-auth imports "next/server" without an extension, which Node's ESM loader cannot find
          // (the Auth.js route of tests/integration/api-methods.test.ts); Vite's resolver can.
          server: { deps: { inline: ["next-auth"] } },
        },
      },
    ],
  },
});
