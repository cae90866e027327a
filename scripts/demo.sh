#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Quick start command 1: installs missing Debian packages, builds a release flowmeterd, makes a
# small synthetic capture with flowgen (TCP, UDP, ICMP, IPv6 and VLAN flows) and turns it into
# CICFlowMeter feature rows. Everything it writes goes to ./demo-out/.
#
# Usage: scripts/demo.sh [--profile cic2017|cic2018|v4|fixed] [--flows N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-release
OUT_DIR=demo-out
profile=fixed
flows=400

while (($#)); do
    case "$1" in
        --profile)
            profile=${2:?--profile needs a value}
            shift 2
            ;;
        --flows)
            flows=${2:?--flows needs a value}
            shift 2
            ;;
        -h | --help)
            sed -n '3,7p' "scripts/demo.sh" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "demo.sh: unknown argument '$1' (see scripts/demo.sh --help)" >&2
            exit 2
            ;;
    esac
done

echo "==> dependencies"
scripts/install-deps.sh

echo "==> release build in $BUILD_DIR/"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    meson setup "$BUILD_DIR" --buildtype=release
fi
# Only the two programs the demo runs; scripts/test.sh builds and runs everything else.
ninja -C "$BUILD_DIR" src/flowmeterd bench/flowgen/flowgen

mkdir -p "$OUT_DIR"
capture="$OUT_DIR/sample.pcap"
truth="$OUT_DIR/sample-flows.csv"
csv="$OUT_DIR/flows-$profile.csv"

echo "==> synthetic capture: $capture"
"$BUILD_DIR/bench/flowgen/flowgen" --flows "$flows" --concurrency 40 --duration 30 --seed 1 \
    --size-mix imix --ipv6-share 0.15 --vlan-share 0.15 -o "$capture" --truth "$truth"

echo "==> flowmeterd -f $capture -o $csv --profile $profile"
rm -f "$csv"
"$BUILD_DIR/src/flowmeterd" -f "$capture" -o "$csv" --profile "$profile"
[[ -s "$csv" ]] || { echo "demo.sh: flowmeterd wrote no CSV" >&2; exit 1; }

rows=$(($(wc -l <"$csv") - 1))
columns=$(head -n 1 "$csv" | awk -F, '{ print NF }')
echo
echo "Wrote $rows flows x $columns features to $csv"
echo "(flowgen's own record of the flows it generated: $truth)"
echo
echo "First rows, a few of the columns:"
# Column names differ between profiles (e.g. "Total Fwd Packet" vs "Tot Fwd Pkts"), so each
# wanted column is looked up by any of its spellings; leading spaces (cic2017) are ignored.
awk -F, -v want="Src IP|Source IP;Src Port|Source Port;Dst IP|Destination IP;Dst Port|Destination Port;Protocol;Flow Duration;Total Fwd Packet|Tot Fwd Pkts|Total Fwd Packets;Total Bwd packets|Tot Bwd Pkts|Total Backward Packets;Flow Bytes/s|Flow Byts/s" '
NR == 1 {
    for (i = 1; i <= NF; i++) {
        name = $i
        sub(/^ +/, "", name)
        col[name] = i
    }
    n = split(want, wanted, ";")
    for (w = 1; w <= n; w++) {
        k = split(wanted[w], alts, "|")
        idx[w] = 0
        for (a = 1; a <= k; a++) {
            if (alts[a] in col) { idx[w] = col[alts[a]]; label[w] = alts[a]; break }
        }
        if (idx[w] == 0) { label[w] = alts[1] }
    }
    fmt = "  %-26s %-8s %-26s %-8s %-5s %-14s %-8s %-8s %s\n"
    printf fmt, label[1], "Port", label[3], "Port", "Proto", label[6], "Fwd Pkts", "Bwd Pkts", label[9]
    next
}
NR <= 11 {
    for (w = 1; w <= n; w++) { v[w] = idx[w] ? $(idx[w]) : "?" }
    printf fmt, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]
}' "$csv"
