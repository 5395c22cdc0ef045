#!/usr/bin/env bash
# Provision everything the platform needs on this machine, idempotently:
#   a. platform check   b. system packages (docker.io, debootstrap, chromium, redis-server, nginx)
#   c. Docker engine    d. Debian base image (local, pulled, or built offline)
#   e. workspace image  (skipped when its inputs hash is unchanged)
#
# Environment:
#   PROVISION_BROWSER=0      skip Chromium (npm start does not need a browser)
#   PROVISION_CLUSTER=0      skip redis-server and nginx (only several replicas and their tests need them)
#   PROVISION_PULL=0         never try a registry pull for the base image
#   BASE_IMAGE=name:tag      use this base image instead of choosing one
#   WORKSPACE_IMAGE=name:tag workspace image name (default agent-platform/workspace:latest)
#   DEBIAN_MIRROR=url        mirror for the offline debootstrap build
#   DOCKERD_LOG=path         where a dockerd started here logs (default /var/log/dockerd.log)
#   OFFLINE_BASE_IMAGE=name  name for the debootstrap-built base (default agent-platform/debian-base:bookworm)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=build-workspace-image.sh
source "${PROJECT_ROOT}/scripts/build-workspace-image.sh"

PROVISION_BROWSER="${PROVISION_BROWSER:-1}"
PROVISION_CLUSTER="${PROVISION_CLUSTER:-1}"
PROVISION_PULL="${PROVISION_PULL:-1}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SLIM_BASE_IMAGE="debian:bookworm-slim"
OFFLINE_BASE_IMAGE="${OFFLINE_BASE_IMAGE:-agent-platform/debian-base:bookworm}"
BASE_TARBALL="${CACHE_DIR}/debian-bookworm-minbase.tar.gz"

MISSING_PKGS=()
ROOTFS_DIR=""

want_browser() { [[ "$PROVISION_BROWSER" != 0 ]]; }
want_cluster() { [[ "$PROVISION_CLUSTER" != 0 ]]; }
is_debian()    { [[ "$(uname -s)" == Linux && -f /etc/debian_version ]] && have apt-get; }

base_image_local() {
  image_exists "$SLIM_BASE_IMAGE" || image_exists "$OFFLINE_BASE_IMAGE"
}

# a. What is missing, and can this script install it?
check_platform() {
  MISSING_PKGS=()
  if ! have docker || { ! docker_ready && ! have dockerd; }; then
    MISSING_PKGS+=(docker.io)
  fi
  # debootstrap is the offline way to a base image; only needed when none is local.
  if ! have debootstrap && have apt-get && ! { docker_ready && base_image_local; }; then
    MISSING_PKGS+=(debootstrap)
  fi
  if want_browser && ! have chromium; then
    MISSING_PKGS+=(chromium)
  fi
  # Several replicas share live state through Redis behind nginx (npm run cluster, their tests).
  # Both live in sbin, which a non-root PATH may lack.
  if want_cluster; then
    have_sbin redis-server || MISSING_PKGS+=(redis-server)
    have_sbin nginx || MISSING_PKGS+=(nginx)
  fi

  local platform
  platform="$(uname -s)/$(uname -m)"
  [[ -f /etc/debian_version ]] && platform+=" Debian $(cat /etc/debian_version)"
  if [[ ${#MISSING_PKGS[@]} -eq 0 ]]; then
    STEP_NOTE="${platform}, nothing missing"
    return 0
  fi
  if is_debian && is_root; then
    STEP_NOTE="${platform}, will install: ${MISSING_PKGS[*]}"
    return 0
  fi

  {
    echo "[provision] missing: ${MISSING_PKGS[*]}"
    echo "[provision] this script installs them itself only on Debian/Ubuntu as root. Install them, then re-run:"
    if is_debian; then
      echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${MISSING_PKGS[*]}"
    else
      local p
      for p in "${MISSING_PKGS[@]}"; do
        case $p in
          docker.io)   echo "    - Docker Engine (docker CLI + dockerd): https://docs.docker.com/engine/install/" ;;
          debootstrap) echo "    - debootstrap (only needed when no registry is reachable to pull debian:bookworm-slim)" ;;
          chromium)    echo "    - Chromium on PATH as 'chromium' (for end-to-end tests; skip with PROVISION_BROWSER=0)" ;;
          redis-server) echo "    - Redis 7 (redis-server, redis-cli) for several replicas and their tests (skip with PROVISION_CLUSTER=0)" ;;
          nginx)       echo "    - nginx for several replicas and their tests (skip with PROVISION_CLUSTER=0)" ;;
        esac
      done
    fi
  } >&2
  return 1
}

