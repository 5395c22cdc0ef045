#!/usr/bin/env bash
# npm run cluster [-- --replicas N]: several replicas of the platform on this machine, sharing
# live state through Redis, behind nginx on http://localhost:${PORT:-3000}.
#   provision (+ redis-server, nginx) · production build (as npm start) · Redis on 127.0.0.1:6379
#   (unless one answers, or REDIS_URL names another) · N replicas on 127.0.0.1:3001… · nginx in
#   front, rendered from deploy/nginx/agentdesk.conf. Ctrl-C or SIGTERM stops them all, replicas
#   first (they tell their clients and store what runs were doing), then nginx, then Redis.
#
# Environment (besides the platform's own, which every replica gets):
#   PORT=3000               where nginx listens (on HOST, default 0.0.0.0)
#   REPLICA_BASE_PORT=3001  replica i listens on 127.0.0.1:(REPLICA_BASE_PORT + i - 1)
#   REDIS_URL=redis://…     use this Redis and start none; unset: 127.0.0.1:REDIS_PORT
#   REDIS_PORT=6379         the local Redis to use or start
#   MAX_LIVE_CLIS=n         the host's CLI cap (default: from memory), divided among replicas
#   MAX_CLI_STARTS=n        CLIs booting at once on the host (default: its cores), divided among replicas
#   CLUSTER_DIR=.cache/cluster  logs, the nginx prefix, the local Redis's directory
#   CLUSTER_SKIP_BUILD=1    the build exists already (npm test, Playwright): provision and build nothing
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=cluster
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source scripts/lib/common.sh
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
source scripts/lib/build.sh
# shellcheck source-path=SCRIPTDIR source=lib/nginx.sh
source scripts/lib/nginx.sh

REPLICAS=3
PUBLIC_PORT="${PORT:-3000}"
PUBLIC_HOST="${HOST:-0.0.0.0}"
REPLICA_BASE_PORT="${REPLICA_BASE_PORT:-$(( PUBLIC_PORT + 1 ))}"
REDIS_PORT="${REDIS_PORT:-6379}"
CLUSTER_DIR="${CLUSTER_DIR:-${CACHE_DIR}/cluster}"
SHARED_DATA_DIR="${DATA_DIR:-data}"
# The server's own shutdown grace is 10 s (server/server.ts); past this a replica is killed.
REPLICA_STOP_SECONDS=15
HEALTH_TIMEOUT_SECONDS=180

REPLICA_PIDS=()
REPLICA_PORTS=()
NGINX_PID=""
REDIS_PID=""
REDIS_NOTE=""
STOPPING=""

