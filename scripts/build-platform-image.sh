#!/usr/bin/env bash
# Build the platform's own image (docker/platform/Dockerfile: the built server + Next output +
# production node_modules + this machine's Node) unless an image with the same inputs exists.
# Runs `npm run build` first when there is no build to put in it.
#
#   bash scripts/build-platform-image.sh [--force] [--build]      (npm run image:platform)
#     --force  rebuild the image even when its inputs hash is unchanged
#     --build  run `npm run build` first even when a build exists
#
# Environment:
#   PLATFORM_IMAGE  image name (default agent-platform/platform:latest)
#   BASE_IMAGE      base image (default: debian:bookworm-slim if local, else
#                   agent-platform/debian-base:bookworm, which provision.sh builds)
#   NODE_BINARY     the Node binary to put in the image (default: the `node` on PATH)
#   FORCE_BUILD=1   as --force

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/docker-build.sh
source "${PROJECT_ROOT}/scripts/lib/docker-build.sh"
# default_base_image: the same base as the workspace image.
# shellcheck source-path=SCRIPTDIR source=build-workspace-image.sh
source "${PROJECT_ROOT}/scripts/build-workspace-image.sh"

PLATFORM_IMAGE="${PLATFORM_IMAGE:-agent-platform/platform:latest}"
PLATFORM_INPUTS_LABEL="agentdesk.platform-image.inputs-hash"
PLATFORM_CONTEXT_SCRIPT="${PROJECT_ROOT}/scripts/lib/platform-context.mjs"
APP_BUILD=0

node_binary_path() {
  if [[ -n "${NODE_BINARY:-}" ]]; then readlink -f "$NODE_BINARY"; return 0; fi
  have node || die "node is not on PATH: install Node.js >= 20.19 or set NODE_BINARY"
  readlink -f "$(command -v node)"
}

# A `next build` already running in this folder (another terminal, npm test) removes .next while
# it works: wait for it rather than start a second one over it.
wait_for_running_next_build() {
  local i pid waited=0
  for (( i = 0; i < 300; i++ )); do
    local running=""
    for pid in $(pgrep -f 'next build' 2>/dev/null || true); do
      [[ "$(readlink "/proc/${pid}/cwd" 2>/dev/null)" == "$PROJECT_ROOT" ]] && running=$pid
    done
    [[ -z "$running" ]] && break
    (( waited == 0 )) && log "waiting for the next build already running here (pid ${running})"
    waited=1
    sleep 2
  done
}

# The production build the image is made of: built when missing (or with --build), and a warning
# when sources changed after it.
ensure_app_build() {
  cd "$PROJECT_ROOT"
  ensure_node_modules
  wait_for_running_next_build
  if [[ "$APP_BUILD" == 1 || ! -f .next/BUILD_ID || ! -f dist/server.js ]]; then
    log "running npm run build (log: .cache/platform-app-build.log)"
    mkdir -p "$CACHE_DIR"
    NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 npm run build >"${CACHE_DIR}/platform-app-build.log" 2>&1 \
      || { tail -n 30 "${CACHE_DIR}/platform-app-build.log" >&2; die "npm run build failed"; }
    STEP_NOTE="built with npm run build"
    return 0
  fi
  if [[ ! -f dist/egress.js ]]; then
    node scripts/build-server.mjs >/dev/null
    STEP_NOTE="bundled dist/ (dist/egress.js was missing)"
  fi
  local newer
  newer="$(find app components lib server stores proxy.ts next.config.ts -newer .next/BUILD_ID -type f -print -quit 2>/dev/null || true)"
  if [[ -n "$newer" ]]; then
    warn "the build is older than ${newer}: the image gets the last build; pass --build to rebuild it first"
  fi
  STEP_NOTE="${STEP_NOTE:-using the existing build} ($(cat .next/BUILD_ID))"
}

