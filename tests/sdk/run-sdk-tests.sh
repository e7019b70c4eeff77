#!/bin/sh
# run-sdk-tests.sh - runs the sdk suite: installs the official TypeScript SDK
# (npm sailpoint-api-client, pinned) into BUILD_DIR/sdk-node when it is not
# there yet, then runs TEST_FILE with node's built-in test runner. TAP goes to
# stdout (meson reads it test by test); npm's chatter goes to stderr.
#
# usage: run-sdk-tests.sh BUILD_DIR TEST_FILE
# env:   ISC_MOCK_BIN  the server binary the test starts (required)
set -eu

pkg=sailpoint-api-client
version=1.4.15

bail() {
    # A TAP "Bail out!" makes the runner report the reason, not just an exit code.
    echo "Bail out! $*"
    exit 1
}

[ $# -eq 2 ] || bail "usage: run-sdk-tests.sh BUILD_DIR TEST_FILE"
build_dir=$1
test_file=$2
[ -n "${ISC_MOCK_BIN:-}" ] || bail "ISC_MOCK_BIN is not set"
[ -x "$ISC_MOCK_BIN" ] || bail "ISC_MOCK_BIN is not an executable: $ISC_MOCK_BIN"
command -v node >/dev/null 2>&1 || bail "node is not installed (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || bail "npm is not installed (Debian: apt-get install npm)"

prefix="$build_dir/sdk-node"
stamp="$prefix/.installed-$pkg-$version"
if [ ! -f "$stamp" ]; then
    mkdir -p "$prefix"
    echo "installing $pkg@$version into $prefix" >&2
    # Retried once: a registry hiccup should not fail the suite.
    if ! npm install --prefix "$prefix" --no-audit --no-fund --save-exact "$pkg@$version" >&2 &&
        ! npm install --prefix "$prefix" --no-audit --no-fund --save-exact "$pkg@$version" >&2; then
        bail "npm install $pkg@$version failed"
    fi
    [ -f "$prefix/node_modules/$pkg/package.json" ] || bail "$pkg missing after npm install"
    touch "$stamp"
fi

# ESM import() does not read NODE_PATH: the test loads the SDK with
# createRequire() from ISC_SDK_PREFIX instead.
ISC_SDK_PREFIX=$prefix
export ISC_SDK_PREFIX
here=$(cd "$(dirname "$0")" && pwd)
exec node --test --test-reporter="$here/tap-reporter.mjs" "$test_file"
