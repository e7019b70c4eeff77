#!/usr/bin/env bash
# run.sh - set up, build and run isc-reports-mock, or run its tests.
#
#   ./run.sh serve [server flags...]   install what is missing, build, start the server
#   ./run.sh test                      install what is missing, build, run every test suite
#   ./run.sh test --sanitize           the same in an ASan+UBSan build (build-asan/)
#   ./run.sh test --tsan               the e2e suites against a ThreadSanitizer build of
#                                      the server (build-tsan/; the tests run from build/)
#   ./run.sh build                     install what is missing and build only
#
# `test` passes any further -Dname=value options to meson (CI adds -Dwerror=true).
#
# Installing needs root (or sudo) on Debian 12 / Ubuntu; nothing is installed
# when every package is already there.
set -euo pipefail
cd "$(dirname "$0")"

# PDF reports: libcairo2-dev (headers; the server opens libcairo.so.2 on the first PDF)
# and fonts-dejavu-core at run time; poppler-utils (pdftotext) for the tests.
# chromium: the browser the ui suite drives (tests/ui).
PACKAGES=(build-essential meson ninja-build pkg-config python3
  libmicrohttpd-dev libgnutls28-dev libcjson-dev libsqlite3-dev nettle-dev libssl-dev libarchive-dev
  libcairo2-dev fonts-dejavu-core
  libcriterion-dev libcurl4-openssl-dev clang-format poppler-utils nodejs npm chromium)

# The sanitizer build uses clang 19 (Debian 12 ships it) rather than GCC 12.
# Criterion forks every test from a runner that has other threads (nanomsg's
# and BoxFort's), and the child allocates before it execs. GCC 12's ASan (and
# clang 14's) has no fork handler for its allocator, so a fork while another
# thread holds an allocator lock leaves the child blocked on that lock for
# good, and the runner waits for it without a timeout. LLVM 18 and later lock
# the allocator around fork (pthread_atfork in the ASan runtime).
SANITIZE_CC=clang-19
SANITIZE_PACKAGES=(clang-19 libclang-rt-19-dev)

install_missing() { # install_missing [more packages...]
  local missing=() p
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  # A Node.js and npm installed outside Debian's packages do as well.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local keep=()
    for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || keep+=("$p"); done
    missing=("${keep[@]}")
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Options given on the command line (-Dname=value), applied to new and existing builds.
user_options=()

build() { # build DIR [meson setup options...]; PROGRESS=1 shows meson's and ninja's output on stderr
  local dir=$1 out rc=0
  shift
  if [ "${PROGRESS:-0}" = 1 ]; then out=/dev/stderr; else out=$(mktemp); fi
  {
    if [ ! -f "$dir/build.ninja" ]; then
      meson setup "$dir" "$@" "${user_options[@]}"
    elif [ ${#user_options[@]} -gt 0 ]; then
      meson configure "$dir" "${user_options[@]}"
    fi && ninja -C "$dir"
  } >"$out" 2>&1 || rc=$?
  # A quiet build that fails shows why: the compiler's errors are in ninja's output.
  if [ $rc -ne 0 ] && [ "$out" != /dev/stderr ]; then tail -n 60 "$out" >&2; fi
  [ "$out" = /dev/stderr ] || rm -f "$out"
  [ $rc -eq 0 ] || echo "run.sh: building $dir failed" >&2
  return $rc
}

cmd=${1:-serve}
[ $# -gt 0 ] && shift
case "$cmd" in
  serve)
    install_missing
    PROGRESS=1 build build
    exec build/isc-reports-mock "$@"
    ;;
  build)
    install_missing
    PROGRESS=1 build build
    ;;
  test)
    sanitize=0
    timeout_options=()
    suite_options=()
    if [ "${1:-}" = "--sanitize" ]; then
      sanitize=1
      shift
    elif [ "${1:-}" = "--tsan" ]; then
      sanitize=2
      shift
    fi
    user_options=("$@")
    if [ $sanitize -eq 2 ]; then
      # Criterion does not start under ThreadSanitizer, so only the server is
      # built with it (build-tsan, no tests); the e2e programs of the normal
      # build start that server. A data race stops it at once (exit 66), which
      # fails the test that was talking to it.
      install_missing "${SANITIZE_PACKAGES[@]}"
      build build
      CC=$SANITIZE_CC build build-tsan -Db_sanitize=thread -Dtests=false \
        -Dbuildtype=debugoptimized
      dir=build
      suite_options=(--suite e2e --logbase testlog-tsan)
      timeout_options=(--timeout-multiplier 3)
      export ISC_TEST_TIMEOUT_SCALE=3
      export ISC_E2E_SERVER=$PWD/build-tsan/isc-reports-mock
      export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
    elif [ $sanitize -eq 1 ]; then
      install_missing "${SANITIZE_PACKAGES[@]}"
      dir=build-asan
      # A folder configured with another compiler is set up again.
      if [ -f "$dir/build.ninja" ] && ! grep -q "command = $SANITIZE_CC " "$dir/build.ninja"; then
        echo "run.sh: $dir was not set up with $SANITIZE_CC; setting it up again" >&2
        rm -rf "$dir"
      fi
      CC=$SANITIZE_CC build "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debug
      # ASan+UBSan code runs two to three times slower: so do meson's per-program
      # timeouts and every test case's own (see tests/criterion_main.c).
      timeout_options=(--timeout-multiplier 2)
      export ISC_TEST_TIMEOUT_SCALE=2
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
      export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    else
      install_missing
      dir=build
      build "$dir"
    fi
    set +e
    out=$dir/test-output.txt
    [ $sanitize -eq 2 ] && out=$dir/test-output-tsan.txt
    meson test -C "$dir" --print-errorlogs --num-processes 2 "${timeout_options[@]}" \
      "${suite_options[@]}" >"$out" 2>&1
    rc=$?
    set -e
    tail -n 15 "$out"
    # A failure shows why where it is read: the failing cases and the first
    # sanitizer report, from the error logs meson printed into $out.
    if [ $rc -ne 0 ]; then
      echo "== why it failed (from $out) =="
      grep -E -m 40 -A 12 '^\[FAIL\]|^not ok|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:|TIMEOUT' \
        "$out" | head -n 120 || true
    fi
    if [ $sanitize -eq 2 ]; then
      tests/count-results.sh "$dir/meson-logs/testlog-tsan.json"
    else
      tests/count-results.sh "$dir"
    fi
    exit $rc
    ;;
  *)
    echo "usage: ./run.sh serve [flags] | build | test [--sanitize|--tsan] [-Dname=value...]" >&2
    exit 2
    ;;
esac
