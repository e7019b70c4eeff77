#!/usr/bin/env bash
# bench/run.sh - benchmarks of isc-reports-mock near the machine's limit, each
# figure next to nginx serving the same bytes in the same run: startup, the
# routes clients hit (result, run, token, small files), the same rates after
# 1,000,000 stored tasks, the report files of a 1,000,000-identity tenant, and
# memory. See bench/README.md for what each number means. Run by hand only.
#
#   bench/run.sh            install what is missing, build, run everything
#   BENCH_DURATION=3s bench/run.sh      shorter wrk runs (default 10s)
#   BENCH_ONLY="routes startup" bench/run.sh   some parts only
#   BENCH_PROFILE=1 bench/run.sh        also profile the result route with perf
#   BENCH_PIN=1 bench/run.sh            server on CPU 0, wrk (1 thread) on CPU 1
#
# Parts (BENCH_ONLY): startup routes million tenant states files downloads
# variants; all but variants by default (startup, tenant and states run
# bench/tenant.sh). Other
# knobs: BENCH_CONNECTIONS (32), BENCH_WRK_THREADS
# (2), BENCH_STARTUP_RUNS (50), BENCH_TASKS (1000000), BENCH_TENANT_SIZE
# (1000000), BENCH_FILE_TIMEOUT (seconds per file, 600), BENCH_BUILD
# (build-bench). Installing needs root or sudo (Debian 12 / Ubuntu). All
# traffic goes to 127.0.0.1; every wait is bounded; every server started here
# (ours and nginx) is stopped again, also when the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
. bench/lib.sh

BUILD=${BENCH_BUILD:-build-bench}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-50}
TASKS=${BENCH_TASKS:-1000000}
TENANT_SIZE=${BENCH_TENANT_SIZE:-1000000}
FILE_TIMEOUT=${BENCH_FILE_TIMEOUT:-600}
ONLY=${BENCH_ONLY:-startup routes million tenant states files downloads}
PROFILE=${BENCH_PROFILE:-0}
PIN=${BENCH_PIN:-0}
WRK_CPU=()
if [ "$PIN" = 1 ]; then
  SERVER_CPU=(taskset -c 0)
  WRK_CPU=(taskset -c 1)
  WRK_THREADS=1
fi

PACKAGES=(build-essential meson ninja-build pkg-config python3 curl iproute2
  libmicrohttpd-dev libcjson-dev libsqlite3-dev nettle-dev libssl-dev libarchive-dev
  libcairo2-dev fonts-dejavu-core libcriterion-dev libcurl4-openssl-dev
  wrk hyperfine nginx-light)

SUMMARY=()  # lines of the final summary
declare -A OURS NGX # req/s per route key, ours and nginx's

part() { [[ " $ONLY " == *" $1 "* ]]; }
# shellcheck disable=SC2059 # sum FORMAT ARGS...: the format is always a literal
sum() { SUMMARY+=("$(printf "$@")"); }

install_missing() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bench: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  # policy-rc.d or not: the nginx package must not leave a system nginx running.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The release server and the startup wrapper; the bench-only server without a
# request journal (bench/no_journal.c) only for the variants.
build() {
  build_release
  part variants || return 0
  local libs
  libs=$(pkg-config --libs libmicrohttpd libcjson sqlite3 nettle)
  # shellcheck disable=SC2086
  cc -O2 -std=c11 -D_GNU_SOURCE -DISC_VERSION='"bench"' -I server \
    -o "$BUILD/isc-reports-mock-no-journal" server/main.c bench/no_journal.c \
    "$BUILD/libisc.a" -Wl,--wrap=store_journal_add $libs -ldl -lpthread -lm
}

BIN=""
bearer() { printf 'Authorization: Bearer %s' "$TOKEN"; }

