# bench/downloads.sh - downloads of stored report files, sourced by
# bench/run.sh (part "downloads"), which provides the server and nginx
# helpers. Measures, each next to nginx serving the same bytes in the same
# run:
#   * a small stored CSV: req/s, ours against nginx (target: 0.5 or more);
#   * a 1,000,000-row CSV of a generated tenant: MB/s of one download
#     (target: 200 MB/s or more), and the server's RSS before and after,
#     which must not grow with the file;
#   * a light poll's latency while four heavy SEARCH_EXPORT reports render
#     and while four 1,000,000-row downloads run at once.
# The generated tenant and its finished report are kept in
# BENCH_DOWNLOADS_DB (default ~/.cache/isc-reports-mock/downloads.db) and
# reused by later runs: generating takes about a minute of CPU and writing
# the report's PDF a few more.

# shellcheck shell=bash disable=SC2034,SC2153
DOWNLOADS_DB=${BENCH_DOWNLOADS_DB:-${XDG_CACHE_HOME:-$HOME/.cache}/isc-reports-mock/downloads.db}
HEAVY_SORTS=('+name' '-name' '+displayName' '-displayName')

# download_speed URL: "BYTES SECONDS" of one download to /dev/null.
download_speed() {
  curl -sS --fail --max-time "$FILE_TIMEOUT" -o /dev/null -H "$(bearer)" \
    -w '%{size_download} %{time_total}\n' "$1"
}

# poll_latency ID N: the median and the worst of N result polls, in ms.
poll_latency() {
  local i
  for ((i = 0; i < $2; i++)); do
    curl -sS --fail --max-time 30 -o /dev/null -H "$(bearer)" -w '%{time_total}\n' \
      "http://127.0.0.1:$PORT/v2024/reports/$1/result"
  done | sort -n | awk '{ v[NR] = $1 * 1000 } END { printf "median %.1f ms, worst %.1f ms", v[int((NR + 1) / 2)], v[NR] }'
}

# The finished 1,000,000-row IDENTITIES report kept in the database, or a new one.
big_report() {
  local id=""
  [ -s "$DOWNLOADS_DB.task" ] && id=$(cat "$DOWNLOADS_DB.task")
  if [ -n "$id" ] && [ "$(wait_done "$id" 5 2>/dev/null)" = SUCCESS ]; then
    echo "$id"
    return 0
  fi
  id=$(run_report '{"reportType":"IDENTITIES"}')
  wait_done "$id" "$FILE_TIMEOUT" >/dev/null
  echo "$id" >"$DOWNLOADS_DB.task"
  echo "$id"
}

bench_downloads() {
  say "downloads of stored report files"
  BIN="$BUILD/isc-reports-mock"
  local root=$TMP/nginx/root r=/v2024/reports ours theirs
  mkdir -p "$root"
  start_server "$TMP/downloads.err" 10 --quiet --clock virtual --report-duration 0
  prepare
  api GET "$r/$SMALL?fileFormat=csv" -H "$(bearer)" >"$root/small.csv"
  load "stored small csv ($(wc -c <"$root/small.csv") B)" \
    "http://127.0.0.1:$PORT$r/$SMALL?fileFormat=csv" BENCH_TOKEN="$TOKEN"
  ours=$LAST_RPS
  stop_server

  mkdir -p "$(dirname "$DOWNLOADS_DB")"
  start_server "$TMP/downloads.err" 900 --quiet --clock real --report-duration 0 \
    --tenant-size "$TENANT_SIZE" --seed 1 --db "$DOWNLOADS_DB"
  TOKEN=$(api POST /oauth/token -d "$TOKEN_BODY" | json access_token)
  local big small url rss0 rss1 hwm line bytes secs mbps=0 i
  big=$(big_report)
  small=$(run_report "$RUN_BODY")
  wait_done "$small" 600 >/dev/null
  url="http://127.0.0.1:$PORT$r/$big?fileFormat=csv"
  ln -sf "$DOWNLOADS_DB.files/$big.csv" "$root/big.csv"
  rss0=$(status_kb VmRSS)
  for i in 1 2 3; do
    read -r bytes secs <<<"$(download_speed "$url")"
    line=$(awk -v n="$bytes" -v t="$secs" 'BEGIN { printf "%.1f", n / 1e6 / t }')
    echo "1M-row csv download $i: $bytes B in $secs s = $line MB/s"
    mbps=$(awk -v a="$mbps" -v b="$line" 'BEGIN { print (b > a ? b : a) }')
  done
  rss1=$(status_kb VmRSS)
  hwm=$(status_kb VmHWM)

  # A light poll while heavy work runs: four 1M-row downloads at once...
  local during_dl during_render ids=() s pids=()
  for i in 1 2 3 4; do
    download_speed "$url" >/dev/null &
    pids+=($!)
  done
  during_dl=$(poll_latency "$small" 20)
  wait "${pids[@]}" # not the server's pid: a bare wait would wait for it too
  # ... and four heavy SEARCH_EXPORT renders (cancelled afterwards).
  for s in "${HEAVY_SORTS[@]}"; do
    ids+=("$(run_report "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],\"query\":\"*\",\"sort\":[\"$s\"]}}")")
  done
  sleep 1
  during_render=$(poll_latency "$small" 20)
  for s in "${ids[@]}"; do
    api POST "$r/$s/cancel" -H "$(bearer)" >/dev/null || true
  done
  stop_server

  nginx_start
  load "nginx small.csv" "http://127.0.0.1:$NGINX_PORT/small.csv" BENCH_TOKEN="$TOKEN"
  theirs=$LAST_RPS
  local nginx_mbps=0
  for i in 1 2 3; do
    read -r bytes secs <<<"$(download_speed "http://127.0.0.1:$NGINX_PORT/big.csv")"
    line=$(awk -v n="$bytes" -v t="$secs" 'BEGIN { printf "%.1f", n / 1e6 / t }')
    nginx_mbps=$(awk -v a="$nginx_mbps" -v b="$line" 'BEGIN { print (b > a ? b : a) }')
  done
  nginx_stop

  sum '%-36s %10s %11s %7s %8s  %s' "stored small csv (ours, nginx)" "$ours" "$theirs" \
    "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')" 0.5 \
    "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { print (b > 0 && a / b >= 0.5) ? "yes" : "no" }')"
  sum '%-36s %s MB/s (nginx, same file: %s MB/s; target: 200 MB/s)' \
    "1M-row csv download ($(mb $((bytes / 1024))) MB)" "$mbps" "$nginx_mbps"
  sum '%-36s RSS %s MB before, %s MB after, VmHWM %s MB' "  memory around the downloads" \
    "$(mb "$rss0")" "$(mb "$rss1")" "$(mb "$hwm")"
  sum '%-36s %s' "  poll during 4 1M-row downloads" "$during_dl"
  sum '%-36s %s' "  poll during 4 SEARCH_EXPORT renders" "$during_render"
}
