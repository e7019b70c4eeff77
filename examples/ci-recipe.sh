#!/usr/bin/env bash
# ci-recipe.sh - what a CI job does with the mock, as the README's GitHub
# Actions and GitLab CI jobs do it: start the mock in the background on port
# 0, wait until /mock/health answers, run a test against it, then save the
# request journal as a HAR file to keep as an artifact. .ci/run runs it, so
# the recipe cannot rot.
#
#   examples/ci-recipe.sh [TEST COMMAND...]
#
# The test command gets SAIL_BASE_URL (the mock's URL, as the SDKs read it);
# without one, a curl test runs a report from start to CSV and PDF.
# env: MOCK       the server (default: isc-reports-mock on PATH)
#      ARTIFACTS  where the HAR, the log and the test's files go (default: mock-artifacts)
set -euo pipefail

MOCK=${MOCK:-isc-reports-mock}
ARTIFACTS=${ARTIFACTS:-mock-artifacts}
mkdir -p "$ARTIFACTS"

# 1. Start the mock on a free port; its first stdout line says which.
"$MOCK" --port 0 --report-duration 500 >"$ARTIFACTS/mock.out" 2>"$ARTIFACTS/mock.log" &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$ARTIFACTS/mock.out" && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$ARTIFACTS/mock.log" >&2; exit 1; }
  sleep 0.1
done
export SAIL_BASE_URL
SAIL_BASE_URL=$(sed -n 's/^listening on //p' "$ARTIFACTS/mock.out")
[ -n "$SAIL_BASE_URL" ] || { echo "ci-recipe: the mock did not start" >&2; exit 1; }

# 2. Wait until it answers.
curl -sf --retry 50 --retry-delay 0 --retry-connrefused --max-time 10 \
  "$SAIL_BASE_URL/mock/health" >/dev/null

# 3. The test.
curl_test() {
  local base=$SAIL_BASE_URL token id status=""
  token=$(curl -sf -X POST "$base/oauth/token" -d grant_type=client_credentials \
    -d client_id=demo-admin -d client_secret=demo-admin-secret |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  id=$(curl -sf -X POST "$base/v2024/reports/run" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"reportType":"IDENTITIES"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 100); do
    status=$(curl -sf "$base/v2024/reports/$id/result" -H "Authorization: Bearer $token" |
      python3 -c 'import json,sys; print(json.load(sys.stdin).get("status") or "")')
    [ -n "$status" ] && break
    sleep 0.2
  done
  [ "$status" = SUCCESS ] || { echo "ci-recipe: report $id: '$status'" >&2; return 1; }
  curl -sf "$base/v2024/reports/$id?fileFormat=csv" -H "Authorization: Bearer $token" \
    -o "$ARTIFACTS/identities.csv"
  curl -sf "$base/v2024/reports/$id?fileFormat=pdf" -H "Authorization: Bearer $token" \
    -o "$ARTIFACTS/identities.pdf"
  [ "$(wc -l <"$ARTIFACTS/identities.csv")" -eq 301 ] && head -c 5 "$ARTIFACTS/identities.pdf" |
    grep -q '%PDF-'
}
rc=0
if [ $# -gt 0 ]; then "$@" || rc=$?; else curl_test || rc=$?; fi

# 4. The journal as evidence, whatever the test's outcome.
curl -sf "$SAIL_BASE_URL/mock/requests?format=har" -o "$ARTIFACTS/journal.har"
echo "ci-recipe: test exit $rc; journal in $ARTIFACTS/journal.har"
exit "$rc"
