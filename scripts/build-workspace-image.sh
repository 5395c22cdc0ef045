#!/usr/bin/env bash
# Build the workspace image (docker/workspace/Dockerfile + the pinned Claude Code
# binary) unless an image with the same inputs hash already exists.
#
# Run it directly (`bash scripts/build-workspace-image.sh [--force]`) or source it
# and call build_workspace_image (scripts/provision.sh does).
#
# Environment:
#   WORKSPACE_IMAGE  image name (default agent-platform/workspace:latest)
#   BASE_IMAGE       base image (default: debian:bookworm-slim if local, else
#                    agent-platform/debian-base:bookworm, which provision.sh builds)
#   CLAUDE_BINARY    Claude Code native binary (default: the one pinned in node_modules)
#   FORCE_BUILD=1    rebuild even when the inputs hash is unchanged

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/docker-build.sh
source "${PROJECT_ROOT}/scripts/lib/docker-build.sh"

WORKSPACE_IMAGE="${WORKSPACE_IMAGE:-agent-platform/workspace:latest}"
WORKSPACE_DIR="${PROJECT_ROOT}/docker/workspace"
CLAUDE_PACKAGE_DIR="${PROJECT_ROOT}/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64"
INPUTS_HASH_LABEL="platform.inputs-hash"

default_base_image() {
  local candidate
  for candidate in debian:bookworm-slim agent-platform/debian-base:bookworm; do
    if image_exists "$candidate"; then echo "$candidate"; return 0; fi
  done
  die "no base image: run scripts/provision.sh (it pulls debian:bookworm-slim or builds one offline)"
}

claude_binary_path() {
  if [[ -n "${CLAUDE_BINARY:-}" ]]; then echo "$CLAUDE_BINARY"; return 0; fi
  ensure_node_modules >&2
  echo "${CLAUDE_PACKAGE_DIR}/claude"
}

# Everything that decides the image's content: the files beside the Dockerfile,
# the base image id and the Claude binary.
workspace_inputs_hash() {
  local base_id=$1 claude_sum=$2 f
  {
    echo "base-image-id ${base_id}"
    echo "claude-sha256 ${claude_sum}"
    while IFS= read -r f; do
      echo "file ${f#"$WORKSPACE_DIR"/} $(stat -c '%a' "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
    done < <(find "$WORKSPACE_DIR" -type f | LC_ALL=C sort)
  } | sha256sum | cut -d' ' -f1
}

# The build context holds only docker/workspace/* and the binary (hard-linked when
# possible), never node_modules.
assemble_build_context() {
  local ctx=$1 bin=$2
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "${WORKSPACE_DIR}/." "$ctx/"
  if [[ -x "$bin" ]] && ln -f "$bin" "${ctx}/claude" 2>/dev/null; then
    :
  else
    cp "$bin" "${ctx}/claude"
    chmod 755 "${ctx}/claude"
  fi
}

build_workspace_image() {
  local base_image="${BASE_IMAGE:-}"
  [[ -n "$base_image" ]] || base_image="$(default_base_image)"
  local bin
  bin="$(claude_binary_path)"
  [[ -f "$bin" ]] || die "Claude Code binary not found at ${bin}: run 'npm ci' (it comes from the optional package @anthropic-ai/claude-agent-sdk-linux-x64; do not install with --omit=optional)"
  [[ -f "${WORKSPACE_DIR}/Dockerfile" ]] || die "missing ${WORKSPACE_DIR}/Dockerfile"

  local base_id claude_sum hash
  base_id="$(image_id "$base_image")" || die "base image ${base_image} is not present"
  # The ~400 MB binary: its cached sum keeps the warm path instant.
  claude_sum="$(cached_sha256 "$bin" claude-binary)"
  hash="$(workspace_inputs_hash "$base_id" "$claude_sum")"
  image_up_to_date "$WORKSPACE_IMAGE" "$INPUTS_HASH_LABEL" "$hash" && return 0

  local claude_version ctx="${CACHE_DIR}/workspace-context"
  claude_version="$("$bin" --version 2>/dev/null | head -n1 | cut -d' ' -f1 || true)"
  log "building ${WORKSPACE_IMAGE} from ${base_image} (claude ${claude_version:-unknown}, inputs ${hash:0:12})"
  assemble_build_context "$ctx" "$bin"
  build_image_from_context "$WORKSPACE_IMAGE" "$INPUTS_HASH_LABEL" "$hash" "$ctx" \
    "BASE_IMAGE=${base_image}" "CLAUDE_VERSION=${claude_version}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  [[ "${1:-}" == "--force" ]] && FORCE_BUILD=1
  install_step_trap
  t0=$(now_ms)
  docker_ready || die "the Docker engine does not answer: run scripts/provision.sh"
  run_step "workspace image" build_workspace_image
  print_summary "$(( $(now_ms) - t0 ))"
fi
