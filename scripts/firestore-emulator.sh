#!/usr/bin/env bash
# The real Firestore emulator for the store's contract tests and for local development.
#   scripts/firestore-emulator.sh start|stop|status
# start is idempotent: an emulator already answering on the address is reused. stop ends only the
# emulator this script started (its process group, from the pid file), never a foreign one.
# The address comes from FIRESTORE_EMULATOR_HOST (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=firestore-emulator
source scripts/lib/common.sh

address="${FIRESTORE_EMULATOR_HOST:-127.0.0.1:8080}"
pid_file="${CACHE_DIR}/firestore-emulator.pid"
log_file="${CACHE_DIR}/firestore-emulator.log"
ready_timeout_s="${FIRESTORE_EMULATOR_START_TIMEOUT:-90}"

# The emulator answers "Ok" on / once it accepts requests.
answers() { [[ "$(curl -s --max-time 2 "http://${address}/" 2>/dev/null)" == Ok* ]]; }

our_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid=$(<"$pid_file")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  if answers; then
    log "already running on ${address}"
    return 0
  fi
  if pid=$(our_pid); then
    log "started earlier (pid ${pid}) but not answering yet: waiting"
  else
    have gcloud || die "gcloud is not installed: the Firestore emulator comes with the Google Cloud CLI"
    mkdir -p "$CACHE_DIR"
    # setsid: gcloud forks a Java process; its own process group lets stop end both together.
    setsid gcloud emulators firestore start --host-port="$address" --quiet >"$log_file" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pid_file"
    log "starting on ${address} (pid ${pid}, log ${log_file})"
  fi
  local t0; t0=$(now_ms)
  until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log_file" >&2 || true
      die "the emulator exited before answering"
    fi
    if (( $(now_ms) - t0 > ready_timeout_s * 1000 )); then
      tail -n 20 "$log_file" >&2 || true
      die "the emulator did not answer on ${address} within ${ready_timeout_s}s"
    fi
    sleep 0.5
  done
  log "ready on ${address} after $(fmt_ms $(( $(now_ms) - t0 )))"
  # The emulator's first real request warms its JVM and can take seconds; pay that here, not in
  # the first test's time budget.
  local w0; w0=$(now_ms)
  curl -s --max-time 60 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"fields":{}}' \
    "http://${address}/v1/projects/warm-up/databases/(default)/documents/warm-up" || true
  log "warmed up in $(fmt_ms $(( $(now_ms) - w0 )))"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$pid_file"
    if answers; then log "an emulator on ${address} was not started by this script: leaving it"; else log "not running"; fi
    return 0
  fi
  kill -TERM -- "-${pid}" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -KILL -- "-${pid}" 2>/dev/null || true
  rm -f "$pid_file"
  log "stopped (pid ${pid})"
}

status() {
  if answers; then
    local pid; pid=$(our_pid || echo "not ours")
    log "running on ${address} (pid ${pid})"
  else
    log "not running on ${address}"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
