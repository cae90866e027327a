#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Batch mode against a shell loop: how fast `flowmeterd -f DIR --output-dir OUT` turns a
# directory of captures into one CSV each, compared with running `flowmeterd -f FILE -o X.csv`
# once per file from a shell loop (one at a time, and N at a time with xargs -P), on the same
# captures, from the page cache. Two data sets made by flowgen: many small captures (about 100
# packets each) and a few large ones. Also times a run on an empty capture (start-up and end of
# input; docs/performance.md, "Batch mode").
#
# Usage: scripts/bench-batch.sh [--small N] [--large N] [--large-flows N] [--jobs N]
#                               [--build DIR] [--work DIR]
#   --small N        small captures (default 1000)
#   --large N        large captures (default 10)
#   --large-flows N  flows per large capture (default 20000, about 200k packets)
#   --jobs N         --jobs of batch mode and -P of xargs (default: nproc)
#   --build DIR      release build (default build): src/flowmeterd, bench/flowgen/flowgen
#   --work DIR       scratch directory (default a new one under /tmp, removed at the end)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

small=1000
large=10
large_flows=20000
jobs=$(nproc)
build=build
work=""
while (($#)); do
    case "$1" in
        --small) small=${2:?}; shift 2 ;;
        --large) large=${2:?}; shift 2 ;;
        --large-flows) large_flows=${2:?}; shift 2 ;;
        --jobs) jobs=${2:?}; shift 2 ;;
        --build) build=${2:?}; shift 2 ;;
        --work) work=${2:?}; shift 2 ;;
        -h | --help) sed -n '3,17p' "scripts/bench-batch.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-batch.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
fm="$build/src/flowmeterd"
flowgen="$build/bench/flowgen/flowgen"
for prog in "$fm" "$flowgen"; do
    if [[ ! -x "$prog" ]]; then
        echo "bench-batch.sh: $prog not found: meson setup $build --buildtype=release &&" \
            "ninja -C $build" >&2
        exit 2
    fi
done
fm=$(realpath "$fm")
if [[ -z "$work" ]]; then
    work=$(mktemp -d /tmp/flowmeterd-bench-batch.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/small" "$work/large"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

echo "making $small small and $large large captures in $work ..." >&2
for ((i = 1; i <= small; i++)); do
    "$flowgen" -q -n 10 -c 5 -d 2 -s "$i" -o "$work/small/s$(printf %05d "$i").pcap"
done
for ((i = 1; i <= large; i++)); do
    "$flowgen" -q -n "$large_flows" -c 1000 -d 60 -s "$i" -o "$work/large/l$(printf %03d "$i").pcap"
done
"$flowgen" -q -n 1 -o "$work/one.pcap"
head -c 24 "$work/one.pcap" >"$work/empty.pcap"

# Packets of a set, as flowmeterd counts them (the batch summary).
count_packets() {
    "$fm" -f "$1" --output-dir "$work/count" --quiet 2>&1 |
        sed -n 's/.*total packets processed: \([0-9]*\).*/\1/p'
    rm -rf "$work/count"
}

report() {  # name files packets seconds
    awk -v name="$1" -v n="$2" -v p="$3" -v s="$4" 'BEGIN {
        printf "%-34s %6d files %10d packets %8.2f s %9.1f files/s %11.0f packets/s\n",
            name, n, p, s, n / s, p / s }'
}

run_set() {  # set-name
    local set=$1 n packets t0 t1
    n=$(find "$work/$set" -name '*.pcap' | wc -l)
    packets=$(count_packets "$work/$set")
    cat "$work/$set"/*.pcap >/dev/null  # page cache

    rm -rf "$work/out"
    t0=$(now)
    "$fm" -f "$work/$set" --output-dir "$work/out" --jobs "$jobs" --quiet 2>/dev/null
    t1=$(now)
    report "$set: batch --jobs $jobs" "$n" "$packets" "$(elapsed "$t0" "$t1")"

    rm -rf "$work/out"
    t0=$(now)
    "$fm" -f "$work/$set" --output-dir "$work/out" --jobs 1 --quiet 2>/dev/null
    t1=$(now)
    report "$set: batch --jobs 1" "$n" "$packets" "$(elapsed "$t0" "$t1")"

    rm -rf "$work/out" && mkdir -p "$work/out"
    t0=$(now)
    for f in "$work/$set"/*.pcap; do
        "$fm" -f "$f" -o "$work/out/$(basename "$f")_Flow.csv" --quiet 2>/dev/null
    done
    t1=$(now)
    report "$set: shell loop" "$n" "$packets" "$(elapsed "$t0" "$t1")"

    rm -rf "$work/out" && mkdir -p "$work/out"
    t0=$(now)
    find "$work/$set" -name '*.pcap' -print0 |
        xargs -0 -P "$jobs" -I{} sh -c '"$1" -f "$2" -o "$3/$(basename "$2")_Flow.csv" --quiet 2>/dev/null' \
            sh "$fm" {} "$work/out"
    t1=$(now)
    report "$set: xargs -P $jobs" "$n" "$packets" "$(elapsed "$t0" "$t1")"
}

echo "flowmeterd $("$fm" --version | cut -d' ' -f2), $(nproc) CPUs, jobs $jobs"
run_set small
run_set large

# One run on an empty capture: the fixed cost of a run (start-up, end of input, shutdown).
runs=50
t0=$(now)
for ((i = 0; i < runs; i++)); do
    "$fm" -f "$work/empty.pcap" -o "$work/empty.csv" --quiet 2>/dev/null
done
t1=$(now)
awk -v a="$t0" -v b="$t1" -v n="$runs" \
    'BEGIN { printf "empty capture: %.1f ms per run (mean of %d)\n", (b - a) * 1000 / n, n }'
