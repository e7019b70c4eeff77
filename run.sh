#!/usr/bin/env bash
# run.sh - set up, build and run isc-reports-mock, or run its tests.
#
#   ./run.sh serve [server flags...]   install what is missing, build, start the server
#   ./run.sh test                      install what is missing, build, run every test suite
#   ./run.sh test --sanitize           the same in an ASan+UBSan build (build-asan/)
#   ./run.sh build                     install what is missing and build only
#
# Installing needs root (or sudo) on Debian 12 / Ubuntu; nothing is installed
# when every package is already there.
set -euo pipefail
cd "$(dirname "$0")"

# PDF reports: libcairo2-dev (headers; the server opens libcairo.so.2 on the first PDF)
# and fonts-dejavu-core at run time; poppler-utils (pdftotext) for the tests.
PACKAGES=(build-essential meson ninja-build pkg-config python3
  libmicrohttpd-dev libcjson-dev libsqlite3-dev libssl-dev libarchive-dev
  libcairo2-dev fonts-dejavu-core
  libcriterion-dev libcurl4-openssl-dev clang-format poppler-utils nodejs npm)

install_missing() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
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

build() { # build DIR [meson options...]
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null
  fi
  ninja -C "$dir" >/dev/null
}

cmd=${1:-serve}
[ $# -gt 0 ] && shift
case "$cmd" in
  serve)
    install_missing
    build build
    exec build/isc-reports-mock "$@"
    ;;
  build)
    install_missing
    build build
    ;;
  test)
    install_missing
    if [ "${1:-}" = "--sanitize" ]; then
      dir=build-asan
      build "$dir" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
      export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    else
      dir=build
      build "$dir"
    fi
    set +e
    meson test -C "$dir" --print-errorlogs --num-processes 2 >"$dir/test-output.txt" 2>&1
    rc=$?
    set -e
    tail -n 15 "$dir/test-output.txt"
    tests/count-results.sh "$dir"
    exit $rc
    ;;
  *)
    echo "usage: ./run.sh serve [flags] | build | test [--sanitize]" >&2
    exit 2
    ;;
esac
