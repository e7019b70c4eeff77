-- wrk.lua - one request shape per run, set from the environment, and a
-- one-line summary that run.sh parses.
--
--   BENCH_METHOD  GET (default) or POST
--   BENCH_TOKEN   sends "Authorization: Bearer <token>" when set
--   BENCH_BODY    request body (with BENCH_CTYPE as its Content-Type)
--   BENCH_VARY    when set, each "@N@" in the body becomes a number of its own
--                 for every request (wrk thread and request count), so that
--                 every POST run has different arguments
--
-- The summary line:
--   BENCH rps=<req/s> mbps=<MB/s of responses> p50_ms=.. p99_ms=.. max_ms=..
--         requests=<n> bad_status=<non-2xx/3xx> socket_errors=<n>

local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")
local body = os.getenv("BENCH_BODY")
local ctype = os.getenv("BENCH_CTYPE") or "application/x-www-form-urlencoded"

wrk.method = method
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = ctype
end

local vary = os.getenv("BENCH_VARY")
if vary and vary ~= "" then
  local threads = 0
  function setup(thread)
    threads = threads + 1
    thread:set("thread_id", threads)
  end
  local sent = 0
  function request()
    sent = sent + 1
    local n = string.format("%d-%d", thread_id or 0, sent)
    return wrk.format(nil, nil, nil, (body:gsub("@N@", n)))
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.0f mbps=%.2f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d bad_status=%d socket_errors=%d\n",
    summary.requests / secs,
    summary.bytes / secs / 1e6,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.requests,
    e.status,
    e.connect + e.read + e.write + e.timeout))
end