TOKEN_BODY="grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret"
DETAILS_ARGS='{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":false}}'
# The run benchmark starts this one: 8 rows, the cheapest file to make.
RUN_BODY='{"reportType":"IDENTITY_PROFILE_IDENTITY_ERROR","arguments":{"authoritativeSource":"2c9180847de347aa017de8ef09167792"}}'
# The same with arguments of its own for every request (wrk.lua's BENCH_VARY).
RUN_VARY_BODY='{"reportType":"IDENTITY_PROFILE_IDENTITY_ERROR","arguments":{"authoritativeSource":"2c9180847de347aa017de8ef09167792","n":"@N@"}}'
ZIP_ARGS='{"reportType":"SEARCH_EXPORT","arguments":{"indices":["identities"],"query":"attributes.city:London","columns":"displayName,email","sort":["+displayName"]}}'
TOKEN=""
REPORT="" # finished IDENTITIES_DETAILS (300 rows)
SMALL=""  # finished IDENTITY_PROFILE_IDENTITY_ERROR (8 rows)
ZIP=""    # finished SEARCH_EXPORT

run_report() { # run_report BODY: the new task's id
  api POST /v2024/reports/run -H "$(bearer)" -H 'Content-Type: application/json' -d "$1" |
    json id
}

# wait_done ID TIMEOUT_S: polls the result every 50 ms until the task has
# finished; prints its status and keeps the last answer in RESULT. Fails
# after TIMEOUT_S.
RESULT=""
wait_done() {
  local id=$1 deadline=$((SECONDS + $2)) status
  while [ $SECONDS -le $deadline ]; do
    RESULT=$(api GET "/v2024/reports/$id/result" -H "$(bearer)")
    status=$(json status <<<"$RESULT")
    case $status in SUCCESS | WARNING | FAILURE) echo "$status" && return 0 ;; esac
    sleep 0.05
  done
  echo "bench: report $id did not finish within $2 s" >&2
  return 1
}

# A token for demo-admin and three finished reports (the clock is virtual).
prepare() {
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  REPORT=$(run_report "$DETAILS_ARGS")
  SMALL=$(run_report "$RUN_BODY")
  ZIP=$(run_report "$ZIP_ARGS")
  api POST /mock/clock -H 'Content-Type: application/json' -d '{"advanceMs": 60000}' >/dev/null
  local id status
  for id in "$REPORT" "$SMALL" "$ZIP"; do
    status=$(wait_done "$id" 60)
    if [ "$status" != SUCCESS ]; then
      echo "bench: report $id ended $status, not SUCCESS" >&2
      exit 1
    fi
  done
}

