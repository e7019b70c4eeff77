#!/usr/bin/env bash
# bench/tenant.sh - the tenant's own costs: start-up to the first line against
# nginx's start-up to its first accepted connection, the generation of a
# tenant of BENCH_TENANT_SIZE identities (time, CPU time, peak RSS, size on
# disk), the time each report type takes to render on it, and a state
# snapshot's save and restore on a tenant of BENCH_STATES_SIZE. bench/run.sh
# runs it (parts `startup`, `tenant` and `states`); it also runs alone. Run by
# hand only.
#
#   bench/tenant.sh                       all four parts
#   bench/tenant.sh startup               some parts only: startup generate render states
#   BENCH_TENANT_SIZE=100000 bench/tenant.sh generate render
#
# Settings: BENCH_BUILD (build-bench, made by bench/run.sh or here),
# BENCH_STARTUP_RUNS (50), BENCH_TENANT_SIZE (1000000), BENCH_STATES_SIZE
# (100000), BENCH_FILE_TIMEOUT
# (seconds per report, 600), BENCH_GEN_TIMEOUT (seconds for the generation,
# 1800). Needs nginx (nginx-light) for the start-up comparison. Every server
# started here is stopped again, also when the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
. bench/lib.sh

BUILD=${BENCH_BUILD:-build-bench}
RUNS=${BENCH_STARTUP_RUNS:-50}
SIZE=${BENCH_TENANT_SIZE:-1000000}
FILE_TIMEOUT=${BENCH_FILE_TIMEOUT:-600}
GEN_TIMEOUT=${BENCH_GEN_TIMEOUT:-1800}
PARTS=${*:-startup generate render states}
BIN=$BUILD/isc-reports-mock

part() { [[ " $PARTS " == *" $1 "* ]]; }

build_release

