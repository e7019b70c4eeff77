#!/bin/sh
# check-format.sh - fails when a C file of the project is not as clang-format
# (with the project's .clang-format) would write it.
# usage: check-format.sh SOURCE_DIR [CLANG_FORMAT]
set -eu
src=$1
cf=${2:-clang-format}
cd "$src"
files=$(find server tests bench tools -name '*.[ch]' -not -path '*/node_modules/*' 2>/dev/null | sort)
# shellcheck disable=SC2086
"$cf" --dry-run --Werror $files
echo "clang-format: $(echo "$files" | wc -l) files clean"
