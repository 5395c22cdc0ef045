#!/usr/bin/env bash
# npm start: provision what the platform needs, build it, and serve it on http://localhost:${PORT:-3000}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

started=$(date +%s)
ensure_node_modules
PROVISION_BROWSER=0 bash scripts/provision.sh
step "build the web app and server" bash -c 'npx next build >.cache/next-build.log 2>&1 || { cat .cache/next-build.log; exit 1; }; node scripts/build-server.mjs'
log "ready to serve after $(( $(date +%s) - started ))s; starting on http://localhost:${PORT:-3000}"
export NODE_ENV=production
exec node dist/server.js
