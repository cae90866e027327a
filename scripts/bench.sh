#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The standard scenario set of the line-rate harness flowmeter-bench (bench/README.md):
#   max rate: frames 64, imix, 1518 x concurrent flows 1K, 100K, 1M x workers 1..cores;
#   zero-loss search at 1G and 10G for each frame size at 100K flows, workers = cores.
# Writes one JSON file per invocation and tables (Markdown) into the results folder.
#
# Usage: scripts/bench.sh [--out DIR] [--duration S] [--trial-duration S] [--plot] [--quick]
#   --out DIR             results folder (default: bench-results/line-rate-<date>)
#   --duration S          seconds per max-rate run (default 1)
#   --trial-duration S    seconds per zero-loss trial (default 0.5)
#   --max-trials N        trials per search (default 8)
#   --plot                draw PNG charts from the JSON (python3-matplotlib) into the folder
#   --quick               1K and 100K flows only
#   --plot-only           no runs: redraw the charts and tables of an existing --out folder
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-rel
out="bench-results/line-rate-$(date +%Y%m%d-%H%M%S)"
duration=1
trial_duration=0.5
max_trials=8
plot=0
quick=0
plot_only=0
while (($#)); do
    case "$1" in
        --out) out=${2:?--out needs a folder}; shift 2 ;;
        --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
        --trial-duration) trial_duration=${2:?--trial-duration needs seconds}; shift 2 ;;
        --max-trials) max_trials=${2:?--max-trials needs a number}; shift 2 ;;
        --plot) plot=1; shift ;;
        --quick) quick=1; shift ;;
        --plot-only) plot=1; plot_only=1; shift ;;
        -h | --help) sed -n '3,16p' "scripts/bench.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

bench="$BUILD_DIR/bench/flowmeter_bench/flowmeter-bench"
if ((!plot_only)); then
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        meson setup "$BUILD_DIR" --buildtype=release -Dbenchmarks=enabled
    fi
    ninja -C "$BUILD_DIR" bench/flowmeter_bench/flowmeter-bench
    mkdir -p "$out"
    cores=$(nproc)
    workers=$(seq -s, 1 "$cores")
    flows_set=(1000 100000 1000000)
    ((quick)) && flows_set=(1000 100000)
    {
        echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|L2|L3)' || true
        echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "kernel: $(uname -r)"
    } >"$out/machine.txt"
    for frames in 64 imix 1518; do
        for flows in "${flows_set[@]}"; do
            echo "== max rate: $frames B, $flows flows, workers $workers"
            "$bench" --frames "$frames" --flows "$flows" --rate max --duration "$duration" \
                --workers "$workers" --json "$out/max-$frames-$flows.json"
        done
    done
    for frames in 64 imix 1518; do
        for link in 1G 10G; do
            echo "== zero-loss search: $frames B, 100000 flows, link $link, workers $cores"
            "$bench" --frames "$frames" --flows 100000 --find-zero-loss --link "$link" \
                --duration "$trial_duration" --max-trials "$max_trials" --workers "$cores" \
                --json "$out/zero-loss-$frames-$link.json"
        done
    done
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
fi

# The charts need matplotlib: Debian's python3 has it (python3-matplotlib); another python3
# first on PATH may not.
python=${PYTHON:-python3}
if ((plot)) && ! "$python" -c 'import matplotlib' 2>/dev/null && [[ -x /usr/bin/python3 ]]; then
    python=/usr/bin/python3
fi
"$python" - "$out" "$plot" <<'PY'
import glob, json, os, sys
out, plot = sys.argv[1], sys.argv[2] == "1"
runs, searches = [], []
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    with open(path) as f:
        doc = json.load(f)
    # max-<frames>-<flows>.json, zero-loss-<frames>-<link>.json
    frames = os.path.basename(path)[:-len(".json")].split("-")[-2]
    for r in doc["runs"]:
        r["frames"] = frames
        runs.append(r)
    for s in doc["zero_loss"]:
        s["frames"] = frames
        searches.append(s)