usage() {
  cat <<EOF
usage: npm run cluster [-- --replicas N]     (N from 1 to 16, default ${REPLICAS})
Starts Redis, N replicas on 127.0.0.1:${REPLICA_BASE_PORT}… and nginx on ${PUBLIC_HOST}:${PUBLIC_PORT}.
Logs: ${CLUSTER_DIR#"$PROJECT_ROOT"/}/. Ctrl-C stops everything. See docs/cluster.md.
EOF
}

parse_args() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      --replicas|-n) [[ $# -ge 2 ]] || die "$1 needs a number"; REPLICAS=$2; shift 2 ;;
      --replicas=*) REPLICAS=${1#*=}; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
  [[ "$REPLICAS" =~ ^[0-9]+$ ]] && (( REPLICAS >= 1 && REPLICAS <= 16 )) || die "--replicas must be a number from 1 to 16 (got '${REPLICAS}')"
}

rel() { echo "${1#"$PROJECT_ROOT"/}"; }

# 200, 503… for GET http://127.0.0.1:PORT/PATH, or 000 when nothing answers (bash only, no curl).
http_status() {
  local port=$1 path=$2 line
  line="$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 0
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3
    IFS= read -r -t 5 status_line <&3 && echo "$status_line"
  )" || true
  line=${line#HTTP/1.? }
  line=${line%%[[:space:]]*}
  [[ "$line" =~ ^[0-9]{3}$ ]] && echo "$line" || echo 000
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_answers() { [[ "$(timeout 2 redis-cli -u "$1" ping 2>/dev/null)" == PONG ]]; }

redacted_url() { sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#' <<<"$1"; }

# The host's cap on live CLIs, as server/limits/live-cli-cap.ts derives it when MAX_LIVE_CLIS is
# unset: the memory this machine (or its cgroup) allows, less a quarter (at least 1 GiB), over
# 300 MB per CLI, at least 1.
host_live_cli_cap() {
  if [[ -n "${MAX_LIVE_CLIS:-}" ]]; then echo "$MAX_LIVE_CLIS"; return; fi
  local usable limit="" file text
  usable=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 ))
  for file in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
    [[ -r "$file" ]] || continue
    text="$(<"$file")"
    [[ "$text" =~ ^[0-9]+$ ]] && (( text > 0 && text < 1152921504606846976 )) && limit=$text
    break
  done
  [[ -n "$limit" ]] && (( limit < usable )) && usable=$limit
  local headroom=$(( usable / 4 )) gib=$(( 1024 * 1024 * 1024 ))
  (( headroom < gib )) && headroom=$gib
  local cap=$(( (usable - headroom) / (300 * 1024 * 1024) ))
  (( cap < 1 )) && cap=1
  echo "$cap"
}

replica_port()     { echo $(( REPLICA_BASE_PORT + $1 - 1 )); }
replica_stand_in() { echo $(( ${MODEL_STAND_IN_PORT:-3199} + $1 - 1 )); }
replica_egress()   { local base=${EGRESS_PROXY_PORT:-0}; (( base == 0 )) && echo 0 || echo $(( base + $1 - 1 )); }
offline_model()    { [[ -z "${ANTHROPIC_API_KEY:-}${CLAUDE_CODE_OAUTH_TOKEN:-}${ANTHROPIC_BASE_URL:-}" ]]; }

# Fail before building when a port the cluster needs is taken (npm start, an earlier cluster…).
check_ports() {
  local busy=() i p
  port_busy "$PUBLIC_PORT" && busy+=("${PUBLIC_PORT} (nginx)")
  for (( i = 1; i <= REPLICAS; i++ )); do
    p=$(replica_port "$i"); port_busy "$p" && busy+=("${p} (replica-${i})")
    if offline_model; then p=$(replica_stand_in "$i"); port_busy "$p" && busy+=("${p} (replica-${i}'s demo model)"); fi
  done
  if [[ ${#busy[@]} -gt 0 ]]; then
    local hint=""
    [[ -s "${CLUSTER_DIR}/pids" ]] && hint=" An earlier cluster may still run: $(tr '\n' ' ' <"${CLUSTER_DIR}/pids")"
    die "ports in use: ${busy[*]}. Stop what holds them (npm start?) or set PORT / REPLICA_BASE_PORT / MODEL_STAND_IN_PORT.${hint}"
  fi
  STEP_NOTE="nginx :${PUBLIC_PORT}, replicas :${REPLICA_BASE_PORT}-:$(replica_port "$REPLICAS")"
}

# Redis holds only what is live (rooms, run events, leases, counters); the store is the record,
# so the local one keeps nothing on disk.
ensure_redis() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    redis_answers "$REDIS_URL" || die "REDIS_URL=$(redacted_url "$REDIS_URL") does not answer PING"
    REDIS_NOTE="given by REDIS_URL, left alone"
    STEP_NOTE="using $(redacted_url "$REDIS_URL")"
    return 0
  fi
  REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"
  if redis_answers "$REDIS_URL"; then
    REDIS_NOTE="was already running, left running"
    STEP_NOTE="already running on ${REDIS_URL}"
    return 0
  fi
  have_sbin redis-server || die "redis-server is not installed: run scripts/provision.sh (it installs it)"
  local log_file="${CLUSTER_DIR}/redis.log"
  mkdir -p "${CLUSTER_DIR}/redis"
  : >"$log_file"
  setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "${CLUSTER_DIR}/redis" --daemonize no --logfile "$log_file" </dev/null >>"$log_file" 2>&1 &
  REDIS_PID=$!
  local i
  for (( i = 0; i < 50; i++ )); do
    redis_answers "$REDIS_URL" && { REDIS_NOTE="started here"; STEP_NOTE="started on ${REDIS_URL}"; return 0; }
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 20 "$log_file" >&2
  die "redis-server did not answer on ${REDIS_URL}; log: $(rel "$log_file")"
}

# Every replica must sign and read the same session cookies. Replicas share DATA_DIR, so the
# secret a lone server would generate there is the one to share; made here, before any starts.
SHARED_AUTH_SECRET=""
ensure_shared_auth_secret() {
  if [[ -n "${AUTH_SECRET:-}" ]]; then
    SHARED_AUTH_SECRET=$AUTH_SECRET; STEP_NOTE="AUTH_SECRET from the environment"; return 0
  fi
  local file="${SHARED_DATA_DIR}/auth-secret"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$SHARED_DATA_DIR"
    # Like the server: 32 random bytes, base64url, readable by the owner only, never overwritten.
    (umask 077; set -o noclobber; node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))' >"$file") 2>/dev/null || true
    STEP_NOTE="generated into $(rel "$(realpath "$file")")"
  else
    STEP_NOTE="read from $(rel "$(realpath "$file")")"
  fi
  SHARED_AUTH_SECRET="$(tr -d '[:space:]' <"$file")"
  (( ${#SHARED_AUTH_SECRET} >= 32 )) || die "${file} holds no usable session secret (under 32 characters): delete it or set AUTH_SECRET"
}

# Runs in the background job: the variables are exported there, not passed on a command line,
# so the secret stays out of `ps`. setsid: Ctrl-C reaches this script only, which stops the
# parts in order.
run_replica() {
  export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
  export PORT="$2" HOST=127.0.0.1 INSTANCE_ID="replica-$1"
  export REDIS_URL DATA_DIR="$SHARED_DATA_DIR" AUTH_SECRET="$SHARED_AUTH_SECRET"
  export MODEL_STAND_IN_PORT="$3" EGRESS_PROXY_PORT="$(replica_egress "$1")"
  export MAX_LIVE_CLIS="$PER_REPLICA_CLIS" MAX_CLI_STARTS="$PER_REPLICA_STARTS"
  # Replicas listen on loopback: only nginx reaches them, so its X-Forwarded-For entry is the
  # client's address (guest sign-ups count per person's address, not per nginx).
  export TRUST_PROXY_HOPS="${TRUST_PROXY_HOPS:-1}"
  exec setsid node dist/server.js
}

start_replica() {
  local i=$1 port stand_in log_file
  port=$(replica_port "$i"); stand_in=$(replica_stand_in "$i")
  log_file="${CLUSTER_DIR}/replica-${i}.log"
  : >"$log_file"
  run_replica "$i" "$port" "$stand_in" </dev/null >>"$log_file" 2>&1 &
  REPLICA_PIDS[i]=$!
  REPLICA_PORTS[i]=$port
}

wait_healthy() {
  local name=$1 pid=$2 port=$3 log_file=$4 deadline status
  deadline=$(( $(date +%s) + HEALTH_TIMEOUT_SECONDS ))
  for (( ;; )); do
    status=$(http_status "$port" /health)
    [[ "$status" == 200 ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log_file" >&2
      die "${name} exited while starting; log: $(rel "$log_file")"
    fi
    if (( $(date +%s) > deadline )); then
      tail -n 30 "$log_file" >&2
      die "${name} did not answer /health with 200 within ${HEALTH_TIMEOUT_SECONDS}s (last: ${status}); log: $(rel "$log_file")"
    fi
    sleep 0.5
  done
}

PER_REPLICA_CLIS=2
PER_REPLICA_STARTS=1
start_replicas() {
  local cap i starts
  cap=$(host_live_cli_cap)
  # The cap counts CLIs on this host; each replica enforces its share (at least 2).
  PER_REPLICA_CLIS=$(( cap / REPLICAS ))
  (( PER_REPLICA_CLIS < 2 )) && PER_REPLICA_CLIS=2
  # A CLI's start is CPU-bound (server/limits/cli-start-cap.ts): the host's cores, shared out (at least 1 each).
  starts="${MAX_CLI_STARTS:-$(nproc)}"
  PER_REPLICA_STARTS=$(( starts / REPLICAS ))
  (( PER_REPLICA_STARTS < 1 )) && PER_REPLICA_STARTS=1
  # The first replica alone: it does the host's one-time setup (workspace firewall chain, image
  # and network checks) that the others then find done. The rest start together.
  start_replica 1
  wait_healthy replica-1 "${REPLICA_PIDS[1]}" "${REPLICA_PORTS[1]}" "${CLUSTER_DIR}/replica-1.log"
  for (( i = 2; i <= REPLICAS; i++ )); do start_replica "$i"; done
  for (( i = 2; i <= REPLICAS; i++ )); do
    wait_healthy "replica-${i}" "${REPLICA_PIDS[i]}" "${REPLICA_PORTS[i]}" "${CLUSTER_DIR}/replica-${i}.log"
  done
  STEP_NOTE="${REPLICAS} healthy; MAX_LIVE_CLIS=${PER_REPLICA_CLIS} MAX_CLI_STARTS=${PER_REPLICA_STARTS} each (host cap ${cap})"
}

start_nginx() {
  local prefix="${CLUSTER_DIR}/nginx" bin
  bin="$(nginx_bin)" || die "nginx is not installed: run scripts/provision.sh (it installs it)"
  write_nginx_prefix "$prefix" "${PUBLIC_HOST}:${PUBLIC_PORT}" "${REPLICA_PORTS[@]}" || die "could not render deploy/nginx/agentdesk.conf"
  check_nginx_prefix "$prefix" || die "nginx refuses the rendered configuration ($(rel "$prefix")/nginx.conf)"
  : >"${prefix}/logs/error.log"
  setsid "$bin" -p "$prefix" -c "${prefix}/nginx.conf" </dev/null >>"${prefix}/logs/error.log" 2>&1 &
  NGINX_PID=$!
  wait_healthy nginx "$NGINX_PID" "$PUBLIC_PORT" "${prefix}/logs/error.log"
  STEP_NOTE="${PUBLIC_HOST}:${PUBLIC_PORT} → ${#REPLICA_PIDS[@]} replicas, /health answers through it"
}

write_pids() {
  {
    local i
    for i in "${!REPLICA_PIDS[@]}"; do echo "replica-${i} ${REPLICA_PIDS[i]}"; done
    [[ -n "$NGINX_PID" ]] && echo "nginx ${NGINX_PID}"
    [[ -n "$REDIS_PID" ]] && echo "redis ${REDIS_PID}"
  } >"${CLUSTER_DIR}/pids"
}

print_table() {
  local i row='%-10s  %-26s  %-7s  %s'
  log "what runs where:"
  log "  $(printf "$row" part address pid log)"
  log "  $(printf "$row" nginx "http://localhost:${PUBLIC_PORT}" "$NGINX_PID" "$(rel "${CLUSTER_DIR}")/nginx/logs/{error,access}.log")"
  for i in "${!REPLICA_PIDS[@]}"; do
    log "  $(printf "$row" "replica-${i}" "http://127.0.0.1:${REPLICA_PORTS[i]}" "${REPLICA_PIDS[i]}" "$(rel "${CLUSTER_DIR}")/replica-${i}.log")"
  done
  local redis_log="-"
  [[ -n "$REDIS_PID" ]] && redis_log="$(rel "${CLUSTER_DIR}")/redis.log"
  log "  $(printf "$row" redis "$(redacted_url "$REDIS_URL")" "${REDIS_PID:--}" "${redis_log} (${REDIS_NOTE})")"
  local store="sqlite in ${SHARED_DATA_DIR}/"
  [[ "${STORE:-}" == firestore || ( -z "${STORE:-}" && -n "${FIRESTORE_EMULATOR_HOST:-}${GOOGLE_APPLICATION_CREDENTIALS:-}${GOOGLE_CLOUD_PROJECT:-}" ) ]] && store="firestore"
  log "  $(printf "$row" store "$store" - "shared by every replica (DATA_DIR ${SHARED_DATA_DIR})")"
  if offline_model; then
    log "  offline demo model: one per replica on :$(replica_stand_in 1)-:$(replica_stand_in "$REPLICAS") (set ANTHROPIC_API_KEY to talk to Claude)"
  fi
}

# True once the child has exited (a zombie until reaped) or is gone.
process_ended() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat=${stat##*) }
  [[ "${stat:0:1}" == Z ]]
}

# reap_within SECONDS PID...: waits for the children to end, SIGKILLs whatever is left after
# SECONDS, and sets REAPED to "pid:code" per child (137 = killed).
REAPED=""
reap_within() {
  local seconds=$1; shift
  local deadline=$(( $(now_ms) + seconds * 1000 )) p rc left
  REAPED=""
  for (( ;; )); do
    left=0
    for p in "$@"; do process_ended "$p" || left=1; done
    (( left == 0 )) && break
    if (( $(now_ms) > deadline )); then
      for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
      break
    fi
    sleep 0.2
  done
  for p in "$@"; do
    rc=0; wait "$p" 2>/dev/null || rc=$?
    REAPED+="${p}:${rc} "
  done
  REAPED=${REAPED% }
}

stop_cluster() {
  [[ -z "$STOPPING" ]] || return 0
  STOPPING=1
  trap '' INT TERM
  local i live=() names=()
  for i in "${!REPLICA_PIDS[@]}"; do
    if kill -TERM "${REPLICA_PIDS[i]}" 2>/dev/null; then live+=("${REPLICA_PIDS[i]}"); names+=("replica-${i}"); fi
  done
  if [[ ${#live[@]} -gt 0 ]]; then
    log "stopping ${names[*]} (SIGTERM; they end their runs and tell their clients, ${REPLICA_STOP_SECONDS}s at most)"
    reap_within "$REPLICA_STOP_SECONDS" "${live[@]}"
    log "replicas ended (pid:exit code, 137 = killed): ${REAPED}"
  fi
  # Fast shutdown (SIGTERM: the master ends its workers); the replicas closed their clients already.
  if [[ -n "$NGINX_PID" ]] && kill -TERM "$NGINX_PID" 2>/dev/null; then
    reap_within 5 "$NGINX_PID"; log "nginx ended (${REAPED})"
  fi
  if [[ -n "$REDIS_PID" ]] && kill -TERM "$REDIS_PID" 2>/dev/null; then
    reap_within 5 "$REDIS_PID"; log "redis-server ended (${REAPED})"
  fi
  if [[ -n "$PARENT_WATCH_PID" ]]; then kill "$PARENT_WATCH_PID" 2>/dev/null || true; wait "$PARENT_WATCH_PID" 2>/dev/null || true; fi
  rm -f "${CLUSTER_DIR}/pids"
  REPLICA_PIDS=(); NGINX_PID=""; REDIS_PID=""
}

on_exit_cleanup() { stop_cluster; }

# npm forwards SIGTERM to `sh -c "bash scripts/cluster.sh"`, and that sh dies without passing it
# on: when the process that started this script is gone, stop as if signalled.
PARENT_WATCH_PID=""
watch_parent() {
  local parent=$PPID
  (( parent > 1 )) || return 0
  ( trap - INT TERM; while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) </dev/null >/dev/null 2>&1 &
  PARENT_WATCH_PID=$!
}

on_signal() {
  log "$1: stopping the cluster"
  stop_cluster
  log "stopped"
  exit 0
}

# Until a signal: a replica that dies is reported (nginx sends its traffic to the others);
# the cluster ends when nginx does or no replica is left.
supervise() {
  local done_pid rc i name
  for (( ;; )); do
    local watched=("${REPLICA_PIDS[@]}" "$NGINX_PID")
    [[ -n "$REDIS_PID" ]] && watched+=("$REDIS_PID")
    done_pid=""; rc=0
    # (stderr: bash's own "Killed" job notice; the lines below say it better)
    wait -n -p done_pid "${watched[@]}" 2>/dev/null || rc=$?
    [[ -n "$done_pid" ]] || continue
    if [[ "$done_pid" == "$NGINX_PID" ]]; then
      NGINX_PID=""
      die "nginx exited (code ${rc}); see $(rel "$CLUSTER_DIR")/nginx/logs/error.log"
    fi
    if [[ "$done_pid" == "$REDIS_PID" ]]; then
      REDIS_PID=""
      warn "redis-server exited (code ${rc}): replicas go on alone (each logs that Redis is unreachable); see $(rel "$CLUSTER_DIR")/redis.log"
      continue
    fi
    for i in "${!REPLICA_PIDS[@]}"; do
      [[ "${REPLICA_PIDS[i]}" == "$done_pid" ]] || continue
      name="replica-${i}"
      unset 'REPLICA_PIDS[i]'
      warn "${name} exited (code ${rc}); nginx sends its traffic to the others. Log: $(rel "$CLUSTER_DIR")/${name}.log"
    done
    write_pids
    [[ ${#REPLICA_PIDS[@]} -gt 0 ]] || die "no replica is left"
  done
}

main() {
  parse_args "$@"
  install_step_trap
  local t0
  t0=$(now_ms)
  mkdir -p "$CLUSTER_DIR"
  ensure_node_modules
  run_step "ports" check_ports
  if [[ "${CLUSTER_SKIP_BUILD:-0}" != 1 ]]; then
    PROVISION_BROWSER=0 bash scripts/provision.sh
    build_web_and_server
  fi
  trap 'on_signal SIGINT' INT
  trap 'on_signal SIGTERM' TERM
  watch_parent
  run_step "redis" ensure_redis
  run_step "auth secret" ensure_shared_auth_secret
  run_step "replicas" start_replicas
  run_step "nginx" start_nginx
  write_pids
  print_summary "$(( $(now_ms) - t0 ))"
  print_table
  log "ready: http://localhost:${PUBLIC_PORT} (through nginx). Ctrl-C stops everything."
  supervise
}

main "$@"