# field NAME LINE: the value of NAME=value in a summary line.
field() {
  local v=${2#* "$1"=}
  printf '%s' "${v%% *}"
}

# load NAME URL [VAR=value...]: one wrk run against 127.0.0.1; prints a
# line, stores req/s in LAST_RPS.
# When our server runs ($PID), also the CPU time it spent per request
# (user and system, all threads, from /proc) in LAST_CPU_US: on a shared
# machine that is steadier than the rate.
LAST_RPS=0
LAST_CPU_US=
TICK=$(getconf CLK_TCK)
server_ticks() { [ -n "${PID:-}" ] && awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null; }
load() {
  local name=$1 url=$2 out line c0 c1
  shift 2
  c0=$(server_ticks || true)
  out=$(env "$@" "${WRK_CPU[@]}" wrk -t "$WRK_THREADS" -c "$CONNS" -d "$DURATION" --timeout 10s \
    -s bench/wrk.lua "$url")
  c1=$(server_ticks || true)
  line=$(grep '^BENCH ' <<<"$out" || true)
  if [ -z "$line" ]; then
    echo "$out" >&2
    echo "bench: wrk gave no summary for $name" >&2
    exit 1
  fi
  local rps mbps p50 p99 bad sock
  rps=$(field rps "$line")
  mbps=$(field mbps "$line")
  p50=$(field p50_ms "$line")
  p99=$(field p99_ms "$line")
  bad=$(field bad_status "$line")
  sock=$(field socket_errors "$line")
  LAST_RPS=$rps
  LAST_CPU_US=
  if [ -n "$c0" ] && [ -n "$c1" ]; then
    LAST_CPU_US=$(awk -v a="$c0" -v b="$c1" -v n="$(field requests "$line")" -v t="$TICK" \
      'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / t / n }')
  fi
  printf '%-36s %9s req/s %8s MB/s  p50 %7s ms  p99 %7s ms  non-2xx %s  socket errors %s%s\n' \
    "$name" "$rps" "$mbps" "$p50" "$p99" "$bad" "$sock" "${LAST_CPU_US:+  CPU $LAST_CPU_US us/req}"
  [ "$bad$sock" = 00 ] || sum '%-36s %s non-2xx, %s socket errors' "  ($name)" "$bad" "$sock"
}

# Start-up against nginx's, and the generated tenant's costs: bench/tenant.sh.
bench_startup() {
  BENCH_BUILD="$BUILD" BENCH_STARTUP_RUNS="$STARTUP_RUNS" bench/tenant.sh startup |
    tee "$TMP/startup.txt"
  sum '%-36s %s' "startup: time to first line" "$(sed -n 's/^time to first line: //p' "$TMP/startup.txt")"
  sum '%-36s %s' "  until ready" "$(sed -n '/^ours:/,/^nginx/s/^until ready (its own process): //p' "$TMP/startup.txt")"
  sum '%-36s %s' "  nginx: time to first connection" \
    "$(sed -n 's/^time to first connection: //p' "$TMP/startup.txt")"
  sum '%-36s %s' "  ours / nginx" "$(sed -n 's/^ours \/ nginx (medians): //p' "$TMP/startup.txt")"
}
bench_tenant() {
  BENCH_BUILD="$BUILD" BENCH_TENANT_SIZE="$TENANT_SIZE" BENCH_FILE_TIMEOUT="$FILE_TIMEOUT" \
    bench/tenant.sh generate render | tee "$TMP/tenant.txt"
  sum '%-36s %s' "tenant: generation" "$(grep ' identities: ' "$TMP/tenant.txt")"
}
# State snapshots of a 100,000-identity tenant: bench/tenant.sh states.
bench_states() {
  BENCH_BUILD="$BUILD" BENCH_FILE_TIMEOUT="$FILE_TIMEOUT" bench/tenant.sh states |
    tee "$TMP/states.txt"
  sum '%-36s %s' "states: save" "$(grep '^save 2: ' "$TMP/states.txt" | cut -d' ' -f3-)"
  sum '%-36s %s' "  restore" "$(grep '^restore 2: ' "$TMP/states.txt" | cut -d' ' -f3-)"
}

# Our server and nginx side by side: each route of ours, then nginx serving
# the bytes that route answered, from a file.
bench_routes() {
  say "throughput: $WRK_THREADS wrk threads, $CONNS connections, $DURATION, keep-alive"
  BIN="$BUILD/isc-reports-mock"
  start_server "$TMP/main.err" 10 --quiet --clock virtual --report-duration 0
  local idle_rss idle_hwm base="http://127.0.0.1:$PORT"
  idle_rss=$(status_kb VmRSS)
  idle_hwm=$(status_kb VmHWM)
  prepare
  # The bytes nginx will serve: one answer of each route.
  local root=$TMP/nginx/root
  mkdir -p "$root"
  api GET "/v2024/reports/$REPORT/result" -H "$(bearer)" >"$root/result.json"
  api POST /v2024/reports/run -H "$(bearer)" -H 'Content-Type: application/json' \
    -d "$RUN_BODY" >"$root/run.json"
  api POST /oauth/token -d "$TOKEN_BODY" >"$root/token.json"
  api GET "/v2024/reports/$SMALL?fileFormat=csv" -H "$(bearer)" >"$root/small.csv"
  api GET "/v2024/reports/$ZIP?fileFormat=csv" -H "$(bearer)" >"$root/search.zip"
  api GET "/v2024/reports/$REPORT?fileFormat=csv" -H "$(bearer)" >"$root/details.csv"
  api GET /mock/health >"$root/health.json"

  local r=/v2024/reports
  load "GET /mock/health" "$base/mock/health"
  OURS[health]=$LAST_RPS
  load "GET result (bearer)" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  OURS[result]=$LAST_RPS
  local before after
  before=$(status_kb VmRSS)
  load "POST /oauth/token" "$base/oauth/token" BENCH_METHOD=POST BENCH_BODY="$TOKEN_BODY"
  OURS[token]=$LAST_RPS
  after=$(status_kb VmRSS)
  load "GET small csv ($(wc -c <"$root/small.csv") B)" "$base$r/$SMALL?fileFormat=csv" \
    BENCH_TOKEN="$TOKEN"
  OURS[small]=$LAST_RPS
  load "GET SEARCH_EXPORT zip ($(wc -c <"$root/search.zip") B)" \
    "$base$r/$ZIP?fileFormat=csv" BENCH_TOKEN="$TOKEN"
  OURS[zip]=$LAST_RPS
  load "GET csv IDENTITIES_DETAILS ($(wc -c <"$root/details.csv") B)" \
    "$base$r/$REPORT?fileFormat=csv" BENCH_TOKEN="$TOKEN"
  OURS[details]=$LAST_RPS
  # Last, as it leaves tens of thousands of tasks behind: each request a new task.
  load "POST run (a new task each)" "$base$r/run" BENCH_METHOD=POST BENCH_TOKEN="$TOKEN" \
    BENCH_BODY="$RUN_BODY" BENCH_CTYPE=application/json
  OURS[run]=$LAST_RPS
  load "POST run (new arguments each)" "$base$r/run" BENCH_METHOD=POST BENCH_TOKEN="$TOKEN" \
    BENCH_BODY="$RUN_VARY_BODY" BENCH_CTYPE=application/json BENCH_VARY=1
  OURS[runvary]=$LAST_RPS
  local peak rss
  peak=$(status_kb VmHWM)
  rss=$(status_kb VmRSS)
  stop_server

  say "the same bytes from nginx $(nginx -v 2>&1 | sed 's|.*/||')"
  nginx_start
  local nb="http://127.0.0.1:$NGINX_PORT"
  load "nginx health.json" "$nb/health.json"
  NGX[health]=$LAST_RPS
  load "nginx result.json" "$nb/result.json" BENCH_TOKEN="$TOKEN"
  NGX[result]=$LAST_RPS
  load "nginx POST token.json" "$nb/token.json" BENCH_METHOD=POST BENCH_BODY="$TOKEN_BODY"
  NGX[token]=$LAST_RPS
  load "nginx small.csv" "$nb/small.csv" BENCH_TOKEN="$TOKEN"
  NGX[small]=$LAST_RPS
  load "nginx search.zip" "$nb/search.zip" BENCH_TOKEN="$TOKEN"
  NGX[zip]=$LAST_RPS
  load "nginx details.csv" "$nb/details.csv" BENCH_TOKEN="$TOKEN"
  NGX[details]=$LAST_RPS
  load "nginx POST run.json" "$nb/run.json" BENCH_METHOD=POST BENCH_TOKEN="$TOKEN" \
    BENCH_BODY="$RUN_BODY" BENCH_CTYPE=application/json
  NGX[run]=$LAST_RPS
  NGX[runvary]=$LAST_RPS # the same static answer
  nginx_stop

  sum '%-36s %10s %11s %7s %8s  %s' "route (ours against nginx)" "ours req/s" "nginx req/s" \
    ratio target met
  local k target name
  for k in result run runvary small zip token details health; do
    case $k in
      result) name="GET result (bearer)" target=0.5 ;;
      run) name="POST run (a new task each)" target=0.25 ;;
      runvary) name="POST run (new arguments each)" target=0.25 ;;
      small) name="GET small csv ($(wc -c <"$root/small.csv") B)" target=0.5 ;;
      zip) name="GET SEARCH_EXPORT zip ($(wc -c <"$root/search.zip") B)" target=0.5 ;;
      token) name="POST /oauth/token" target=0.3 ;;
      details) name="GET csv IDENTITIES_DETAILS" target=- ;;
      health) name="GET /mock/health" target=- ;;
    esac
    sum '%-36s %10s %11s %7s %8s  %s' "$name" "${OURS[$k]}" "${NGX[$k]}" \
      "$(awk -v a="${OURS[$k]}" -v b="${NGX[$k]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')" \
      "$target" "$(awk -v a="${OURS[$k]}" -v b="${NGX[$k]}" -v t="$target" \
        'BEGIN { if (t == "-") print ""; else print (b > 0 && a / b >= t) ? "yes" : "no" }')"
  done
  sum '%-36s RSS %s MB -> %s MB' "  RSS across the token run" "$(mb "$before")" "$(mb "$after")"
  sum '%-36s RSS %s MB (VmHWM %s MB; target: 8 MB or less)' "memory: idle right after start" \
    "$(mb "$idle_rss")" "$(mb "$idle_hwm")"
  sum '%-36s VmHWM %s MB, RSS at the end %s MB' "memory: after the runs above" \
    "$(mb "$peak")" "$(mb "$rss")"
}

