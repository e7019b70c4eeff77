#!/bin/sh
# count-results.sh - sums individual test cases over every suite of one or
# more `meson test` runs and prints one line: "N passed, M failed" (with
# ", K skipped" when some were skipped).
#
# usage: count-results.sh BUILD_DIR_OR_LOG.json...
#   A build folder stands for its meson-logs/testlog.json (the last
#   `meson test` run there; use --logbase NAME to keep several runs apart and
#   pass meson-logs/NAME.json instead).
#
# Counting: a TAP test (Criterion --tap, node's runner through
# tests/sdk/tap-reporter.mjs) counts each "ok"/"not ok" line, "# SKIP" as
# skipped; cases its plan announced but that never reported (a crash, a
# timeout) count as failed, and so does a failed TAP test that reported no
# failure. A test without TAP output counts once, by meson's verdict.
# Exit status: 0 when nothing failed and something passed, 1 otherwise.
set -eu
[ $# -ge 1 ] || {
    echo "usage: count-results.sh BUILD_DIR_OR_LOG.json..." >&2
    exit 2
}
exec python3 - "$@" <<'PY'
import json, os, re, sys

passed = failed = skipped = 0
test_re = re.compile(r'^(not ok|ok)\b(.*)$')
plan_re = re.compile(r'^1\.\.(\d+)')

for arg in sys.argv[1:]:
    path = os.path.join(arg, 'meson-logs', 'testlog.json') if os.path.isdir(arg) else arg
    try:
        lines = open(path, encoding='utf-8').read().splitlines()
    except OSError as e:
        print(f'count-results: {e}', file=sys.stderr)
        failed += 1
        continue
    for raw in lines:
        if not raw.strip():
            continue
        entry = json.loads(raw)
        result = entry.get('result', '')
        out = entry.get('stdout') or ''
        ok = nok = skip = 0
        plan = None
        tap = False
        for line in out.splitlines():
            if line.startswith('TAP version'):
                tap = True
            m = plan_re.match(line)
            if m and plan is None:
                plan = int(m.group(1))
                tap = True
                continue
            m = test_re.match(line)
            if not m:
                continue
            tap = True
            rest = m.group(2)
            if re.search(r'#\s*SKIP', rest, re.I):
                skip += 1
            elif m.group(1) == 'ok':
                ok += 1
            else:
                nok += 1
        if not tap:
            if result == 'OK':
                passed += 1
            elif result == 'SKIP':
                skipped += 1
            else:
                failed += 1
                print(f"count-results: {entry.get('name')}: {result}", file=sys.stderr)
            continue
        seen = ok + nok + skip
        if plan is not None and seen < plan:
            nok += plan - seen
        if result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and nok == 0:
            nok += 1
        if nok:
            print(f"count-results: {entry.get('name')}: {nok} failed ({result})", file=sys.stderr)
        passed += ok
        failed += nok
        skipped += skip

sys.stderr.flush()
line = f'{passed} passed, {failed} failed'
if skipped:
    line += f', {skipped} skipped'
print(line, flush=True)
sys.exit(0 if failed == 0 and passed > 0 else 1)
PY
