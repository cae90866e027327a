#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Soak benchmark (not part of CI; results in docs/robustness.md): flowmeterd as a daemon on a
# live veth pair inside a network namespace for DURATION seconds, while tcpreplay loops a mixed
# capture with churn (new addresses every loop, --unique-ip), a SYN flood and long flows;
# rotation every minute, SIGHUP every 5 minutes. Samples the daemon's RSS and open file
# descriptors every second and checks at the end:
#   * RSS after warm-up (the first 5 minutes, or a fifth of a shorter run) stays flat,
#   * the number of open file descriptors never changes after warm-up,
#   * rows written (lines in all closed CSV files) = flows ended (the daemon's final stats),
#   * no error line in the daemon's log.
# Writes OUT/samples.csv (seconds, rss_kib, fds), OUT/rss.png (python3-matplotlib, else
# gnuplot), OUT/summary.txt, OUT/flowmeterd.log and the CSV files under OUT/flows/.
#
# Usage: sudo scripts/soak.sh [DURATION_S [PPS [OUT]]]
#   DURATION_S  run time (default 1800 = 30 minutes)
#   PPS         packets per second tcpreplay sends (default 2000; keep it low on a shared host)
#   OUT         output folder (default soak-results/<date>)
# Environment:
#   FM_BUILD_DIR  build directory holding src/flowmeterd and bench/flowgen (default: build)
#   FM_SOAK_IDLE_TIMEOUT_S  flow.idle_timeout_s (default 120; 0 = off, then finished flows stay
#                 in the table as stubs until it is full, and RSS grows to max_flows' bound)
#   FM_SOAK_MAX_FLOWS       flow.max_flows (default 200000)
# Needs root (namespace, veth), ip (iproute2), tcpreplay; exit status 0 only if every check
# passed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${1:-1800}
pps=${2:-2000}
out=${3:-soak-results/$(date -u +%Y%m%dT%H%M%SZ)}
build=${FM_BUILD_DIR:-build}
flowmeterd=$build/src/flowmeterd
flowgen=$build/bench/flowgen/flowgen

die() {
    echo "soak.sh: $*" >&2
    exit 2
}
[[ $(id -u) -eq 0 ]] || die "needs root (network namespace and veth pair): sudo scripts/soak.sh"
command -v tcpreplay >/dev/null || die "tcpreplay not found (scripts/install-deps.sh)"
command -v ip >/dev/null || die "ip not found (iproute2)"
[[ -x "$flowmeterd" && -x "$flowgen" ]] || die "build first: meson setup $build && ninja -C $build"
[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 60 ]] || die "DURATION_S must be >= 60"

ns=fm-soak-$$
mkdir -p "$out/flows"
out=$(cd "$out" && pwd)
daemon_pid=""
replay_pids=()
cleanup() {
    for p in "${replay_pids[@]}" $daemon_pid; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

# ---- traffic: mixed flows, a SYN flood, long flows ----------------------------------------------
"$flowgen" -q -o "$out/mixed.pcap" -n 20000 -c 2000 -d 60 -s 1 --size-mix imix
"$flowgen" -q -o "$out/long.pcap" -n 50 -c 50 -d 600 -s 2 --tcp-share 1 --udp-share 0
python3 - "$out/synflood.pcap" <<'PY'
# SYN flood: one SYN each from 5000 source ports and addresses, never answered.
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(5000):
        src = bytes([172, 16, (i >> 8) & 0xFF, i & 0xFF])
        dst = bytes([10, 9, 9, 9])
        tcp = struct.pack("!HHIIBBHHH", 1024 + i, 80, i * 7919, 0, 5 << 4, 0x02, 1024, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp
        f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(frame), len(frame)))
        f.write(frame)
PY

# ---- namespace, veth pair, daemon ---------------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link add fm-tx type veth peer name fm-rx
ip -n "$ns" link set fm-tx up
ip -n "$ns" link set fm-rx up
ip -n "$ns" link set lo up

cat >"$out/flowmeter.yaml" <<YAML
capture:
  source: pcap_live
  interface: fm-rx
flow:
  profile: fixed
  flow_timeout_s: 120
  idle_timeout_s: ${FM_SOAK_IDLE_TIMEOUT_S:-120}
  max_flows: ${FM_SOAK_MAX_FLOWS:-200000}
output:
  directory: "$out/flows"
  file_prefix: soak
  rotate:
    interval_s: 60
  fsync: false
logging:
  level: info
  target: stderr
  stats_interval_s: 60
YAML

ip netns exec "$ns" "$flowmeterd" --config "$out/flowmeter.yaml" >"$out/flowmeterd.log" 2>&1 &
daemon_pid=$!
sleep 2
kill -0 "$daemon_pid" 2>/dev/null || die "flowmeterd did not start: $(tail -5 "$out/flowmeterd.log")"

# Three replays share the rate: mixed traffic with new addresses every loop (churn), the SYN
# flood, and the long flows (their own slow pace, so they stay open across many minutes).
ip netns exec "$ns" tcpreplay -q -i fm-tx --loop=0 --unique-ip --pps=$((pps * 7 / 10)) \
    "$out/mixed.pcap" >/dev/null 2>&1 &
