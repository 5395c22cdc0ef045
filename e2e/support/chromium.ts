/**
 * Debian's Chromium, never a downloaded browser (this network reaches only package registries),
 * with the flags that keep it from reaching out on its own. Shared by the e2e tests and benches.
 */
export const chromiumExecutable = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
