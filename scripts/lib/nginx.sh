# shellcheck shell=bash
# nginx in front of several replicas on one machine, from the config we ship
# (deploy/nginx/agentdesk.conf). Used by scripts/cluster.sh and, through bash, by the
# integration tests (tests/integration/support/nginx.ts), so both run the same rendering.
# Needs nothing else from scripts/lib; every function returns non-zero with a sentence on stderr.

NGINX_SITE_TEMPLATE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/nginx/agentdesk.conf"

# The nginx binary (Debian puts it in /usr/sbin, which a non-root PATH may lack).
nginx_bin() {
  local candidate
  for candidate in "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx /usr/local/sbin/nginx; do
    [[ -n "$candidate" && -x "$candidate" ]] && { echo "$candidate"; return 0; }
  done
  echo "nginx is not installed: run scripts/provision.sh (or apt-get install -y nginx)" >&2
  return 1
}

# render_nginx_site TEMPLATE LISTEN REPLICA...
# Prints TEMPLATE with every "# BEGIN replicas" … "# END replicas" block holding one `server`
# line per REPLICA (a port on 127.0.0.1, or host:port), each with the parameters of the block's
# first server line (max_fails, fail_timeout…), and the `listen` line set to LISTEN.
render_nginx_site() {
  local template=$1 listen=$2; shift 2
  [[ -r "$template" ]] || { echo "render_nginx_site: cannot read ${template}" >&2; return 1; }
  [[ $# -gt 0 ]] || { echo "render_nginx_site: no replicas given" >&2; return 1; }
  local replica addresses=()
  for replica in "$@"; do
    if [[ "$replica" =~ ^[0-9]+$ ]]; then addresses+=("127.0.0.1:${replica}"); else addresses+=("$replica"); fi
  done
  awk -v listen="$listen" -v addresses="${addresses[*]}" '
    BEGIN { count = split(addresses, address, " ") }
    /^[[:space:]]*# BEGIN replicas/ { print; inside = 1; seen = 0; blocks++; next }
    /^[[:space:]]*# END replicas/ {
      if (!seen) { print "no server line between BEGIN and END replicas" > "/dev/stderr"; failed = 1 }
      for (i = 1; i <= count; i++) print indent "server " address[i] params ";"
      inside = 0; print; next
    }
    inside {
      if (!seen && $1 == "server") {
        seen = 1
        indent = substr($0, 1, match($0, /[^[:space:]]/) - 1)
        params = ""
        for (i = 3; i <= NF; i++) params = params " " $i
        sub(/;[[:space:]]*$/, "", params)
      }
      next
    }
    /^[[:space:]]*listen[[:space:]]/ {
      print substr($0, 1, match($0, /[^[:space:]]/) - 1) "listen " listen ";"; listens++; next
    }
    { print }
    END {
      if (blocks == 0) { print "no \"# BEGIN replicas\" block in the template" > "/dev/stderr"; failed = 1 }
      if (listens == 0) { print "no listen line in the template" > "/dev/stderr"; failed = 1 }
      exit failed
    }
  ' "$template"
}

# write_nginx_prefix PREFIX LISTEN REPLICA...
# A self-contained nginx under PREFIX: nginx.conf (main context: pid, logs, temp paths, all in
# PREFIX; `daemon off` so the caller owns the process) including agentdesk.conf rendered from the
# shipped template. Run it with: nginx -p PREFIX -c PREFIX/nginx.conf
write_nginx_prefix() {
  local prefix=$1 listen=$2; shift 2
  mkdir -p "${prefix}/logs" "${prefix}/tmp"
  local site="${prefix}/agentdesk.conf"
  render_nginx_site "${NGINX_SITE_TEMPLATE}" "$listen" "$@" >"${site}.tmp" || return 1
  mv -f "${site}.tmp" "$site"
  # Workers run as root when the master does: the prefix (often a 0700 temp dir) is root's, and
  # nginx's default worker user (nobody) could not write request bodies into it.
  local user_line=""
  [[ "$(id -u)" == 0 ]] && user_line="user root;"
  cat >"${prefix}/nginx.conf.tmp" <<EOF
# Written by scripts/lib/nginx.sh: nginx for one machine, with everything it writes under this
# directory. The site itself is agentdesk.conf, rendered from deploy/nginx/agentdesk.conf.
daemon off;
${user_line}
worker_processes 1;
pid "${prefix}/nginx.pid";
error_log "${prefix}/logs/error.log" notice;

events {
    worker_connections 1024;
}

http {
    client_body_temp_path "${prefix}/tmp/client_body";
    proxy_temp_path       "${prefix}/tmp/proxy";
    fastcgi_temp_path     "${prefix}/tmp/fastcgi";
    uwsgi_temp_path       "${prefix}/tmp/uwsgi";
    scgi_temp_path        "${prefix}/tmp/scgi";

    include "${site}";
    access_log "${prefix}/logs/access.log" agentdesk;
}
EOF
  mv -f "${prefix}/nginx.conf.tmp" "${prefix}/nginx.conf"
}

# check_nginx_prefix PREFIX: `nginx -t` on what write_nginx_prefix wrote; its complaint on failure.
check_nginx_prefix() {
  local prefix=$1 bin out
  bin="$(nginx_bin)" || return 1
  if ! out="$("$bin" -t -q -p "$prefix" -c "${prefix}/nginx.conf" 2>&1)"; then
    echo "nginx refuses ${prefix}/nginx.conf:" >&2
    echo "$out" >&2
    return 1
  fi
}
