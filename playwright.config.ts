import { defineConfig } from "@playwright/test";
import { chromiumArgs, chromiumExecutable } from "./e2e/support/chromium";
import { clusterSettings } from "./e2e/support/cluster-settings";
import { filesOrigin } from "./e2e/support/files-origin-settings";
import { testOidcClient, testOidcIssuer } from "./e2e/support/oidc-settings";

const port = Number(process.env.E2E_PORT ?? 3210);

// What every server the journeys run gets, the single one and the cluster's replicas alike.
const platformEnv = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  // The journeys are written for the offline demo model, whatever the developer's shell holds.
  ANTHROPIC_API_KEY: "",
  ANTHROPIC_BASE_URL: "",
  CLAUDE_CODE_OAUTH_TOKEN: "",
  AUTH_GOOGLE_ID: testOidcClient.clientId,
  AUTH_GOOGLE_SECRET: testOidcClient.clientSecret,
  AUTH_GOOGLE_ISSUER: testOidcIssuer,
  // Every journey starts a guest from this one address.
  GUEST_SIGNUPS_PER_HOUR: "1000",
};

// Debian's Chromium, never a downloaded browser: this network reaches only package registries.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]] : [["list"]],
  use: {
    baseURL: `http://localhost:${port}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: { executablePath: chromiumExecutable, args: chromiumArgs },
  },
  // A local OpenID Connect provider stands in for Google (e2e/support/oidc-provider.ts).
  globalSetup: "./e2e/support/global-setup.ts",
  projects: [
    // First: the global setup points the identity provider's redirect at this project's server.
    { name: "single server", testIgnore: "cluster.spec.ts" },
    { name: "cluster", testMatch: "cluster.spec.ts", use: { baseURL: clusterSettings.url } },
  ],
  webServer: [
    {
      // The production build, served by the same custom server `npm start` runs.
      // A fresh store for every run, so journeys never see an earlier run's agents.
      command: "rm -rf .cache/e2e-data && node dist/server.js",
      url: `http://localhost:${port}/`,
      // Not /health: it answers 503 while a dependency is down, and the UI must still be tested then.
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ...platformEnv,
        PORT: String(port),
        FILES_ORIGIN: filesOrigin,
        LOG_LEVEL: "warn",
        DATA_DIR: ".cache/e2e-data",
      },
    },
    {
      // What `npm run cluster` starts (Redis, two replicas of the same build, nginx in front), on
      // its own ports and a fresh shared store, without building again; logs in .cache/e2e-cluster/.
      command: `rm -rf ${clusterSettings.dataDir} ${clusterSettings.workDir} && bash scripts/cluster.sh --replicas 2`,
      url: `${clusterSettings.url}/`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      // The replicas end their runs and drop their firewall rules before Redis and nginx go.
      gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
      env: {
        ...platformEnv,
        LOG_LEVEL: "info",
        CLUSTER_SKIP_BUILD: "1",
        PORT: String(clusterSettings.nginxPort),
        HOST: "127.0.0.1",
        REPLICA_BASE_PORT: String(clusterSettings.replicas[0]!.port),
        MODEL_STAND_IN_PORT: String(clusterSettings.replicas[0]!.standInPort),
        REDIS_PORT: String(clusterSettings.redisPort),
        DATA_DIR: clusterSettings.dataDir,
        CLUSTER_DIR: clusterSettings.workDir,
      },
    },
  ],
});