# Everything that decides the image's content.
platform_inputs_hash() {
  local base_id=$1 node_sum=$2 f
  {
    echo "base-image-id ${base_id}"
    echo "node-sha256 ${node_sum}"
    echo "next-build-id $(cat "${PROJECT_ROOT}/.next/BUILD_ID")"
    for f in docker/platform/Dockerfile scripts/lib/platform-context.mjs node_modules/.package-lock.json \
      package.json next.config.ts dist/server.js dist/egress.js; do
      echo "file ${f} $(sha256sum <"${PROJECT_ROOT}/${f}" | cut -d' ' -f1)"
    done
    if [[ -d "${PROJECT_ROOT}/public" ]]; then
      while IFS= read -r f; do echo "file ${f#"$PROJECT_ROOT"/} $(sha256sum <"$f" | cut -d' ' -f1)"; done \
        < <(find "${PROJECT_ROOT}/public" -type f | LC_ALL=C sort)
    fi
  } | sha256sum | cut -d' ' -f1
}

# Assembles the context from one build: a `next build` running at the same moment (another
# terminal, a test) replaces .next under us, so the build id must be the same before and after.
assemble_platform_context() {
  local ctx=$1 node_bin=$2 attempt before after
  for (( attempt = 1; attempt <= 5; attempt++ )); do
    before="$(cat "${PROJECT_ROOT}/.next/BUILD_ID" 2>/dev/null || true)"
    if [[ -n "$before" ]] && node "$PLATFORM_CONTEXT_SCRIPT" "$PROJECT_ROOT" "$ctx" "$node_bin" >/dev/null 2>"${CACHE_DIR}/platform-context.log"; then
      after="$(cat "${PROJECT_ROOT}/.next/BUILD_ID" 2>/dev/null || true)"
      [[ "$before" == "$after" && -f "${ctx}/app/.next/BUILD_ID" ]] && return 0
    fi
    warn ".next changed while it was being copied (a next build running?); retrying in 10s"
    sleep 10
  done
  cat "${CACHE_DIR}/platform-context.log" >&2
  die "could not copy a stable .next: is a next build running in ${PROJECT_ROOT}?"
}

build_platform_image() {
  local base_image="${BASE_IMAGE:-}"
  [[ -n "$base_image" ]] || base_image="$(default_base_image)"
  local node_bin node_version base_id node_sum hash
  node_bin="$(node_binary_path)"
  node_version="$("$node_bin" --version)"
  base_id="$(image_id "$base_image")" || die "base image ${base_image} is not present: run npm run provision"
  node_sum="$(cached_sha256 "$node_bin" node-binary)"
  hash="$(platform_inputs_hash "$base_id" "$node_sum")"
  image_up_to_date "$PLATFORM_IMAGE" "$PLATFORM_INPUTS_LABEL" "$hash" && return 0

  local ctx="${CACHE_DIR}/platform-context"
  mkdir -p "$CACHE_DIR"
  log "building ${PLATFORM_IMAGE} from ${base_image} (node ${node_version}, inputs ${hash:0:12})"
  assemble_platform_context "$ctx" "$node_bin"
  # The classic builder's COPY layers are cached by content, so only what changed since the last
  # build is copied again.
  build_image_from_context "$PLATFORM_IMAGE" "$PLATFORM_INPUTS_LABEL" "$hash" "$ctx" \
    "BASE_IMAGE=${base_image}" "NODE_VERSION=${node_version}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  for arg in "$@"; do
    case $arg in
      --force) FORCE_BUILD=1 ;;
      --build) APP_BUILD=1 ;;
      *) die "unknown argument ${arg} (use --force, --build)" ;;
    esac
  done
  install_step_trap
  t0=$(now_ms)
  docker_ready || die "the Docker engine does not answer: run npm run provision"
  run_step "app build" ensure_app_build
  run_step "platform image" build_platform_image
  print_summary "$(( $(now_ms) - t0 ))"
fi
