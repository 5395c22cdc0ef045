# shellcheck shell=bash
# Building an image only when its inputs changed, shared by scripts/build-workspace-image.sh and
# scripts/build-platform-image.sh. Source it after common.sh. Each image carries the hash of its
# inputs in a label (its Dockerfile sets it from the INPUTS_HASH build argument).

# sha256 of a file, cached in .cache/NAME.sha256 against its path, size and mtime: the binaries
# that go into the images are 100-400 MB, hashing one takes about a second, the cache makes the
# warm path instant.
cached_sha256() {
  local file=$1 cache="${CACHE_DIR}/$2.sha256" stamp sum
  stamp="$(stat -c '%n %s %Y' "$file")"
  if [[ -f "$cache" && "$(head -n1 "$cache")" == "$stamp" ]]; then sed -n 2p "$cache"; return 0; fi
  sum="$(sha256sum "$file" | cut -d' ' -f1)"
  mkdir -p "$CACHE_DIR"
  printf '%s\n%s\n' "$stamp" "$sum" >"$cache"
  echo "$sum"
}

# image_up_to_date IMAGE LABEL HASH: true, and STEP_NOTE says so, when the image's LABEL already
# holds HASH (unless FORCE_BUILD=1).
image_up_to_date() {
  local image=$1 label=$2 hash=$3 current
  current="$(image_label "$image" "$label" || true)"
  [[ "$current" == "$hash" && "${FORCE_BUILD:-0}" != 1 ]] || return 1
  STEP_NOTE="${image} up to date (inputs ${hash:0:12})"
}

# build_image_from_context IMAGE LABEL HASH CONTEXT [NAME=VALUE...]: docker build of the assembled
# context with INPUTS_HASH=HASH and the given build arguments; then the context goes, and so do the
# earlier images with LABEL left untagged, except those that containers still run (they go on a
# later build).
build_image_from_context() {
  local image=$1 label=$2 hash=$3 ctx=$4 arg size_mb
  shift 4
  local build_args=(--build-arg "INPUTS_HASH=${hash}")
  for arg in "$@"; do build_args+=(--build-arg "$arg"); done
  # The classic builder streams every RUN line as plain text; BuildKit is not assumed (the CLI
  # here has no buildx plugin).
  local rc=0
  DOCKER_BUILDKIT=0 docker build --tag "$image" "${build_args[@]}" "$ctx" 2>&1 \
    | { grep -v -e '^DEPRECATED: The legacy builder' -e 'BuildKit is currently disabled' \
          -e 'Install the buildx component' -e 'docs.docker.com/go/buildx' -e '^ *environment-variable\.$' -e '^ *$' || true; } \
    || rc=$?
  [[ $rc -eq 0 ]] || die "docker build of ${image} failed (exit ${rc})"
  rm -rf "$ctx"

  docker image prune --force --filter "label=${label}" >/dev/null 2>&1 || true
  size_mb=$(( $(docker image inspect -f '{{.Size}}' "$image") / 1000000 ))
  STEP_NOTE="built ${image} (${size_mb} MB, inputs ${hash:0:12})"
}