# The result and run rates again with $TASKS finished tasks stored: a database
# file filled by bench/clone_tasks.py while the server is stopped, and kept
# whole (--task-max 0: the default would keep the newest 10,000). Each figure
# is compared with the same route on the same file before the clone: the
# comparison is then the number of stored tasks, not the default database
# against a file (the routes part's figures are the default database's).
bench_million() {
  say "with $TASKS stored tasks (--db file, cloned by bench/clone_tasks.py)"
  BIN="$BUILD/isc-reports-mock"
  local db=$TMP/million.db few_db=$TMP/few.db base r=/v2024/reports t0 t1 few f
  declare -A FEW FEWCPU MCPU
  start_server "$TMP/million.err" 10 --quiet --clock virtual --report-duration 0 --db "$db" \
    --task-max 0
  sum '%-36s RSS %s MB' "memory: idle with --db FILE" "$(mb "$(status_kb VmRSS)")"
  prepare
  base="http://127.0.0.1:$PORT"
  # Each side starts with a short warm-up run that does not count: a server
  # just started on a large file is still filling its caches.
  DURATION=1s load "(warm-up, not counted)" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  load "GET result, few tasks (file)" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  FEW[result]=$LAST_RPS
  FEWCPU[result]=$LAST_CPU_US
  few=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM tasks").fetchone()[0])' "$db")
  stop_server
  # The run loads start tasks faster than their files are written, and a
  # server restarted on that file writes the rest while the next route is
  # measured (its CPU counted too). So the few-task side of the run loads is
  # measured last, on a copy of this file made now, before any run load.
  for f in "$db" "$db-wal"; do
    if [ -f "$f" ]; then cp "$f" "$few_db${f#"$db"}"; fi
  done
  if [ -d "$db.files" ]; then cp -r "$db.files" "$few_db.files"; fi
  t0=$SECONDS
  python3 bench/clone_tasks.py "$db" "$REPORT" "$TASKS"
  t1=$SECONDS
  start_server "$TMP/million.err" 120 --quiet --clock virtual --report-duration 0 --db "$db" \
    --task-max 0
  sum '%-36s %s s to clone, %s MB on disk, start-up with them %s s' \
    "$TASKS tasks stored" "$((t1 - t0))" "$(du -m "$db" | cut -f1)" "$READY_S"
  base="http://127.0.0.1:$PORT"
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  DURATION=1s load "(warm-up, not counted)" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  load "GET result, $TASKS tasks" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  local result=$LAST_RPS
  MCPU[result]=$LAST_CPU_US
  load "POST run, $TASKS tasks" "$base$r/run" BENCH_METHOD=POST BENCH_TOKEN="$TOKEN" \
    BENCH_BODY="$RUN_BODY" BENCH_CTYPE=application/json
  local run=$LAST_RPS
  MCPU[run]=$LAST_CPU_US
  load "POST run (new arguments), $TASKS tasks" "$base$r/run" BENCH_METHOD=POST \
    BENCH_TOKEN="$TOKEN" BENCH_BODY="$RUN_VARY_BODY" BENCH_CTYPE=application/json BENCH_VARY=1
  local runvary=$LAST_RPS
  MCPU[runvary]=$LAST_CPU_US
  stop_server
  start_server "$TMP/million.err" 10 --quiet --clock virtual --report-duration 0 --db "$few_db" \
    --task-max 0
  base="http://127.0.0.1:$PORT"
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  DURATION=1s load "(warm-up, not counted)" "$base$r/$REPORT/result" BENCH_TOKEN="$TOKEN"
  load "POST run, few tasks (file)" "$base$r/run" BENCH_METHOD=POST BENCH_TOKEN="$TOKEN" \
    BENCH_BODY="$RUN_BODY" BENCH_CTYPE=application/json
  FEW[run]=$LAST_RPS
  FEWCPU[run]=$LAST_CPU_US
  load "POST run (new arguments), few (file)" "$base$r/run" BENCH_METHOD=POST \
    BENCH_TOKEN="$TOKEN" BENCH_BODY="$RUN_VARY_BODY" BENCH_CTYPE=application/json BENCH_VARY=1
  FEW[runvary]=$LAST_RPS
  FEWCPU[runvary]=$LAST_CPU_US
  stop_server
  local k v
  for k in result run runvary; do
    case $k in result) v=$result ;; run) v=$run ;; runvary) v=$runvary ;; esac
    sum '%-36s %10s req/s; same file at %s tasks %s: %s (target: within 10 %%)' \
      "  $k with $TASKS tasks" "$v" "$few" "${FEW[$k]}" \
      "$(awk -v a="$v" -v b="${FEW[$k]:-0}" 'BEGIN { if (b > 0) printf "%+.1f %%", (a / b - 1) * 100 }')"
    sum '%-36s %10s us CPU/req; at %s tasks %s: %s' "" "${MCPU[$k]:--}" "$few" \
      "${FEWCPU[$k]:--}" \
      "$(awk -v a="${MCPU[$k]:-0}" -v b="${FEWCPU[$k]:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%+.1f %%", (a / b - 1) * 100 }')"
  done
}

