# node-tests.sh - what the sdk and ui suite runners share: a TAP bail-out, the
# checks that the server, node and npm are there, and one pinned npm package
# installed into a folder of the build when it is not there yet. Sourced by
# tests/sdk/run-sdk-tests.sh and tests/ui/run-ui-tests.sh (POSIX sh, set -eu).

bail() {
    # A TAP "Bail out!" makes the runner report the reason, not just an exit code.
    echo "Bail out! $*"
    exit 1
}

# node_tests_check: the server under test, node and npm are present.
node_tests_check() {
    [ -n "${ISC_MOCK_BIN:-}" ] || bail "ISC_MOCK_BIN is not set"
    [ -x "$ISC_MOCK_BIN" ] || bail "ISC_MOCK_BIN is not an executable: $ISC_MOCK_BIN"
    command -v node >/dev/null 2>&1 || bail "node is not installed (Debian: apt-get install nodejs npm)"
    command -v npm >/dev/null 2>&1 || bail "npm is not installed (Debian: apt-get install npm)"
}

# node_package PREFIX PKG VERSION: installs PKG@VERSION into PREFIX once.
node_package() {
    prefix=$1 pkg=$2 version=$3
    stamp="$prefix/.installed-$pkg-$version"
    [ -f "$stamp" ] && return 0
    mkdir -p "$prefix"
    echo "installing $pkg@$version into $prefix" >&2
    # Retried once: a registry hiccup should not fail the suite.
    if ! npm install --prefix "$prefix" --no-audit --no-fund --save-exact "$pkg@$version" >&2 &&
        ! npm install --prefix "$prefix" --no-audit --no-fund --save-exact "$pkg@$version" >&2; then
        bail "npm install $pkg@$version failed"
    fi
    [ -f "$prefix/node_modules/$pkg/package.json" ] || bail "$pkg missing after npm install"
    touch "$stamp"
}