# b. apt-get install only what is missing (one apt-get update).
install_packages() {
  if [[ ${#MISSING_PKGS[@]} -eq 0 ]]; then
    STEP_NOTE="already installed"
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$CACHE_DIR"
  local apt_log="${CACHE_DIR}/apt-install.log"
  log "apt-get install ${MISSING_PKGS[*]} (log: ${apt_log#"$PROJECT_ROOT"/})"
  apt_quiet "$apt_log" update
  forbid_service_starts
  apt_quiet "$apt_log" install -y --no-install-recommends "${MISSING_PKGS[@]}"
  allow_service_starts
  if [[ " ${MISSING_PKGS[*]} " == *" chromium "* ]] && ! chromium_works; then
    warn "chromium without recommended packages does not run headless; installing its recommends"
    apt_quiet "$apt_log" install -y chromium
    chromium_works || die "chromium is installed but 'chromium --headless --dump-dom about:blank' fails"
  fi
  STEP_NOTE="installed ${MISSING_PKGS[*]}"
}

# Debian's redis-server and nginx packages start their services on install (Redis on :6379,
# nginx's default site on :80) unless policy-rc.d says no. Nothing here should run that nobody
# asked for (the cluster script starts its own, on loopback): forbid it for this one install.
SERVICE_POLICY="/usr/sbin/policy-rc.d"
SERVICE_POLICY_ADDED=""
forbid_service_starts() {
  [[ -e "$SERVICE_POLICY" ]] && return 0
  printf '#!/bin/sh\n# written by agentdesk scripts/provision.sh for one apt-get install; removed after it\nexit 101\n' >"$SERVICE_POLICY"
  chmod 755 "$SERVICE_POLICY"
  SERVICE_POLICY_ADDED=1
}
allow_service_starts() {
  [[ -n "$SERVICE_POLICY_ADDED" ]] && rm -f "$SERVICE_POLICY"
  SERVICE_POLICY_ADDED=""
}

# apt-get with its output in a log; the log's tail is shown if it fails.
apt_quiet() {
  local log_file=$1; shift
  if ! apt-get "$@" >>"$log_file" 2>&1; then
    tail -n 25 "$log_file" >&2
    die "apt-get $* failed; full log: ${log_file}"
  fi
}

chromium_works() {
  local dom
  dom="$(timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --dump-dom about:blank 2>/dev/null || true)"
  [[ "$dom" == *"<html"* ]]
}

# c. Start dockerd only when no engine answers; never touch one that does.
ensure_docker_engine() {
  if docker_ready; then
    STEP_NOTE="already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  local info_err
  info_err="$(timeout 10 docker info 2>&1 >/dev/null || true)"
  if [[ "$info_err" == *"permission denied"* ]]; then
    die "the Docker engine runs but $(id -un) may not use its socket: add the user to the 'docker' group (or run as root), then re-run"
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    is_root || die "the Docker engine is not running and only root can start it here: start dockerd (or Docker Desktop), then re-run"
    local log_file="${DOCKERD_LOG:-/var/log/dockerd.log}"
    if ! touch "$log_file" 2>/dev/null; then
      mkdir -p "$CACHE_DIR"; log_file="${CACHE_DIR}/dockerd.log"
    fi
    log "starting dockerd (log: ${log_file})"
    setsid nohup dockerd >>"$log_file" 2>&1 </dev/null &
    STEP_NOTE="started dockerd, log ${log_file}"
  else
    STEP_NOTE="waited for a dockerd that was already starting"
  fi
  local i
  for (( i = 0; i < 60; i++ )); do
    docker_ready && return 0
    sleep 0.5
  done
  die "dockerd did not answer 'docker info' within 30s; see /var/log/dockerd.log or ${CACHE_DIR}/dockerd.log"
}

# d. A Debian bookworm base image: local slim image, then the offline one, then
#    the cached tarball, then a registry pull, then debootstrap.
ensure_base_image() {
  if [[ -n "${BASE_IMAGE:-}" ]]; then
    image_exists "$BASE_IMAGE" || timeout 120 docker pull "$BASE_IMAGE" \
      || die "BASE_IMAGE=${BASE_IMAGE} is neither local nor pullable"
    STEP_NOTE="${BASE_IMAGE} (from BASE_IMAGE)"
  elif image_exists "$SLIM_BASE_IMAGE"; then
    BASE_IMAGE=$SLIM_BASE_IMAGE; STEP_NOTE="${BASE_IMAGE} (local)"
  elif image_exists "$OFFLINE_BASE_IMAGE"; then
    BASE_IMAGE=$OFFLINE_BASE_IMAGE; STEP_NOTE="${BASE_IMAGE} (already built)"
  elif [[ -s "$BASE_TARBALL" ]]; then
    import_base_tarball
    BASE_IMAGE=$OFFLINE_BASE_IMAGE; STEP_NOTE="${BASE_IMAGE} (imported from ${BASE_TARBALL#"$PROJECT_ROOT"/})"
  elif [[ "$PROVISION_PULL" != 0 ]] && timeout 20 docker pull -q "$SLIM_BASE_IMAGE" 2>/dev/null; then
    BASE_IMAGE=$SLIM_BASE_IMAGE; STEP_NOTE="${BASE_IMAGE} (pulled)"
  else
    log "no registry reachable: building ${OFFLINE_BASE_IMAGE} offline with debootstrap (about a minute)"
    build_offline_base
    BASE_IMAGE=$OFFLINE_BASE_IMAGE; STEP_NOTE="${BASE_IMAGE} (built with debootstrap)"
  fi
  export BASE_IMAGE
}

build_offline_base() {
  have debootstrap || die "debootstrap is needed to build a base image offline: apt-get install -y debootstrap"
  is_root || die "debootstrap needs root"
  mkdir -p "$CACHE_DIR"
  ROOTFS_DIR="$(mktemp -d "${CACHE_DIR}/debootstrap.XXXXXX")"
  local log_file="${CACHE_DIR}/debootstrap.log" rc
  # Show debootstrap's stage lines only; the full output goes to the log.
  rc=0
  debootstrap --variant=minbase bookworm "$ROOTFS_DIR" "$DEBIAN_MIRROR" 2>&1 | tee "$log_file" \
    | { grep --line-buffered -E '^I: (Retrieving Packages|Resolving dependencies of required|Installing core|Unpacking required|Configuring required|Unpacking the base|Configuring the base|Base system installed)' || true; } \
    | sed -u 's/^I: /[provision]   debootstrap: /' \
    || rc=$?
  [[ $rc -eq 0 ]] || { tail -n 20 "$log_file" >&2; die "debootstrap failed (exit ${rc}); full log: ${log_file}"; }
  slim_rootfs "$ROOTFS_DIR"
  tar --numeric-owner -C "$ROOTFS_DIR" -c . | gzip -1 >"${BASE_TARBALL}.tmp"
  mv -f "${BASE_TARBALL}.tmp" "$BASE_TARBALL"
  remove_rootfs
  import_base_tarball
}

import_base_tarball() {
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase bookworm (agent-platform provision.sh)" \
    "$BASE_TARBALL" "$OFFLINE_BASE_IMAGE" >/dev/null
}

# Make the debootstrap tree look like debian:bookworm-slim: the same dpkg path
# excludes and apt settings, Debian's full sources, no docs, caches or host files.
slim_rootfs() {
  local r=$1
  cat >"${r}/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# as in debian:*-slim: keep packages from unpacking docs, man pages and translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  echo 'force-unsafe-io' >"${r}/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  cat >"${r}/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"${r}/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"${r}/etc/apt/apt.conf.d/docker-autoremove-suggests"
  rm -f "${r}/etc/apt/sources.list"
  cat >"${r}/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  find "${r}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "${r}/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "${r}"/usr/share/{man,info,groff,linda,locale}/* "${r}"/usr/share/lintian/overrides/*
  rm -rf "${r}"/var/cache/apt/archives/*.deb "${r}"/var/cache/apt/*.bin "${r}"/var/lib/apt/lists/* \
    "${r}/debootstrap"
  find "${r}/var/log" -type f -delete
  : >"${r}/etc/machine-id"
  rm -f "${r}/etc/hostname" "${r}/etc/resolv.conf"
}

# Unmount anything debootstrap left mounted before deleting the tree, and never
# cross into another filesystem while deleting.
remove_rootfs() {
  [[ -n "$ROOTFS_DIR" && -d "$ROOTFS_DIR" ]] || return 0
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done \
    < <(awk -v d="$ROOTFS_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$ROOTFS_DIR"
  ROOTFS_DIR=""
}

on_exit_cleanup() {
  allow_service_starts
  remove_rootfs
  rm -f "${BASE_TARBALL}.tmp"
}

main() {
  install_step_trap
  local t0
  t0=$(now_ms)
  cd "$PROJECT_ROOT"
  run_step "platform" check_platform
  run_step "packages" install_packages
  run_step "docker engine" ensure_docker_engine
  run_step "base image" ensure_base_image
  run_step "workspace image" build_workspace_image
  print_summary "$(( $(now_ms) - t0 ))"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
