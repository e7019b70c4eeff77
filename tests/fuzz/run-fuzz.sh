#!/bin/sh
# run-fuzz.sh - runs one libFuzzer target as a bounded, repeatable smoke test.
# The committed seed folder is only read; inputs the run finds go to
# RUNDIR/corpus (emptied first, so every run starts from the same corpus), and
# crash reproducers to RUNDIR/artifacts/.
# usage: run-fuzz.sh FUZZER SEEDS RUNDIR [libFuzzer flags...]
set -eu
fuzzer=$1
seeds=$2
dir=$3
shift 3
rm -rf "$dir/corpus"
mkdir -p "$dir/corpus" "$dir/artifacts"
exec "$fuzzer" -artifact_prefix="$dir/artifacts/" "$@" "$dir/corpus" "$seeds"
