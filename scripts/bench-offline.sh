#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Offline end to end against the read ceiling: how fast `flowmeterd -f FILE` turns a capture into
# flows compared with libpcap merely reading the same file (pcap_next_ex, nothing else), both
# measured in the same run, alternately, from the page cache. Prints one line per configuration
# with median wall times, packets/s and the ratio (docs/performance.md, "Offline end to end").
#
# Usage: scripts/bench-offline.sh FILE [--runs N] [--workers LIST] [--build DIR]
#   FILE            a capture (classic pcap or pcapng)
#   --runs N        runs of each configuration (default 5); medians are reported
#   --workers LIST  comma-separated --workers values to try (default: auto,1,2)
#   --build DIR     release build with -Dbenchmarks=enabled (default build-rel): src/flowmeterd and
#                   bench/flowmeter_bench/pcap-read-ceiling
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

file=""
runs=5
workers="auto,1,2"
build=build-rel
while (($#)); do
    case "$1" in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        --workers) workers=${2:?--workers needs a list}; shift 2 ;;
        --build) build=${2:?--build needs a folder}; shift 2 ;;
        -h | --help) sed -n '3,14p' "scripts/bench-offline.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench-offline.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
        *) file=$1; shift ;;
    esac
done
if [[ -z "$file" || ! -r "$file" ]]; then
    echo "bench-offline.sh: give a readable capture file (see --help)" >&2
    exit 2
fi
ceiling_prog="$build/bench/flowmeter_bench/pcap-read-ceiling"
for prog in "$build/src/flowmeterd" "$ceiling_prog"; do
    if [[ ! -x "$prog" ]]; then
        echo "bench-offline.sh: $prog not found: meson setup $build --buildtype=release" \
            "-Dbenchmarks=enabled && ninja -C $build" >&2
        exit 2
    fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One libpcap read of the whole file: "SECONDS FRAMES" (pcap-read-ceiling, one pass).
read_once() {
    "$ceiling_prog" "$file" 1 | awk '{print $2, $1}'
}

# One flowmeterd run, seconds of wall time (the whole process: start, read, flows, CSV, exit).
meter_once() {
    local w=$1 t0 t1
    t0=$(date +%s.%N)
    "$build/src/flowmeterd" -f "$file" -o "$out/flows.csv" --workers "$w" >/dev/null 2>"$out/log"
    t1=$(date +%s.%N)
    python3 -c "print($t1 - $t0)"
}

read -r _ packets < <(read_once)
declare -A times=()
ceiling=""
for ((i = 0; i < runs; i++)); do
    read -r t _ < <(read_once)
    ceiling+="$t "
    IFS=, read -ra ws <<<"$workers"
    for w in "${ws[@]}"; do
        times[$w]+="$(meter_once "$w") "
    done
done

python3 - "$packets" "$ceiling" "$workers" "$(declare -p times)" <<'PY'
import re, statistics, sys
packets = int(sys.argv[1])
ceiling = statistics.median(float(x) for x in sys.argv[2].split())
workers = sys.argv[3].split(",")
times = dict(re.findall(r'\[([^\]]+)\]="([^"]*)"', sys.argv[4]))
print(f"packets {packets}; libpcap read-only: median {ceiling:.3f} s = {packets / ceiling / 1e6:.2f} Mpps")
for w in workers:
    t = statistics.median(float(x) for x in times[w].split())
    print(f"flowmeterd --workers {w}: median {t:.3f} s = {packets / t / 1e6:.2f} Mpps, "
          f"{ceiling / t * 100:.0f} % of the read ceiling")
PY