# Report files of a generated tenant: generation time and peak RSS, then per
# report type the time from startReport to a finished task (the render, where
# files are made at completion) and each format's download.
bench_files() {
  say "report files of a generated tenant: $TENANT_SIZE identities (--db file)"
  BIN="$BUILD/isc-reports-mock"
  local db=$TMP/tenant.db
  start_server "$TMP/files.err" 600 --quiet --clock real --report-duration 0 \
    --tenant-size "$TENANT_SIZE" --seed 1 --db "$db"
  local gen_hwm
  gen_hwm=$(status_kb VmHWM)
  sum '%-36s %s s to the first line, peak RSS %s MB, %s MB on disk' \
    "tenant of $TENANT_SIZE identities" "$READY_S" "$(mb "$gen_hwm")" "$(du -m "$db" | cut -f1)"
  sum '%-36s %8s %8s %8s %9s %11s %8s %9s %11s %8s' "report type" rows "done s" "dur. ms" \
    "CSV MB" "CSV s" "MB/s" "PDF MB" "PDF s" "MB/s"
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  local spec type args id t0 t1 done_s duration rows fmt line code size secs csv pdf
  for spec in "${REPORT_TYPES[@]}"; do
    type=${spec%% *}
    args=${spec#* }
    t0=$(date +%s.%N)
    id=$(run_report "{\"reportType\":\"$type\",\"arguments\":$args}")
    wait_done "$id" "$FILE_TIMEOUT" >/dev/null || { sum '%-36s did not finish' "$type"; continue; }
    t1=$(date +%s.%N)
    done_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    # The server's own figure: completed - created, which includes the render
    # where files are made when the task completes.
    duration=$(grep -o '"duration":[0-9]*' <<<"$RESULT" | cut -d: -f2)
    rows=$(grep -o '"rows":[0-9]*' <<<"$RESULT" | cut -d: -f2)
    csv="" pdf=""
    for fmt in csv pdf; do
      line=$(curl -sS --max-time "$FILE_TIMEOUT" -o /dev/null -H "$(bearer)" \
        -w '%{http_code} %{size_download} %{time_total}' \
        "http://127.0.0.1:$PORT/v2024/reports/$id?fileFormat=$fmt" || echo "000 0 0")
      read -r code size secs <<<"$line"
      if [ "$code" != 200 ]; then
        line="$(printf '%9s %11s %8s' "HTTP $code" - -)"
      else
        line=$(awk -v n="$size" -v t="$secs" \
          'BEGIN { printf "%9.2f %11.2f %8.1f", n / 1e6, t, (t > 0 ? n / 1e6 / t : 0) }')
      fi
      [ $fmt = csv ] && csv=$line || pdf=$line
    done
    printf '%-36s rows %s, done after %ss (duration %s ms)  csv %s  pdf %s\n' "$type" "$rows" \
      "$done_s" "$duration" "$csv" "$pdf"
    sum '%-36s %8s %8s %8s %s %s' "  $type" "$rows" "$done_s" "${duration:-?}" "$csv" "$pdf"
  done
  sum '%-36s VmHWM %s MB' "  peak RSS after the downloads" "$(mb "$(status_kb VmHWM)")"
  stop_server
}

bench_variants() {
  say "variants of GET result"
  local v base
  for v in "--threads 1" "--threads 2"; do
    BIN="$BUILD/isc-reports-mock"
    # shellcheck disable=SC2086
    start_server "$TMP/v.err" 10 --quiet --clock virtual $v
    prepare
    load "GET result $v" "http://127.0.0.1:$PORT/v2024/reports/$REPORT/result" \
      BENCH_TOKEN="$TOKEN"
    sum '%-36s %10s req/s' "GET result $v" "$LAST_RPS"
    stop_server
  done
  BIN="$BUILD/isc-reports-mock-no-journal"
  start_server "$TMP/v.err" 10 --quiet --clock virtual --threads 2
  prepare
  load "GET result, journal off (bench)" "http://127.0.0.1:$PORT/v2024/reports/$REPORT/result" \
    BENCH_TOKEN="$TOKEN"
  sum '%-36s %10s req/s' "GET result, journal off (bench)" "$LAST_RPS"
  stop_server
  BIN="$BUILD/isc-reports-mock"
  start_server "$TMP/log.txt" 10 --clock virtual --threads 2
  prepare
  base="http://127.0.0.1:$PORT"
  load "GET result, log lines on (file)" "$base/v2024/reports/$REPORT/result" BENCH_TOKEN="$TOKEN"
  sum '%-36s %10s req/s, %s lines logged' "GET result, log lines on (file)" "$LAST_RPS" \
    "$(wc -l <"$TMP/log.txt")"
  stop_server
}

# Optional: where the time of GET result and POST run goes: perf's flat
# profile (self time per library and per function, no call graphs, so it
# stays cheap on a loaded machine), 4 s of load each.
bench_profile() {
  if ! command -v perf >/dev/null; then
    echo "bench: perf is not installed; skipping the profile" >&2
    return 0
  fi
  local route
  for route in result run; do
    say "profile: $route, perf record for 4 s (self time)"
    BIN="$BUILD/isc-reports-mock"
    start_server "$TMP/p.err" 10 --quiet --clock virtual --report-duration 0
    prepare
    timeout 30 perf record -q -F 999 -o "$TMP/perf.$route" -p "$PID" -- sleep 4 \
      >/dev/null 2>&1 &
    local perf_pid=$!
    if [ $route = result ]; then
      env BENCH_TOKEN="$TOKEN" wrk -t "$WRK_THREADS" -c "$CONNS" -d 4s -s bench/wrk.lua \
        "http://127.0.0.1:$PORT/v2024/reports/$REPORT/result" >/dev/null
    else
      env BENCH_TOKEN="$TOKEN" BENCH_METHOD=POST BENCH_BODY="$RUN_BODY" \
        BENCH_CTYPE=application/json wrk -t "$WRK_THREADS" -c "$CONNS" -d 4s -s bench/wrk.lua \
        "http://127.0.0.1:$PORT/v2024/reports/run" >/dev/null
    fi
    wait "$perf_pid" || true
    stop_server
    timeout 120 perf report -i "$TMP/perf.$route" --no-children --sort dso --stdio 2>/dev/null |
      grep -E '^ +[0-9]' | head -n 8 || true
    timeout 120 perf report -i "$TMP/perf.$route" --no-children --sort dso,symbol --stdio \
      2>/dev/null | grep -E '^ +[0-9]' | head -n 25 || true
  done
}

# shellcheck source=downloads.sh
. bench/downloads.sh

install_missing
say "build: $BUILD (release)"
build
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average at start:" \
  "$(loadavg)"
sum '%-36s %s' "load average at start" "$(loadavg)"
if part startup; then bench_startup; fi
if part routes; then bench_routes; fi
if part million; then bench_million; fi
if part tenant; then bench_tenant; fi
if part states; then bench_states; fi
if part files; then bench_files; fi
if part downloads; then bench_downloads; fi
if part variants; then bench_variants; fi
if [ "$PROFILE" = 1 ]; then bench_profile; fi
sum '%-36s %s' "load average at the end" "$(loadavg)"

if [ "$PIN" = 1 ]; then
  say "summary ($(nproc) cores; server pinned to CPU 0, wrk to CPU 1)"
else
  say "summary ($(nproc) cores; wrk shares them with the server)"
fi
printf '%s\n' "${SUMMARY[@]}"
