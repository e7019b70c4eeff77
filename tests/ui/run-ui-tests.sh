#!/bin/sh
# run-ui-tests.sh - runs the ui suite: installs npm playwright-core (pinned;
# it drives a browser but downloads none) into BUILD_DIR/ui-node when it is
# not there yet, then runs TEST_FILE with node's built-in test runner against
# the system Chromium (Debian package chromium). TAP goes to stdout (meson
# reads it test by test); npm's chatter goes to stderr.
#
# usage: run-ui-tests.sh BUILD_DIR TEST_FILE
# env:   ISC_MOCK_BIN  the server binary the test starts (required)
#        ISC_CHROMIUM  the browser (default /usr/bin/chromium)
set -eu
. "$(dirname "$0")/../node-tests.sh"

pkg=playwright-core
version=1.65.1

[ $# -eq 2 ] || bail "usage: run-ui-tests.sh BUILD_DIR TEST_FILE"
build_dir=$1
test_file=$2
node_tests_check
ISC_CHROMIUM=${ISC_CHROMIUM:-/usr/bin/chromium}
[ -x "$ISC_CHROMIUM" ] || bail "no browser at $ISC_CHROMIUM (Debian: apt-get install chromium)"

prefix="$build_dir/ui-node"
node_package "$prefix" "$pkg" "$version"

# ESM import() does not read NODE_PATH: the test loads playwright-core with
# createRequire() from ISC_UI_PREFIX. The screenshot goes into the build folder.
ISC_UI_PREFIX=$prefix
ISC_UI_ARTIFACTS=$build_dir
export ISC_UI_PREFIX ISC_UI_ARTIFACTS ISC_CHROMIUM
here=$(cd "$(dirname "$0")" && pwd)
exec node --test --test-reporter="$here/../sdk/tap-reporter.mjs" "$test_file"
