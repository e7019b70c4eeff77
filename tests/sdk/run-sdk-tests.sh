#!/bin/sh
# run-sdk-tests.sh - runs the sdk suite: installs the official TypeScript SDK
# (npm sailpoint-api-client, pinned) into BUILD_DIR/sdk-node when it is not
# there yet, then runs TEST_FILE with node's built-in test runner. TAP goes to
# stdout (meson reads it test by test); npm's chatter goes to stderr.
#
# usage: run-sdk-tests.sh BUILD_DIR TEST_FILE
# env:   ISC_MOCK_BIN  the server binary the test starts (required)
set -eu
. "$(dirname "$0")/../node-tests.sh"

pkg=sailpoint-api-client
version=1.4.15

[ $# -eq 2 ] || bail "usage: run-sdk-tests.sh BUILD_DIR TEST_FILE"
build_dir=$1
test_file=$2
node_tests_check

prefix="$build_dir/sdk-node"
node_package "$prefix" "$pkg" "$version"

# ESM import() does not read NODE_PATH: the test loads the SDK with
# createRequire() from ISC_SDK_PREFIX instead.
ISC_SDK_PREFIX=$prefix
export ISC_SDK_PREFIX
here=$(cd "$(dirname "$0")" && pwd)
exec node --test --test-reporter="$here/tap-reporter.mjs" "$test_file"
