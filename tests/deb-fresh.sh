#!/bin/bash
# deb-fresh.sh - the Debian package on a fresh Debian 12 without build tools:
# a minimal bookworm system made by debootstrap (variant minbase), where
# `apt install ./isc-reports-mock_*.deb` must pull in everything the binary
# needs from the mirror. Then it checks that no C compiler, build tool or C
# header is there, and runs the installed server: --version, the man page's
# file, and (curl added after that check) a token, reports, and CSV, PDF
# and zip downloads, so that libraries opened only on first use (cairo
# for PDF) are proven present too.
# usage (as root, with network): tests/deb-fresh.sh DEB [MIRROR]
# Prints what it does and exits 0 when every check passed.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DEB [MIRROR]" >&2; exit 2; }
deb=$(readlink -f "$1")
mirror=${2:-http://deb.debian.org/debian}
[ -f "$deb" ] || { echo "$0: no package $1" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "$0: needs debootstrap" >&2; exit 2; }

root=$(mktemp -d "${TMPDIR:-/tmp}/deb-fresh-XXXXXX")
log="$root.log"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root" "$log"
}
trap cleanup EXIT
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/bash -c "$1"; }
fail() { echo "deb-fresh: FAIL: $*"; [ -s "$log" ] && tail -n 20 "$log"; exit 1; }

start=$(date +%s)
echo "deb-fresh: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 || fail "debootstrap"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")

echo "deb-fresh: apt install ./$name"
in_root "apt-get update -qq && cd /tmp && apt-get install -y -qq ./$name" >"$log" 2>&1 ||
  fail "apt install ./$name"

echo "deb-fresh: no build tools, no C headers"
for tool in cc gcc clang c99 make meson ninja pkg-config dpkg-buildpackage; do
  in_root "command -v $tool" >/dev/null 2>&1 && fail "$tool is installed"
done
for header in /usr/include/stdio.h /usr/include/sqlite3.h /usr/include/microhttpd.h; do
  [ -e "$root$header" ] && fail "$header is installed"
done
in_root "dpkg-query -W -f '\${Package}\n' | grep -E -- '-dev\$'" >"$log" 2>&1 &&
  fail "development packages installed: $(tr '\n' ' ' <"$log")"

echo "deb-fresh: run it"
in_root "isc-reports-mock --version" | grep -q '^isc-reports-mock ' || fail "--version"
in_root "test -s /usr/share/man/man1/isc-reports-mock.1.gz" || fail "no man page"
in_root "apt-get install -y -qq curl" >"$log" 2>&1 || fail "apt install curl"
# shellcheck disable=SC2016 # expanded inside the chroot
in_root '
set -eu
isc-reports-mock --port 0 --clock virtual --quiet >/tmp/out 2>/tmp/err &
pid=$!
trap "kill $pid 2>/dev/null || true" EXIT # a failed check must not leave it running
for _ in $(seq 100); do [ -s /tmp/out ] && break; sleep 0.1; done
base=$(sed -n "1s/^listening on //p" /tmp/out)
[ -n "$base" ] || { echo "no first line in 10 s"; cat /tmp/err; exit 1; }
json() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
# A task ends once its files are stored: poll its result for up to 60 s.
succeeded() {
  for _ in $(seq 600); do
    status=$(curl -sf "$base/v2024/reports/$1/result" -H "$auth" | json status)
    [ "$status" = SUCCESS ] && return 0
    [ -z "$status" ] || { echo "task $1 ended $status"; return 1; }
    sleep 0.1
  done
  echo "task $1 did not end in 60 s"
  return 1
}
token=$(curl -sf -X POST "$base/oauth/token" -d grant_type=client_credentials \
  -d client_id=demo-admin -d client_secret=demo-admin-secret | json access_token)
auth="Authorization: Bearer $token"
id=$(curl -sf -X POST "$base/v2024/reports/run" -H "$auth" -H "Content-Type: application/json" \
  -d "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":true}}" | json id)
curl -sf -X POST "$base/mock/clock" -H "Content-Type: application/json" -d "{\"advanceMs\":60000}" >/dev/null
succeeded "$id"
curl -sf "$base/v2024/reports/$id?fileFormat=csv" -H "$auth" | head -c 200 | grep -q ","
curl -sf "$base/v2024/reports/$id?fileFormat=pdf" -H "$auth" | head -c 5 | grep -q "%PDF-"
zip=$(curl -sf -X POST "$base/v2024/reports/run" -H "$auth" -H "Content-Type: application/json" \
  -d "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],\"query\":\"*\"}}" |
  json id)
curl -sf -X POST "$base/mock/clock" -H "Content-Type: application/json" -d "{\"advanceMs\":60000}" >/dev/null
succeeded "$zip"
curl -sf "$base/v2024/reports/$zip?fileFormat=csv" -H "$auth" | head -c 2 | grep -q "PK"
kill "$pid"
wait "$pid"
trap - EXIT
' >"$log" 2>&1 || fail "the installed server: $(cat "$log")"
echo "deb-fresh: ok ($(($(date +%s) - start)) s)"
