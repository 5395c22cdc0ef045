#!/usr/bin/env bash
# npm start: provision what the platform needs, build it, and serve it on http://localhost:${PORT:-3000}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/build.sh

started=$(date +%s)
ensure_node_modules
PROVISION_BROWSER=0 PROVISION_CLUSTER=0 bash scripts/provision.sh
build_web_and_server
log "ready to serve after $(( $(date +%s) - started ))s; starting on http://localhost:${PORT:-3000}"
export NODE_ENV=production
exec node dist/server.js
