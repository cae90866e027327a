#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Start-up cost of flowmeterd (docs/performance.md, "Start-up"): for each program given,
# `perf stat -r N PROGRAM --version` (task-clock and elapsed time: loading, relocating and
# initialising the program and the shared objects it links), then the wall time of
# `PROGRAM -f empty.pcap -o x.csv -q` on a capture with no packet, median of N runs, the
# programs taking turns so that a change of load hits them alike. Also prints the number of
# shared objects each program maps (ldd) and the machine's load average.
#
# Usage: scripts/bench-startup.sh [--runs N] [PROGRAM...]
#   PROGRAM   flowmeterd binaries to compare (default build/src/flowmeterd)
#   --runs N  runs of each measurement (default 30)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=30
programs=()
while (($#)); do
    case "$1" in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        -h | --help) sed -n '3,13p' "scripts/bench-startup.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench-startup.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
        *) programs+=("$1"); shift ;;
    esac
done
((${#programs[@]})) || programs=(build/src/flowmeterd)
command -v perf > /dev/null || { echo "bench-startup.sh: perf not found (linux-perf)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A classic pcap header (microsecond time stamps, Ethernet) and no record.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
    > "$work/empty.pcap"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for p in "${programs[@]}"; do
    stat=$(perf stat -r "$runs" -x, -e task-clock "$p" --version 2>&1 > /dev/null | grep task-clock)
    elapsed=$(perf stat -r "$runs" "$p" --version 2>&1 > /dev/null | grep 'time elapsed' |
        awk '{ printf "%.1f", $1 * 1000 }')
    printf '%s: %s shared objects; --version: %.1f ms task-clock, %s ms elapsed (mean of %d)\n' \
        "$p" "$(ldd "$p" | wc -l)" "${stat%%,*}" "$elapsed" "$runs"
done

# Empty capture: wall time in µs, programs alternating.
for ((i = 0; i < runs; i++)); do
    for j in "${!programs[@]}"; do
        # bash's own clock (µs): forking date(1) around the run would add its start-up.
        start=${EPOCHREALTIME/./}
        "${programs[$j]}" -f "$work/empty.pcap" -o "$work/x.csv" -q > /dev/null 2>&1
        end=${EPOCHREALTIME/./}
        echo $((end - start)) >> "$work/wall.$j"
    done
done
for j in "${!programs[@]}"; do
    sort -n "$work/wall.$j" | awk -v p="${programs[$j]}" '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%s: empty capture: median %.1f ms wall, min %.1f, max %.1f (%d runs)\n",
                     p, m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
done