replay_pids+=($!)
ip netns exec "$ns" tcpreplay -q -i fm-tx --loop=0 --unique-ip --pps=$((pps * 2 / 10)) \
    "$out/synflood.pcap" >/dev/null 2>&1 &
replay_pids+=($!)
ip netns exec "$ns" tcpreplay -q -i fm-tx --loop=0 --pps=$((pps / 10 > 0 ? pps / 10 : 1)) \
    "$out/long.pcap" >/dev/null 2>&1 &
replay_pids+=($!)

# ---- sampling -----------------------------------------------------------------------------------
echo "seconds,rss_kib,fds" >"$out/samples.csv"
start=$(date +%s)
hups=0
for ((s = 0; s < duration; s++)); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status")
    fds=$(ls "/proc/$daemon_pid/fd" | wc -l)
    echo "$s,$rss,$fds" >>"$out/samples.csv"
    if ((s > 0 && s % 300 == 0)); then
        kill -HUP "$daemon_pid"
        hups=$((hups + 1))
    fi
    sleep $((start + s + 1 - $(date +%s) > 0 ? 1 : 0))
done
alive_to_end=1
kill -0 "$daemon_pid" 2>/dev/null || alive_to_end=0
for p in "${replay_pids[@]}"; do
    kill "$p" 2>/dev/null || true
done
replay_pids=()
kill -TERM "$daemon_pid" 2>/dev/null || true
wait "$daemon_pid" && daemon_status=0 || daemon_status=$?
daemon_pid=""

# ---- checks -------------------------------------------------------------------------------------
# Debian's python3 (/usr/bin) has python3-matplotlib; another python3 first in PATH may not.
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
"$py" - "$out" "$duration" "$hups" "$alive_to_end" "$daemon_status" <<'PY'
import csv, glob, os, re, sys
out, duration, hups, alive, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = list(csv.DictReader(open(os.path.join(out, "samples.csv"))))
t = [int(r["seconds"]) for r in rows]
rss = [int(r["rss_kib"]) for r in rows]
fds = [int(r["fds"]) for r in rows]
warm = min(300, duration // 5)
after = [r for s, r in zip(t, rss) if s >= warm]
log = open(os.path.join(out, "flowmeterd.log"), errors="replace").read()
m = re.findall(r"final: (\d+) flows, (\d+) rows written", log)
flows_ended = int(m[-1][0]) if m else -1
rows_logged = int(m[-1][1]) if m else -1
files = sorted(glob.glob(os.path.join(out, "flows", "*.csv")))
rows_in_files = sum(max(0, sum(1 for _ in open(f)) - 1) for f in files)
errors = [l for l in log.splitlines() if re.search(r"\] *(error|critical)|\berror\b \[", l)]
# Flat: the last third's mean RSS within 10 % (and 8 MiB) of the first third after warm-up.
third = max(1, len(after) // 3)
first_mean = sum(after[:third]) / third if after else 0
last_mean = sum(after[-third:]) / third if after else 0
growth = last_mean - first_mean
checks = {
    "daemon ran the whole time": alive == 1,
    "daemon exited 0 on SIGTERM": status == 0,
    "RSS flat after warm-up": bool(after) and growth <= max(8192, 0.10 * first_mean),
    # The first output file opens with the first finished flow: count from the warm-up's end.
    "fds constant after warm-up": len({f for s, f in zip(t, fds) if s >= warm}) <= 1,
    "rows written = flows ended": flows_ended >= 0 and rows_in_files == flows_ended == rows_logged,
    "no error lines": not errors,
}
lines = [
    f"duration_s {len(rows)} (asked {duration}), SIGHUPs {hups}, CSV files {len(files)}",
    f"rss_kib warm-up end {after[0] if after else 'n/a'}, min {min(after) if after else 'n/a'}, "
    f"max {max(after) if after else 'n/a'}, first-third mean {first_mean:.0f}, last-third mean {last_mean:.0f}",
    f"fds at start {fds[0] if fds else 'n/a'}, after warm-up min "
    f"{min((f for s, f in zip(t, fds) if s >= warm), default='n/a')} max "
    f"{max((f for s, f in zip(t, fds) if s >= warm), default='n/a')}",
    f"flows ended {flows_ended}, rows in log {rows_logged}, rows in files {rows_in_files}",
    f"error lines {len(errors)}" + ("".join("\n  " + e for e in errors[:5])),
] + [f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in checks.items()]
open(os.path.join(out, "summary.txt"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot([s / 60 for s in t], [r / 1024 for r in rss], lw=1)
    ax.axvline(warm / 60, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("minutes")
    ax.set_ylabel("RSS (MiB)")
    ax.set_title("flowmeterd soak: resident memory, sampled every second")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "rss.png"), dpi=100)
except ImportError:
    import subprocess
    subprocess.run(["gnuplot", "-e",
                    f"set terminal png size 900,400; set output '{out}/rss.png'; set datafile separator ',';"
                    f"set xlabel 'seconds'; set ylabel 'RSS (KiB)'; plot '{out}/samples.csv' every ::1 using 1:2 with lines title 'RSS'"],
                   check=False)
sys.exit(0 if all(checks.values()) else 1)
PY
