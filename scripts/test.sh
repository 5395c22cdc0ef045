#!/usr/bin/env bash
# npm test: every test on real parts. Provisions the machine (Docker engine, workspace image,
# Chromium), then typecheck, lint, unit, integration and end-to-end tests, and prints one summary.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=test
source scripts/lib/common.sh

export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NODE_ENV=test
reports=.cache/test-reports
rm -rf "$reports" && mkdir -p "$reports"
started=$(now_ms)
failed_stages=()

# Runs a stage, remembers whether it failed, and carries on so one run shows every failure.
stage() {
  local name=$1; shift
  local t0; t0=$(now_ms)
  log "── ${name}"
  if "$@"; then
    log "── ${name}: ok ($(fmt_ms $(( $(now_ms) - t0 ))))"
  else
    log "── ${name}: FAILED ($(fmt_ms $(( $(now_ms) - t0 ))))"
    failed_stages+=("$name")
  fi
}

ensure_node_modules
bash scripts/provision.sh

stage "typecheck" npx tsc --noEmit -p tsconfig.json
stage "lint" npx eslint . --max-warnings 0
# Any import cycle fails the run: each layer imports only downwards (docs/architecture.md, "Layers").
stage "import cycles" npx madge --circular --warning --extensions ts,tsx --ts-config tsconfig.json server lib components stores app
stage "unit tests" npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
# Before the integration tests: the several-replica tests serve the pages from this build.
stage "production build" bash -c 'NODE_ENV=production npx next build >.cache/next-build.log 2>&1 || { cat .cache/next-build.log; exit 1; }; node scripts/build-server.mjs'
stage "integration tests" npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$reports/integration.json"
stage "end-to-end tests" env PLAYWRIGHT_JSON_OUTPUT_FILE="$reports/e2e.json" npx playwright test --reporter=list,json

log "total $(fmt_ms $(( $(now_ms) - started )))"
node scripts/summarize-tests.mjs "$reports" "${failed_stages[@]}"
