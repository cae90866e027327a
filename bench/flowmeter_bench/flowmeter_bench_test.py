#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test of flowmeter-bench: a fraction of a second in each mode, the JSON's fields and
their consistency, and the bad-input exits (one line on stderr, status 2). No timing
assertions: the machine may be loaded."""
import json
import os
import subprocess
import sys
import tempfile

BENCH = sys.argv[1]
FIELDS = [
    "scenario", "workers", "offered_pps", "achieved_pps", "achieved_gbps", "dropped", "rows",
    "rows_per_s", "peak_rss_bytes", "bytes_per_flow", "read_ceiling_pps",
    "fraction_of_read_ceiling", "offered", "delivered", "cpu",
]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run_json(tmp, name, *args):
    path = os.path.join(tmp, name + ".json")
    p = subprocess.run([BENCH, "--quiet", "--json", path, *args], capture_output=True, text=True,
                       timeout=100)
    check(p.returncode == 0, f"{name}: exit {p.returncode}: {p.stderr.strip()}")
    if p.returncode != 0:
        return []
    with open(path) as f:
        doc = json.load(f)
    check(doc["read_ceiling_pps"] > 0, f"{name}: read ceiling measured")
    for r in doc["runs"]:
        for k in FIELDS:
            check(k in r, f"{name}: field {k}")
        check(r["error"] == "", f"{name}: run error {r['error']}")
        check(r["rows"] > 0, f"{name}: rows > 0 (got {r['rows']})")
        check(r["delivered"] > 0, f"{name}: frames delivered")
        check(r["dropped"] == r["offered"] - r["delivered"],
              f"{name}: dropped == offered - delivered ({r['dropped']}, {r['offered']}, "
              f"{r['delivered']})")
        check(r["peak_rss_bytes"] > 0, f"{name}: peak RSS")
    return doc["runs"]


def bad_input(name, *args):
    p = subprocess.run([BENCH, *args], capture_output=True, text=True, timeout=60)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2, f"{name}: exit 2 (got {p.returncode})")
    check(len(lines) == 1, f"{name}: one line on stderr (got {lines})")


with tempfile.TemporaryDirectory() as tmp:
    runs = run_json(tmp, "max", "--flows", "200", "--duration", "0.2", "--rate", "max")
    for r in runs:
        check(r["dropped"] == 0, "max: nothing dropped")
        check(r["achieved_pps"] > 0, "max: achieved_pps > 0")

    # Paced at 10 kpps into a large ring: nothing may be lost even on a loaded machine.
    runs = run_json(tmp, "paced", "--flows", "200", "--duration", "0.3", "--rate", "10kpps",
                    "--ring", "65536")
    for r in runs:
        check(r["dropped"] == 0, f"paced: 0 drops at 10 kpps (got {r['dropped']})")
        check(r["offered"] == 3000, f"paced: 3000 frames offered (got {r['offered']})")
        check(r["achieved_pps"] <= r["offered_pps"] * 1.05, "paced: achieved <= offered")

    # A one-descriptor ring at a rate no pipeline reaches: drops, counted exactly.
    runs = run_json(tmp, "overrun", "--flows", "200", "--duration", "0.2", "--rate", "50Mpps",
                    "--ring", "1")
    for r in runs:
        check(r["dropped"] > 0, "overrun: drops counted")

    # A capture file as input.
    pcap = os.path.join(tmp, "in.pcap")
    missing = os.path.join(tmp, "missing.pcap")
    bad_input("unreadable pcap", "--pcap", missing, "--duration", "0.1")
    with open(pcap, "wb") as f:
        f.write(b"not a capture")
    bad_input("not a pcap", "--pcap", pcap, "--duration", "0.1")
    bad_input("rate 0", "--rate", "0")
    bad_input("ring 0", "--ring", "0")
    bad_input("unknown option", "--frobnicate")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("flowmeter-bench smoke test: OK")
