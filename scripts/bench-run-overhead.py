#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The fixed cost of a run: wall time of `flowmeterd -f EMPTY.pcap -o X.csv -q` (median of N
runs, time.perf_counter around subprocess.run; beside it `flowmeterd --version`, the process
start alone) and of a batch of 100 empty captures
(`--output-dir`, `--jobs 1`) with output.fsync true and false. Several binaries are measured in
turn, run by run, so that a change in the machine's load affects them alike
(docs/performance.md, "Batch mode").

Usage: scripts/bench-run-overhead.py [--runs N] [--files N] [--flowgen PATH] FLOWMETERD...
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="+", help="flowmeterd binaries to compare")
    ap.add_argument("--runs", type=int, default=30, help="single runs per binary (median)")
    ap.add_argument("--batch-runs", type=int, default=3, help="batches per binary and setting")
    ap.add_argument("--files", type=int, default=100, help="empty captures per batch")
    ap.add_argument("--flowgen", default="build/bench/flowgen/flowgen")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="fm-overhead-") as work:
        one = os.path.join(work, "one.pcap")
        subprocess.run([args.flowgen, "-q", "-n", "1", "-o", one], check=True)
        with open(one, "rb") as f:
            header = f.read(24)  # the file header alone: a capture with no packets
        empty = os.path.join(work, "empty.pcap")
        with open(empty, "wb") as f:
            f.write(header)
        batch_dir = os.path.join(work, "empties")
        os.mkdir(batch_dir)
        for i in range(args.files):
            with open(os.path.join(batch_dir, f"e{i:04d}.pcap"), "wb") as f:
                f.write(header)
        configs = {}
        for fsync in ("true", "false"):
            path = os.path.join(work, f"fsync-{fsync}.yaml")
            with open(path, "w") as f:
                f.write(f"output:\n  fsync: {fsync}\n")
            configs[fsync] = path
        out_csv = os.path.join(work, "x.csv")
        out_dir = os.path.join(work, "out")

        single = {b: [] for b in args.binaries}
        start_only = {b: [] for b in args.binaries}
        for _ in range(args.runs):
            for b in args.binaries:
                single[b].append(timed([b, "-f", empty, "-o", out_csv, "-q"]))
                start_only[b].append(timed([b, "--version"]))
        batch = {(b, fs): [] for b in args.binaries for fs in configs}
        for _ in range(args.batch_runs):
            for b in args.binaries:
                for fs, cfg in configs.items():
                    subprocess.run(["rm", "-rf", out_dir], check=True)
                    batch[(b, fs)].append(timed([b, "--config", cfg, "-f", batch_dir,
                                                 "--output-dir", out_dir, "--jobs", "1", "-q"]))
                    produced = len(os.listdir(out_dir))
                    if produced != args.files:
                        sys.exit(f"{b}: batch wrote {produced} files, expected {args.files}")

    print(f"load average before the end: {os.getloadavg()[0]:.1f}, CPUs {os.cpu_count()}")
    for b in args.binaries:
        s = sorted(single[b])
        print(f"{b}: empty capture, median of {args.runs}: {statistics.median(s) * 1e3:.1f} ms "
              f"(min {s[0] * 1e3:.1f}, max {s[-1] * 1e3:.1f})")
        print(f"{b}: --version (process start only), median of {args.runs}: "
              f"{statistics.median(start_only[b]) * 1e3:.1f} ms")
        for fs in configs:
            t = statistics.median(batch[(b, fs)])
            print(f"{b}: batch of {args.files} empty captures, --jobs 1, output.fsync {fs}: "
                  f"{t:.3f} s ({t / args.files * 1e3:.2f} ms per capture; median of "
                  f"{args.batch_runs})")


if __name__ == "__main__":
    main()
