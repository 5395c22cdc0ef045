# shellcheck shell=bash disable=SC2034  # globals here are read by the scripts that source this file
# Shared helpers for the provisioning scripts: logging, step timing, small checks.
# Source it from a script that already runs with `set -euo pipefail`.

# Project root (this file lives in scripts/lib/).
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${PROJECT_ROOT}/.cache"
# Log prefix: the calling script's name ("[provision]", "[start]", ...).
LOG_TAG="${LOG_TAG:-$(basename "${0%.sh}")}"

# Milliseconds since the epoch (bash 5 has EPOCHREALTIME; fall back to date).
now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[,.]/}"
    echo "${t:0:${#t}-3}"
  else
    echo "$(( $(date +%s) * 1000 ))"
  fi
}

# Format a millisecond duration as seconds with one decimal: 3217 -> 3.2s
fmt_ms() {
  local ms=$1
  printf '%d.%ds' "$(( ms / 1000 ))" "$(( (ms % 1000) / 100 ))"
}

log()  { printf '[%s] %s\n' "$LOG_TAG" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$LOG_TAG" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

is_root() { [[ "$(id -u)" == 0 ]]; }

# Step runner. A step function may set STEP_NOTE to explain what it did
# ("already running", "skipped: ..."). If the step fails, the EXIT trap set by
# install_step_trap reports which step failed and after how long.
CURRENT_STEP=""
STEP_T0=0
STEP_NOTE=""
STEP_SUMMARY=()

run_step() {
  local name=$1; shift
  CURRENT_STEP=$name
  STEP_NOTE=""
  STEP_T0=$(now_ms)
  log "${name} …"
  "$@"
  local dt=$(( $(now_ms) - STEP_T0 ))
  log "${name} … ok ($(fmt_ms "$dt"))${STEP_NOTE:+ - ${STEP_NOTE}}"
  STEP_SUMMARY+=("$(printf '%-16s %7s  %s' "$name" "$(fmt_ms "$dt")" "$STEP_NOTE")")
  CURRENT_STEP=""
}

# Short alias: `step "build the app" some command --with args`
step() { run_step "$@"; }

_step_exit_trap() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$CURRENT_STEP" ]]; then
    local dt=$(( $(now_ms) - STEP_T0 ))
    printf '[%s] %s … FAILED (exit %d after %s)\n' "$LOG_TAG" "$CURRENT_STEP" "$rc" "$(fmt_ms "$dt")" >&2
  fi
  # Extra cleanup hooks registered by the calling script.
  if declare -F on_exit_cleanup >/dev/null; then on_exit_cleanup || true; fi
  return $rc
}

install_step_trap() { trap _step_exit_trap EXIT; }

print_summary() {
  local total_ms=$1
  log "summary:"
  local l
  for l in "${STEP_SUMMARY[@]}"; do log "  ${l}"; done
  log "  $(printf '%-16s %7s' total "$(fmt_ms "$total_ms")")"
}

# `docker info` with a timeout so a wedged engine cannot hang the script.
docker_ready() { timeout 10 docker info >/dev/null 2>&1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null; }

image_label() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null; }

# node_modules is needed for the pinned Claude binary (and everything else).
# Installs exactly what package-lock.json pins; browsers come from apt, not Playwright.
ensure_node_modules() {
  if [[ -d "${PROJECT_ROOT}/node_modules" && -f "${PROJECT_ROOT}/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  have npm || die "node_modules is missing and npm is not installed: install Node.js >= 20.9 and run 'npm ci'"
  log "node_modules is missing: running npm ci"
  (cd "$PROJECT_ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

# Like `have`, but also finds daemons in the sbin directories a non-root PATH may lack (nginx).
have_sbin() { have "$1" || [[ -x "/usr/sbin/$1" || -x "/usr/local/sbin/$1" ]]; }
