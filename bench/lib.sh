# bench/lib.sh - what bench/run.sh and bench/tenant.sh share: the run's
# temporary folder and the exit trap that stops every server started here and
# removes it, a free port for nginx, the release build, starting and stopping
# our server, nginx's private configuration, the report types of a generated
# tenant, and the curl and /proc one-liners. Sourced, never run: the script
# that sources it sets BUILD before build_release and BIN before start_server.
#
# Sets TMP (a new folder, removed at exit), PID (our running server, if any),
# NGINX (the running nginx master, if any), PORT and READY_S (start_server),
# NGINX_PORT (nginx_start) and SERVER_CPU (empty: a command prefix that pins
# the servers; the sourcing script may set it).

# shellcheck shell=bash disable=SC2034

TMP=$(mktemp -d)
PID=""
NGINX=""
PORT=""
READY_S=""
NGINX_PORT=""
SERVER_CPU=()

cleanup() {
  [ -z "$PID" ] || kill -KILL "$PID" 2>/dev/null || true
  [ -z "$NGINX" ] || kill -TERM "$NGINX" 2>/dev/null || true
  [ -z "$NGINX" ] || sleep 0.5
  [ -z "$NGINX" ] || kill -KILL "$NGINX" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# build_release: the release server in $BUILD (set up there when missing) and
# the start-up wrapper bench/first_line.c next to it.
build_release() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" -Dbuildtype=release -Dsdk_tests=false -Dtests=false >/dev/null
  fi
  ninja -C "$BUILD" isc-reports-mock >/dev/null
  cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$BUILD/first-line" bench/first_line.c
}

# free_port: a TCP port no socket uses (nginx cannot be given port 0), below
# the kernel's range of ephemeral ports: a port in that range can be taken
# by any outgoing connection (wrk's, a test's) between this check and the
# bind, and nginx then fails to start.
free_port() {
  local p i low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$low" -gt 11000 ] || low=32768
  for ((i = 0; i < 100; i++)); do
    p=$((10000 + RANDOM % (low - 10000)))
    [ -n "$(ss -Htan "sport = :$p")" ] || { echo "$p" && return 0; }
  done
  echo "bench: no free port found" >&2
  return 1
}

# start_server STDERR_FILE WAIT_S [flags...]: starts $BIN on a free port of
# 127.0.0.1 with --rate-limit 0 and waits (at most WAIT_S seconds) for its
# first line. Sets PID, PORT and READY_S (seconds from start to that line).
STARTS=0
start_server() {
  local errfile=$1 wait_s=$2 out t0
  shift 2
  STARTS=$((STARTS + 1))
  out="$TMP/stdout.$STARTS" # a new file each time: never an older server's line
  t0=$(date +%s.%N)
  "${SERVER_CPU[@]}" "$BIN" --bind 127.0.0.1 --port 0 --rate-limit 0 "$@" \
    >"$out" 2>"$errfile" &
  PID=$!
  local deadline=$((SECONDS + wait_s))
  while [ $SECONDS -le $deadline ]; do
    PORT=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$out")
    if [ -n "$PORT" ]; then
      READY_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.02
  done
  echo "bench: the server did not start within ${wait_s}s" >&2
  cat "$errfile" >&2
  exit 1
}

# stop_pid PID: SIGTERM, then at most 10 s for a clean exit (SIGKILL after).
stop_pid() {
  local p=$1 i
  if kill -TERM "$p" 2>/dev/null; then
    for ((i = 0; i < 200; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
}
stop_server() {
  stop_pid "$PID"
  PID=""
}

# status_kb FIELD: VmRSS or VmHWM of the running server, in kB.
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

api() { # api METHOD PATH [curl args...]: body on stdout
  local method=$1 path=$2
  shift 2
  curl -sS --fail --max-time 30 -X "$method" "http://127.0.0.1:$PORT$path" "$@"
}
# json KEY: the first string member KEY of the compact JSON on stdin (the
# server's answers name top-level members first), or nothing, successfully,
# when there is none (a task's result has no status before it finishes). Not
# python: polling loops must not pay an interpreter start each time.
json() { { grep -o "\"$1\":\"[^\"]*\"" || true; } | head -n 1 | cut -d'"' -f4; }

# Each report type of a generated tenant (--tenant-size N --seed 1) with
# arguments that match its data: "TYPE ARGUMENTS-JSON".
REPORT_TYPES=(
  'IDENTITIES_DETAILS {"correlatedOnly":false}'
  'IDENTITIES {}'
  'ACCOUNTS {"application":"2c9180897e7742b2017e781782f705b9","sourceName":"Active Directory"}'
  'UNCORRELATED_ACCOUNTS {}'
  'ORPHAN_IDENTITIES {}'
  'IDENTITY_PROFILE_IDENTITY_ERROR {"authoritativeSource":"2c9180847de347aa017de8ef09167792"}'
  'SEARCH_EXPORT {"indices":["identities"],"query":"*"}'
)

# nginx_config PORT: a private configuration under $TMP/nginx serving
# $TMP/nginx/root; POST answers with the file's bytes too (a 405 from the
# static module becomes a 200 with the same file).
nginx_config() {
  local port=$1 dir=$TMP/nginx user=""
  mkdir -p "$dir/root" "$dir/tmp"
  # Run as the current user: as root, the workers would otherwise become nobody.
  [ "$(id -u)" -ne 0 ] || user="user $(id -un);"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
$user
worker_processes $(nproc);
pid $dir/tmp/nginx.pid;
error_log $dir/tmp/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000000;
  sendfile on;
  open_file_cache max=64;
  types { application/json json; application/csv csv; application/zip zip; }
  server {
    listen 127.0.0.1:$port;
    root $dir/root;
    location / { error_page 405 =200 \$uri; }
  }
}
EOF
}

# nginx_start: nginx with nginx_config on a free port, waiting (at most 10 s)
# until it answers. Sets NGINX and NGINX_PORT.
nginx_start() {
  NGINX_PORT=$(free_port)
  nginx_config "$NGINX_PORT"
  "${SERVER_CPU[@]}" nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
    -e "$TMP/nginx/tmp/error.log" &
  NGINX=$!
  local i
  for ((i = 0; i < 200; i++)); do
    curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && return 0
    kill -0 "$NGINX" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: nginx did not start" >&2
  cat "$TMP/nginx/tmp/error.log" >&2
  exit 1
}
nginx_stop() {
  [ -z "$NGINX" ] || stop_pid "$NGINX" # SIGTERM: fast shutdown of master and workers
  NGINX=""
}
