# shellcheck shell=bash
# The production build, shared by npm start (scripts/start.sh) and npm run cluster
# (scripts/cluster.sh). Source it after common.sh.

# next build (its output goes to .cache/next-build.log and is shown only when it fails), then
# the custom server's bundle (dist/server.js).
build_web_and_server() {
  mkdir -p "$CACHE_DIR"
  # shellcheck disable=SC2016  # expanded by the inner bash
  step "build the web app and server" bash -c 'cd "$1" && { npx next build >.cache/next-build.log 2>&1 || { cat .cache/next-build.log; exit 1; }; } && node scripts/build-server.mjs' _ "$PROJECT_ROOT"
}