bench_startup() {
  say "start-up, median of $RUNS (load average $(loadavg))"
  echo "ours: --bind 127.0.0.1 --port 0 --quiet, the built-in tenant, until the first line"
  "$BUILD/first-line" -n "$RUNS" -- "$BIN" --bind 127.0.0.1 --port 0 --quiet |
    tee "$TMP/ours.txt"
  local port dir=$TMP/nginx
  port=$(free_port)
  nginx_config "$port"
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

# The server's own CPU time so far (user and system seconds).
cpu_of() {
  awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f s user, %.1f s system", $12 / t, $13 / t }' \
    "/proc/$PID/stat"
}

bench_generate() {
  say "generation: --tenant-size $SIZE --seed 1 --db FILE (load average $(loadavg))"
  rm -f "$TMP/tenant.db"*
  start_server "$TMP/stderr" "$GEN_TIMEOUT" --quiet --tenant-size "$SIZE" --seed 1 \
    --db "$TMP/tenant.db" --clock real --report-duration 0
  printf '%s identities: %s s to the first line, CPU %s, peak RSS %s MB, %s MB on disk\n' \
    "$SIZE" "$READY_S" "$(cpu_of)" "$(mb "$(status_kb VmHWM)")" \
    "$(du -m "$TMP/tenant.db" | cut -f1)"
  echo "load average at the end: $(loadavg)"
}

# The server's CPU time so far, user and system summed, in seconds.
cpu_s() {
  awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' \
    "/proc/$PID/stat"
}

# Each report type of the generated tenant: startReport, poll until it
# finished. The task's duration holds the render (its files are made when it
# completes); `CPU s` is the server's CPU time meanwhile, which the machine's
# load disturbs less than the wall time. A new token for each type: the
# renders of a large tenant outlast one (749 s).
bench_render() {
  [ -n "$PID" ] || start_server "$TMP/stderr" "$GEN_TIMEOUT" --quiet --tenant-size "$SIZE" \
    --seed 1 --db "$TMP/tenant.db" --clock real --report-duration 0
  say "render per report type, $SIZE identities (load average $(loadavg))"
  local token spec type args id t0 c0 status result rows duration done_s cpu csv
  printf '%-32s %9s %10s %12s %8s %10s %9s\n' "report type" rows "done s" "duration ms" "CPU s" \
    "CSV MB" "CSV s"
  for spec in "${REPORT_TYPES[@]}"; do
    type=${spec%% *}
    args=${spec#* }
    token=$(api POST /oauth/token \
      -d "grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret" |
      json access_token)
    c0=$(cpu_s)
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
    cpu=$(awk -v a="$c0" -v b="$(cpu_s)" 'BEGIN { printf "%.1f", b - a }')
    rows=$(grep -o '"rows":[0-9]*' <<<"$result" | cut -d: -f2)
    duration=$(grep -o '"duration":[0-9]*' <<<"$result" | cut -d: -f2)
    csv=$(curl -sS --max-time "$FILE_TIMEOUT" -o /dev/null -H "Authorization: Bearer $token" \
      -w '%{size_download} %{time_total}' \
      "http://127.0.0.1:$PORT/v2024/reports/$id?fileFormat=csv" |
      awk '{ printf "%10.2f %9.2f", $1 / 1e6, $2 }')
    printf '%-32s %9s %10s %12s %8s %s %s\n' "$type" "${rows:-?}" "$done_s" "${duration:-?}" \
      "$cpu" "$csv" "$([ "$status" = SUCCESS ] || echo "($status)")"
  done
  echo "peak RSS after the renders: $(mb "$(status_kb VmHWM)") MB; load average at the end: $(loadavg)"
  stop_server
}

# A state snapshot of a generated tenant of BENCH_STATES_SIZE identities
# (100000) in a --db file: the save (POST /mock/snapshots) and the restore
# (POST /mock/snapshots/NAME/restore), each timed by curl with the server's
# CPU time meanwhile, twice; the snapshot's and the database's sizes, and
# the database's pages and free pages (PRAGMA freelist_count) before and
# after each restore.
bench_states() {
  local size=${BENCH_STATES_SIZE:-100000} db=$TMP/states.db i c0 out
  [ -z "$PID" ] || stop_server
  rm -f "$db"*
  start_server "$TMP/stderr" "$GEN_TIMEOUT" --quiet --tenant-size "$size" --seed 1 --db "$db"
  say "state snapshots, $size identities, --db FILE (load average $(loadavg))"
  pages() { # python3's sqlite3 module, which run.sh's packages bring (no sqlite3 shell)
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
size, count, free = (db.execute("PRAGMA " + p).fetchone()[0]
                     for p in ("page_size", "page_count", "freelist_count"))
print("%.1f MB, %d pages, %d free" % (size * count / 1e6, count, free))' "$db"
  }
  echo "database at start: $(pages)"
  for i in 1 2; do
    c0=$(cpu_s)
    out=$(curl -sS --fail --max-time "$FILE_TIMEOUT" -o /dev/null -w '%{time_total}' -X POST \
      -H 'Content-Type: application/json' -d '{"name":"bench"}' \
      "http://127.0.0.1:$PORT/mock/snapshots")
    printf 'save %d: %s s, CPU %s s, snapshot %s MB\n' "$i" "$out" \
      "$(awk -v a="$c0" -v b="$(cpu_s)" 'BEGIN { printf "%.2f", b - a }')" \
      "$(du -m --apparent-size "$db.snapshots/bench.sqlite" | cut -f1)"
    c0=$(cpu_s)
    out=$(curl -sS --fail --max-time "$FILE_TIMEOUT" -o /dev/null -w '%{time_total}' -X POST \
      "http://127.0.0.1:$PORT/mock/snapshots/bench/restore")
    printf 'restore %d: %s s, CPU %s s; database after: %s\n' "$i" "$out" \
      "$(awk -v a="$c0" -v b="$(cpu_s)" 'BEGIN { printf "%.2f", b - a }')" "$(pages)"
  done
  echo "load average at the end: $(loadavg)"
  stop_server
}

if part startup; then bench_startup; fi
if part generate; then bench_generate; fi
if part render; then bench_render; fi
if part states; then bench_states; fi
[ -z "$PID" ] || stop_server
