import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: ["node_modules/**", ".next/**", "dist/**", "data/**", ".cache/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Import floors: lib/ is the shared ground floor, components/ sit under the pages, stores/ hold
    // browser state under the components. Checked on resolved paths, so "@/…" and "../…" alike.
    rules: {
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            { target: "./lib", from: ["./stores", "./components", "./app", "./server"], message: "lib/ is shared by the server and the browser: it imports only lib/ and packages." },
            { target: "./components", from: "./app", message: "Pass what a component needs from app/ (server actions included) down as props." },
            { target: "./stores", from: ["./components", "./app"], message: "Stores hold browser state; components read them, not the other way round." },
          ],
        },
      ],
    },
  },
  {
    // One composition root: server/platform.ts builds the services and hands each what it needs.
    // Only Next's entry points (app/: route handlers, pages) and the auth edge reach the running
    // platform through the locator; domain code is given its dependencies.
    files: ["server/**/*.ts"],
    ignores: ["server/platform.ts", "server/platform-services.ts", "server/auth/auth-dependencies.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)platform-services$",
              message: "Take what you need as a dependency (see server/platform.ts); only app/ and server/auth/auth-dependencies.ts use the platform-services locator.",
            },
          ],
        },
      ],
    },
  },
];

export default config;
