#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the Google Benchmark programs (release, -Dbenchmarks=enabled, in build-bench/) and runs
# every bench_* program, each writing JSON into one results folder together with a description of
# the machine, ready for `compare.py benchmarks before.json after.json` (see bench/README.md).
#
# Usage: scripts/run_benchmarks.sh [--out DIR] [--benchmark_filter=REGEX] [other benchmark flags]
#   --out DIR                 results folder (default: bench-results/<date>-<commit>)
#   --benchmark_filter=REGEX  passed to every program (also: --filter REGEX)
#   anything else starting with --benchmark_ is passed to every program as well
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-bench
out=""
bench_args=()
while (($#)); do
    case "$1" in
        --out)
            out=${2:?--out needs a folder}
            shift 2
            ;;
        --filter)
            bench_args+=("--benchmark_filter=${2:?--filter needs a regex}")
            shift 2
            ;;
        --benchmark_*)
            bench_args+=("$1")
            shift
            ;;
        -h | --help)
            sed -n '3,10p' "scripts/run_benchmarks.sh" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run_benchmarks.sh: unknown argument '$1' (see --help)" >&2
            exit 2
            ;;
    esac
done

scripts/install-deps.sh

if [[ -f "$BUILD_DIR/build.ninja" ]]; then
    meson setup --reconfigure "$BUILD_DIR" --buildtype=release -Dbenchmarks=enabled -Dtests=disabled
else
    meson setup "$BUILD_DIR" --buildtype=release -Dbenchmarks=enabled -Dtests=disabled
fi
meson compile -C "$BUILD_DIR"

mapfile -t programs < <(meson introspect --targets "$BUILD_DIR" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("bench_"):
        print(t["filename"][0])' | LC_ALL=C sort)
if ((${#programs[@]} == 0)); then
    echo "run_benchmarks.sh: no bench_* programs are declared in bench/meson.build" >&2
    exit 1
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -z "$out" ]]; then
    out="bench-results/$(date -u +%Y%m%dT%H%M%SZ)-$commit"
fi
mkdir -p "$out"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $commit$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    echo "kernel: $(uname -srm)"
    echo "compiler: $(c++ --version | head -n 1)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "cpus: $(nproc)"
    echo "governor: $(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo unknown)"
    echo "arguments: ${bench_args[*]-}"
} >"$out/machine.txt"

failed=0
for prog in "${programs[@]}"; do
    name=$(basename "$prog")
    echo "==> $name"
    if ! "$prog" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
        "${bench_args[@]+"${bench_args[@]}"}"; then
        echo "run_benchmarks.sh: $name failed" >&2
        failed=1
    fi
done
echo
echo "Results: $out/ (one JSON per program, machine.txt)"
exit "$failed"
