#!/usr/bin/env bash
# bench/tenant.sh - the tenant's own costs: start-up to the first line against
# nginx's start-up to its first accepted connection, the generation of a
# tenant of BENCH_TENANT_SIZE identities (time, CPU time, peak RSS, size on
# disk), and the time each report type takes to render on it. bench/run.sh
# runs it (parts `startup` and `tenant`); it also runs alone. Run by hand only.
#
#   bench/tenant.sh                       all three parts
#   bench/tenant.sh startup               some parts only: startup generate render
#   BENCH_TENANT_SIZE=100000 bench/tenant.sh generate render
#
# Settings: BENCH_BUILD (build-bench, made by bench/run.sh or here),
# BENCH_STARTUP_RUNS (50), BENCH_TENANT_SIZE (1000000), BENCH_FILE_TIMEOUT
# (seconds per report, 600), BENCH_GEN_TIMEOUT (seconds for the generation,
# 1800). Needs nginx (nginx-light) for the start-up comparison. Every server
# started here is stopped again, also when the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BENCH_BUILD:-build-bench}
RUNS=${BENCH_STARTUP_RUNS:-50}
SIZE=${BENCH_TENANT_SIZE:-1000000}
FILE_TIMEOUT=${BENCH_FILE_TIMEOUT:-600}
GEN_TIMEOUT=${BENCH_GEN_TIMEOUT:-1800}
PARTS=${*:-startup generate render}
BIN=$BUILD/isc-reports-mock

TMP=$(mktemp -d)
PID=""
cleanup() {
  [ -z "$PID" ] || kill -KILL "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
part() { [[ " $PARTS " == *" $1 "* ]]; }
say() { printf '\n== %s\n' "$*"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

if [ ! -x "$BIN" ]; then
  [ -f "$BUILD/build.ninja" ] ||
    meson setup "$BUILD" -Dbuildtype=release -Dsdk_tests=false -Dtests=false >/dev/null
  ninja -C "$BUILD" isc-reports-mock >/dev/null
fi
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$BUILD/first-line" bench/first_line.c

# free_port: a TCP port nothing listens on (nginx cannot be given port 0).
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 30000))
    [ -n "$(ss -Htln "sport = :$p")" ] || { echo "$p" && return 0; }
  done
  echo "bench: no free port found" >&2
  return 1
}

bench_startup() {
  say "start-up, median of $RUNS (load average $(loadavg))"
  echo "ours: --bind 127.0.0.1 --port 0 --quiet, the built-in tenant, until the first line"
  "$BUILD/first-line" -n "$RUNS" -- "$BIN" --bind 127.0.0.1 --port 0 --quiet |
    tee "$TMP/ours.txt"
  local port dir=$TMP/nginx
  port=$(free_port)
  mkdir -p "$dir/root" "$dir/tmp"
  local user=""
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
  server { listen 127.0.0.1:$port; root $dir/root; }
}
EOF
  echo "nginx $(nginx -v 2>&1 | sed 's|.*/||'): until its first accepted connection"
  "$BUILD/first-line" -n "$RUNS" -p "$port" -- nginx -p "$dir" -c "$dir/nginx.conf" \
    -e "$dir/tmp/error.log" | tee "$TMP/nginx.txt"
  local ours theirs
  ours=$(sed -n 's/^time to first line: median \([0-9.]*\) ms.*/\1/p' "$TMP/ours.txt")
  theirs=$(sed -n 's/^time to first connection: median \([0-9.]*\) ms.*/\1/p' "$TMP/nginx.txt")
  printf 'ours / nginx (medians): %s ms / %s ms = %s (target: under 10 ms and under 0.5)\n' \
    "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')"
  echo "load average at the end: $(loadavg)"
}

PORT=""
# start SECONDS ARGS...: starts the server on a free port, waits for its first
# line; sets PID, PORT and READY_S.
READY_S=""
start() {
  local wait_s=$1 out=$TMP/stdout t0
  shift
  t0=$(date +%s.%N)
  "$BIN" --bind 127.0.0.1 --port 0 --rate-limit 0 --quiet "$@" >"$out" 2>"$TMP/stderr" &
  PID=$!
  local deadline=$((SECONDS + wait_s))
  while [ $SECONDS -le $deadline ]; do
    PORT=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$out")
    if [ -n "$PORT" ]; then
      READY_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: the server did not start within ${wait_s}s" >&2
  cat "$TMP/stderr" >&2
  exit 1
}
stop() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}

