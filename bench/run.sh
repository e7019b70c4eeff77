#!/usr/bin/env bash
# bench/run.sh - benchmarks of isc-reports-mock near the machine's limit:
# startup time, throughput of four routes, a few variants of the result route,
# and memory. See bench/README.md for what each number means.
#
#   bench/run.sh            install what is missing, build, run everything
#   BENCH_DURATION=3s bench/run.sh      shorter wrk runs (default 10s)
#   BENCH_PROFILE=1 bench/run.sh        also profile the result route with perf
#   BENCH_PIN=1 bench/run.sh            server on CPU 0, wrk (1 thread) on CPU 1
#
# Other knobs: BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2), BENCH_STARTUP_RUNS
# (50), BENCH_BUILD (build-bench). Installing needs root or sudo (Debian 12 /
# Ubuntu). All traffic goes to 127.0.0.1; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BENCH_BUILD:-build-bench}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-50}
PROFILE=${BENCH_PROFILE:-0}
PIN=${BENCH_PIN:-0}
SERVER_CPU=()
WRK_CPU=()
if [ "$PIN" = 1 ]; then
  SERVER_CPU=(taskset -c 0)
  WRK_CPU=(taskset -c 1)
  WRK_THREADS=1
fi

PACKAGES=(build-essential meson ninja-build pkg-config python3 curl
  libmicrohttpd-dev libcjson-dev libsqlite3-dev libssl-dev libarchive-dev
  libcriterion-dev libcurl4-openssl-dev wrk hyperfine)

TMP=$(mktemp -d)
PID=""      # the server this script is running now, if any
SUMMARY=()  # lines of the final table

cleanup() {
  [ -z "$PID" ] || kill -TERM "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

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
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The release server, the startup wrapper, and a bench-only server linked
# with --wrap that has no request journal (bench/no_journal.c).
build() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" -Dbuildtype=release -Dsdk_tests=false >/dev/null
  fi
  ninja -C "$BUILD" isc-reports-mock >/dev/null
  cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$BUILD/first-line" bench/first_line.c
  local libs
  libs=$(pkg-config --libs libmicrohttpd libcjson sqlite3 libcrypto libarchive)
  # shellcheck disable=SC2086
  cc -O2 -std=c11 -D_GNU_SOURCE -DISC_VERSION='"bench"' -I server \
    -o "$BUILD/isc-reports-mock-no-journal" server/main.c bench/no_journal.c \
    "$BUILD/libisc.a" -Wl,--wrap=store_journal_add $libs -lpthread -lm
}

BIN=""
PORT=""
STARTS=0

# start_server STDERR_FILE [flags...]: starts $BIN on a free port of 127.0.0.1
# and waits (at most 10 s) for its first line. Sets PID and PORT.
start_server() {
  local errfile=$1 out i
  shift
  STARTS=$((STARTS + 1))
  out="$TMP/stdout.$STARTS" # a new file each time: never an older server's line
  "${SERVER_CPU[@]}" "$BIN" --bind 127.0.0.1 --port 0 --rate-limit 0 --clock virtual "$@" \
    >"$out" 2>"$errfile" &
  PID=$!
  for ((i = 0; i < 200; i++)); do
    PORT=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$out")
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: the server did not start" >&2
  cat "$errfile" >&2
  exit 1
}

# stop_server: SIGTERM, then at most 10 s for a clean exit (SIGKILL after).
stop_server() {
  local i
  if kill -TERM "$PID" 2>/dev/null; then
    for ((i = 0; i < 200; i++)); do
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  PID=""
}

# status_kb FIELD: VmRSS or VmHWM of the running server, in kB.
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

api() { # api METHOD PATH [curl args...]: body on stdout
  local method=$1 path=$2
  shift 2
  curl -sS --fail --max-time 10 -X "$method" "http://127.0.0.1:$PORT$path" "$@"
}
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