order = {"64": 0, "imix": 1, "1518": 2}
maxruns = sorted((r for r in runs if r["mode"] == "max"),
                 key=lambda r: (order[r["frames"]], r["concurrent_flows"], r["workers"]))
lines = ["| frames | flows | workers | packets/s | Gbit/s | rows/s | of read ceiling | "
         "CPU ns/packet capture / workers / writer | peak RSS | bytes/flow |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for r in maxruns:
    c = r["cpu"]
    lines.append("| {} | {:,} | {} | {:.2f} M | {:.2f} | {:.0f} k | {:.1f} % | {:.0f} / {:.0f} / {:.0f} "
                 "| {:.0f} MiB | {:.0f} |".format(
                     r["frames"], r["concurrent_flows"], r["workers"], r["achieved_pps"] / 1e6,
                     r["achieved_gbps"], r["rows_per_s"] / 1e3,
                     100 * r["fraction_of_read_ceiling"], c["capture"]["ns_per_packet"],
                     c["workers"]["ns_per_packet"], c["writer"]["ns_per_packet"],
                     r["peak_rss_bytes"] / 2**20, r["bytes_per_flow"]))
lines += ["", "| frames | link | workers | line rate | zero-loss rate | of line rate | trials |",
          "|---|---|---|---|---|---|---|"]
for s in sorted(searches, key=lambda s: (order[s["frames"]], s["link_bps"])):
    lines.append("| {} | {:g} G | {} | {:.2f} Mpps | {:.3f} Mpps | {:.2f} % | {} |".format(
        s["frames"], s["link_bps"] / 1e9, s["workers"], s["line_rate_pps"] / 1e6,
        s["zero_loss_pps"] / 1e6, s["percent_of_line_rate"], len(s["trials"])))
with open(os.path.join(out, "tables.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
if not plot:
    sys.exit(0)
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
workers = sorted({r["workers"] for r in maxruns})
top = max(workers) if workers else 1
# 1. Throughput vs concurrent flows, one line per frame size (most workers).
fig, ax = plt.subplots(figsize=(6, 4))
for fr in ("64", "imix", "1518"):
    pts = sorted((r["concurrent_flows"], r["achieved_pps"] / 1e6) for r in maxruns
                 if r["frames"] == fr and r["workers"] == top)
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{fr} B")
ax.set_xscale("log"); ax.set_xlabel("concurrent flows"); ax.set_ylabel("Mpps (max rate)")
ax.set_title(f"Throughput vs concurrent flows ({top} workers)"); ax.grid(True, alpha=0.3)
ax.legend(); fig.tight_layout(); fig.savefig(os.path.join(out, "throughput-vs-flows.png"), dpi=100)
# 2. Throughput vs workers, one line per frame size at 100K flows.
fig, ax = plt.subplots(figsize=(6, 4))
for fr in ("64", "imix", "1518"):
    pts = sorted((r["workers"], r["achieved_pps"] / 1e6) for r in maxruns
                 if r["frames"] == fr and r["concurrent_flows"] == 100000)
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{fr} B")
ax.set_xticks(workers); ax.set_xlabel("flow workers"); ax.set_ylabel("Mpps (max rate)")
ax.set_title("Throughput vs workers (100K flows)"); ax.grid(True, alpha=0.3); ax.legend()
fig.tight_layout(); fig.savefig(os.path.join(out, "throughput-vs-workers.png"), dpi=100)
# 3. Zero-loss rate as a share of line rate.
fig, ax = plt.subplots(figsize=(6, 4))
labels, values = [], []
for s in sorted(searches, key=lambda s: (order[s["frames"]], s["link_bps"])):
    labels.append("{} B\n{:g} G".format(s["frames"], s["link_bps"] / 1e9))
    values.append(s["percent_of_line_rate"])
ax.bar(labels, values); ax.set_ylabel("% of line rate without loss"); ax.set_ylim(0, 105)
for i, v in enumerate(values):
    ax.text(i, v + 1, f"{v:.1f} %", ha="center", fontsize=8)
ax.set_title("Zero-loss rate (100K flows)"); fig.tight_layout()
fig.savefig(os.path.join(out, "zero-loss.png"), dpi=100)
print(f"charts in {out}")
PY