api() { # api METHOD PATH [curl args...]
  local method=$1 path=$2
  shift 2
  curl -sS --fail --max-time 30 -X "$method" "http://127.0.0.1:$PORT$path" "$@"
}
json() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }

# The server's own CPU time so far (user and system seconds) and VmHWM.
cpu_of() {
  awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f s user, %.1f s system", $12 / t, $13 / t }' \
    "/proc/$PID/stat"
}
hwm_mb() { awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }

bench_generate() {
  say "generation: --tenant-size $SIZE --seed 1 --db FILE (load average $(loadavg))"
  rm -f "$TMP/tenant.db"*
  start "$GEN_TIMEOUT" --tenant-size "$SIZE" --seed 1 --db "$TMP/tenant.db" --clock real \
    --report-duration 0
  printf '%s identities: %s s to the first line, CPU %s, peak RSS %s MB, %s MB on disk\n' \
    "$SIZE" "$READY_S" "$(cpu_of)" "$(hwm_mb)" "$(du -m "$TMP/tenant.db" | cut -f1)"
  echo "load average at the end: $(loadavg)"
}

# Each report type of the generated tenant: startReport, poll until it
# finished. The task's duration holds the render where files are made at
# completion; where they are made at download, the CSV download is the render.
TYPES=(
  'IDENTITIES_DETAILS {"correlatedOnly":false}'
  'IDENTITIES {}'
  'ACCOUNTS {"application":"2c9180897e7742b2017e781782f705b9","sourceName":"Active Directory"}'
  'UNCORRELATED_ACCOUNTS {}'
  'ORPHAN_IDENTITIES {}'
  'IDENTITY_PROFILE_IDENTITY_ERROR {"authoritativeSource":"2c9180847de347aa017de8ef09167792"}'
  'SEARCH_EXPORT {"indices":["identities"],"query":"*"}'
)
bench_render() {
  [ -n "$PID" ] || start "$GEN_TIMEOUT" --tenant-size "$SIZE" --seed 1 --db "$TMP/tenant.db" \
    --clock real --report-duration 0
  say "render per report type, $SIZE identities (load average $(loadavg))"
  local token spec type args id t0 status result rows duration done_s csv
  token=$(api POST /oauth/token \
    -d "grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret" |
    json access_token)
  printf '%-32s %9s %10s %12s %10s %9s\n' "report type" rows "done s" "duration ms" "CSV MB" "CSV s"
  for spec in "${TYPES[@]}"; do
    type=${spec%% *}
    args=${spec#* }
    t0=$(date +%s.%N)
    id=$(api POST /v2024/reports/run -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d "{\"reportType\":\"$type\",\"arguments\":$args}" | json id)
    local deadline=$((SECONDS + FILE_TIMEOUT))
    status=""
    while [ $SECONDS -le $deadline ]; do
      result=$(api GET "/v2024/reports/$id/result" -H "Authorization: Bearer $token")
      status=$(json status <<<"$result")
      case $status in SUCCESS | WARNING | FAILURE) break ;; esac
      sleep 0.1
    done
    done_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    rows=$(grep -o '"rows":[0-9]*' <<<"$result" | cut -d: -f2)
    duration=$(grep -o '"duration":[0-9]*' <<<"$result" | cut -d: -f2)
    csv=$(curl -sS --max-time "$FILE_TIMEOUT" -o /dev/null -H "Authorization: Bearer $token" \
      -w '%{size_download} %{time_total}' \
      "http://127.0.0.1:$PORT/v2024/reports/$id?fileFormat=csv" |
      awk '{ printf "%10.2f %9.2f", $1 / 1e6, $2 }')
    printf '%-32s %9s %10s %12s %s %s\n' "$type" "${rows:-?}" "$done_s" "${duration:-?}" "$csv" \
      "$([ "$status" = SUCCESS ] || echo "($status)")"
  done
  echo "peak RSS after the renders: $(hwm_mb) MB; load average at the end: $(loadavg)"
  stop
}

if part startup; then bench_startup; fi
if part generate; then bench_generate; fi
if part render; then bench_render; fi
[ -z "$PID" ] || stop