TOKEN_BODY="grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret"
TOKEN=""
REPORT=""

# A token for demo-admin and a finished IDENTITIES_DETAILS report.
prepare() {
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  REPORT=$(api POST /v2024/reports/run -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":false}}' | json id)
  api POST /mock/clock -H 'Content-Type: application/json' -d '{"advanceMs": 60000}' >/dev/null
  local status
  status=$(api GET "/v2024/reports/$REPORT/result" -H "Authorization: Bearer $TOKEN" | json status)
  if [ "$status" != SUCCESS ]; then
    echo "bench: report $REPORT ended $status, not SUCCESS" >&2
    exit 1
  fi
}

# field NAME LINE: the value of NAME=value in a summary line.
field() {
  local v=${2#* "$1"=}
  printf '%s' "${v%% *}"
}

# load NAME PATH [VAR=value...]: one wrk run against 127.0.0.1, one summary line.
load() {
  local name=$1 path=$2 out line
  shift 2
  out=$(env "$@" "${WRK_CPU[@]}" wrk -t "$WRK_THREADS" -c "$CONNS" -d "$DURATION" --timeout 10s \
    -s bench/wrk.lua "http://127.0.0.1:$PORT$path")
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
  printf '%-34s %9s req/s %8s MB/s  p50 %7s ms  p99 %7s ms  non-2xx %s  socket errors %s\n' \
    "$name" "$rps" "$mbps" "$p50" "$p99" "$bad" "$sock"
  SUMMARY+=("$(printf '%-34s %9s req/s %8s MB/s  p50 %7s ms  p99 %7s ms  RSS %6s MB%s' \
    "$name" "$rps" "$mbps" "$p50" "$p99" "$(mb "$(status_kb VmRSS)")" \
    "$([ "$bad$sock" = 00 ] || echo "  ($bad non-2xx, $sock socket errors)")")")
}

bench_startup() {
  say "startup: start with --port 0, first stdout line, SIGTERM, exit"
  local cmd=("$BUILD/first-line" -- "$BUILD/isc-reports-mock" --bind 127.0.0.1 --port 0 --quiet)
  hyperfine -N --style basic --warmup 3 --runs "$STARTUP_RUNS" \
    --export-json "$TMP/startup.json" "${cmd[*]}"
  "$BUILD/first-line" -n "$STARTUP_RUNS" -- "${cmd[@]:2}" | tee "$TMP/first-line.txt"
  local mean
  mean=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]
print("%.2f ms +- %.2f" % (r["mean"] * 1e3, r["stddev"] * 1e3))' "$TMP/startup.json")
  SUMMARY+=("$(printf '%-34s %s (hyperfine mean)' "startup: start..first line..exit" "$mean")")
  SUMMARY+=("$(printf '%-34s %s' "  time to first line" \
    "$(sed -n 's/^time to first line: //p' "$TMP/first-line.txt")")")
  SUMMARY+=("$(printf '%-34s %s' "  SIGTERM to exit" \
    "$(sed -n 's/^SIGTERM to exit: //p' "$TMP/first-line.txt")")")
}

bench_routes() {
  say "throughput: $WRK_THREADS wrk threads, $CONNS connections, $DURATION, keep-alive"
  BIN="$BUILD/isc-reports-mock"
  start_server "$TMP/main.err" --quiet
  local idle_rss idle_hwm
  idle_rss=$(status_kb VmRSS)
  idle_hwm=$(status_kb VmHWM)
  prepare
  load "GET /mock/health" /mock/health
  load "GET result (bearer)" "/v2024/reports/$REPORT/result" BENCH_TOKEN="$TOKEN"
  # Every token minted adds a row to the tokens table: RSS before and after.
  local before after
  before=$(status_kb VmRSS)
  load "POST /oauth/token" /oauth/token BENCH_METHOD=POST BENCH_BODY="$TOKEN_BODY"
  after=$(status_kb VmRSS)
  load "GET csv IDENTITIES_DETAILS" "/v2024/reports/$REPORT?fileFormat=csv" BENCH_TOKEN="$TOKEN"
  local peak rss size
  peak=$(status_kb VmHWM)
  rss=$(status_kb VmRSS)
  size=$(api GET "/v2024/reports/$REPORT?fileFormat=csv" -H "Authorization: Bearer $TOKEN" | wc -c)
  stop_server
  SUMMARY+=("$(printf '%-34s %s bytes per download' "  csv file size" "$size")")
  SUMMARY+=("$(printf '%-34s RSS %s MB -> %s MB' "  RSS across the token run" \
    "$(mb "$before")" "$(mb "$after")")")
  SUMMARY+=("$(printf '%-34s RSS %s MB (VmHWM %s MB)' "memory: idle right after start" \
    "$(mb "$idle_rss")" "$(mb "$idle_hwm")")")
  SUMMARY+=("$(printf '%-34s VmHWM %s MB, RSS at the end %s MB' "memory: after the runs above" \
    "$(mb "$peak")" "$(mb "$rss")")")
}

bench_variants() {
  say "variants of GET result"
  local v
  for v in "--threads 1" "--threads 2"; do
    BIN="$BUILD/isc-reports-mock"
    # shellcheck disable=SC2086
    start_server "$TMP/v.err" --quiet $v
    prepare
    load "GET result $v" "/v2024/reports/$REPORT/result" BENCH_TOKEN="$TOKEN"
    stop_server
  done
  BIN="$BUILD/isc-reports-mock-no-journal"
  start_server "$TMP/v.err" --quiet --threads 2
  prepare
  load "GET result, journal off (bench)" "/v2024/reports/$REPORT/result" BENCH_TOKEN="$TOKEN"
  stop_server
  BIN="$BUILD/isc-reports-mock"
  start_server "$TMP/log.txt" --threads 2
  prepare
  load "GET result, log lines on (file)" "/v2024/reports/$REPORT/result" BENCH_TOKEN="$TOKEN"
  stop_server
  SUMMARY+=("$(printf '%-34s %s lines, %s bytes' "  log written" \
    "$(wc -l <"$TMP/log.txt")" "$(wc -c <"$TMP/log.txt")")")
}

# Optional: where the time of GET result goes (perf with DWARF call graphs;
# the release build has no frame pointers).
bench_profile() {
  if ! command -v perf >/dev/null; then
    echo "bench: perf is not installed; skipping the profile" >&2
    return 0
  fi
  say "profile: GET result, perf record for 4 s (inclusive, top entries)"
  BIN="$BUILD/isc-reports-mock"
  start_server "$TMP/p.err" --quiet --threads 2
  prepare
  perf record -q --call-graph dwarf,16384 -F 999 -o "$TMP/perf.data" -p "$PID" -- sleep 4 \
    >/dev/null 2>&1 &
  local perf_pid=$!
  env BENCH_TOKEN="$TOKEN" wrk -t "$WRK_THREADS" -c "$CONNS" -d 4s -s bench/wrk.lua \
    "http://127.0.0.1:$PORT/v2024/reports/$REPORT/result" >/dev/null
  wait "$perf_pid" || true
  stop_server
  perf report -i "$TMP/perf.data" --no-children --sort dso -g none --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -n 10
  perf report -i "$TMP/perf.data" --children --sort symbol -g none --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | grep -v '\] 0x0' | head -n 40
}

install_missing
say "build: $BUILD (release)"
build
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
bench_startup
bench_routes
bench_variants
if [ "$PROFILE" = 1 ]; then bench_profile; fi

if [ "$PIN" = 1 ]; then
  say "summary ($(nproc) cores; server pinned to CPU 0, wrk to CPU 1)"
else
  say "summary ($(nproc) cores; wrk shares them with the server)"
fi
printf '%s\n' "${SUMMARY[@]}"
