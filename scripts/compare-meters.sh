#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Side-by-side of flowmeterd with the flow meters users would install from Debian instead,
# on one capture, offline, flow export only (docs/comparison.md).
#
# Usage: scripts/compare-meters.sh [--capture FILE] [--packets N] [--runs N] [--out DIR]
#                                  [--flowmeterd PATH] [--no-install]
#   --capture FILE     capture to use (classic pcap); default: one built in a temporary folder
#                      by scripts/make-big-capture.py from $FM_SHARED_DIR/pcaps/large
#                      (FM_SHARED_DIR defaults to ../shared beside the checkout)
#   --packets N        packets of the built capture (default 2000000)
#   --runs N           runs of each tool, interleaved (default 3)
#   --out DIR          results folder (default: bench-results/compare-<date>)
#   --flowmeterd PATH  flowmeterd to measure (default build/src/flowmeterd; build it with
#                      meson setup build --buildtype=release && ninja -C build src/flowmeterd)
#   --no-install       never apt-get install; tools that are missing are skipped
# As root, the missing Debian packages (softflowd, libndpi-bin, argus-server, argus-client,
# suricata where the sources have it) are installed with apt-get; otherwise they are named.
# Each tool reads the capture and writes its flows to a file in a temporary folder; wall and
# CPU time come from /usr/bin/time. The Markdown table goes to stdout and to DIR/results.md,
# the raw times to DIR/times.tsv. A shared or busy machine makes wall times noisy: the table
# gives the range over the runs and the CPU time as well.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

capture=""
packets=2000000
runs=3
out="bench-results/compare-$(date +%Y%m%d-%H%M%S)"
flowmeterd=build/src/flowmeterd
install=1
while (($#)); do
    case "$1" in
        --capture) capture=${2:?--capture needs a file}; shift 2 ;;
        --packets) packets=${2:?--packets needs a number}; shift 2 ;;
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        --out) out=${2:?--out needs a folder}; shift 2 ;;
        --flowmeterd) flowmeterd=${2:?--flowmeterd needs a path}; shift 2 ;;
        --no-install) install=0; shift ;;
        -h | --help) sed -n '3,22p' "scripts/compare-meters.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-meters.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { echo "compare-meters: $*" >&2; }

[[ -x $flowmeterd ]] || { log "$flowmeterd is not built (see --help)"; exit 1; }
[[ -x /usr/bin/time ]] || { log "/usr/bin/time is missing (Debian package 'time')"; exit 1; }
command -v python3 >/dev/null || { log "python3 is missing"; exit 1; }

# --- the comparison tools ------------------------------------------------------------------
# tool name, command it needs, Debian package(s) that ship it
declare -A tool_cmd=([softflowd]=softflowd [suricata]=suricata [ndpiReader]=ndpiReader [argus]=argus)
declare -A tool_pkg=([softflowd]=softflowd [suricata]=suricata [ndpiReader]=libndpi-bin
    [argus]="argus-server argus-client")
tools=(softflowd suricata ndpiReader argus)

missing_pkgs=()
for t in "${tools[@]}"; do
    command -v "${tool_cmd[$t]}" >/dev/null && continue
    for p in ${tool_pkg[$t]}; do
        if [[ $(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}') =~ ^(|\(none\))$ ]]; then
            log "$t: Debian package '$p' is not in this system's apt sources; $t is skipped"
        else
            missing_pkgs+=("$p")
        fi
    done
done
command -v ra >/dev/null || missing_pkgs+=(argus-client)
mapfile -t missing_pkgs < <(printf '%s\n' "${missing_pkgs[@]}" | sort -u | sed '/^$/d')
if ((${#missing_pkgs[@]})); then
    if ((install)) && ((EUID == 0)); then
        log "installing ${missing_pkgs[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_pkgs[@]}" >&2
    else
        log "missing Debian packages (install them as root): ${missing_pkgs[*]}"
    fi
fi
present=()
for t in "${tools[@]}"; do
    if command -v "${tool_cmd[$t]}" >/dev/null; then present+=("$t"); else log "$t: not installed, skipped"; fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/compare-meters.XXXXXX")
sink_pid=""
cleanup() {
    if [[ -n $sink_pid ]]; then kill "$sink_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

# --- the capture ---------------------------------------------------------------------------
if [[ -z $capture ]]; then
    shared=${FM_SHARED_DIR:-$(cd .. && pwd)/shared}
    capture=$work/big.pcap
    log "building a capture of >= $packets packets from $shared/pcaps/large"
    python3 scripts/make-big-capture.py --packets "$packets" -o "$capture" "$shared/pcaps/large"
fi
[[ -r $capture ]] || { log "cannot read $capture"; exit 1; }

# libpcap read-only rate: a pcap_next_ex loop, compiled here (tcpdump -w /dev/null otherwise)
cat >"$work/pcapread.c" <<'EOF'
#include <pcap/pcap.h>
#include <stdio.h>
int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argc > 1 ? argv[1] : "-", err);
    if (!p) { fprintf(stderr, "%s\n", err); return 1; }
    struct pcap_pkthdr *h;
    const unsigned char *d;
    unsigned long n = 0, touched = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) { n++; touched += h->caplen ? d[0] : 0; }
    printf("%lu %lu\n", n, touched);
    return rc == PCAP_ERROR_BREAK ? 0 : 1;
}
EOF
reader="pcap_next_ex loop"
if ! cc -O2 -o "$work/pcapread" "$work/pcapread.c" -lpcap 2>"$work/cc.log"; then
    log "cannot compile the libpcap reader ($(head -1 "$work/cc.log")); using tcpdump"
    reader="tcpdump -r FILE -w /dev/null"
fi
capture_packets=$("$work/pcapread" "$capture" 2>/dev/null | cut -d' ' -f1 || true)
[[ $capture_packets =~ ^[0-9]+$ ]] ||
    capture_packets=$(tcpdump -r "$capture" -w - 2>/dev/null | tcpdump -r - -qn 2>/dev/null | wc -l)
log "capture: $capture, $capture_packets packets, $(du -m "$capture" | cut -f1) MiB"

# --- one run of each tool: writes its flows under $1 ---------------------------------------
run_libpcap() {
    if [[ $reader == tcpdump* ]]; then tcpdump -r "$capture" -w /dev/null; else "$work/pcapread" "$capture" >"$1/count"; fi
}
run_flowmeterd() { "$flowmeterd" -f "$capture" -o "$1/flows.csv"; }
run_softflowd() {
    # softflowd exports NetFlow v9 over UDP only: a local sink writes the datagrams to a file.
    softflowd -r "$capture" -n "127.0.0.1:$(cat "$1/port")" -v 9 -d -c none -p "$1/softflowd.pid" \
        -m 4000000 >"$1/stats.txt"
}
run_suricata() {
    suricata -c "$work/suricata.yaml" -r "$capture" -l "$1" --runmode single -k none \
        --disable-detection >/dev/null
}
run_ndpiReader() { ndpiReader -i "$capture" -C "$1/flows.csv" -q >/dev/null; }
run_argus() { argus -r "$capture" -w "$1/flows.argus"; }

cat >"$work/sink.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 0))
with open(sys.argv[1], "wb") as out:
    with open(sys.argv[2] + ".tmp", "w") as p:
        p.write(str(s.getsockname()[1]))
    __import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
    while True:
        d = s.recv(65535)
        out.write(len(d).to_bytes(4, "little") + d)
        out.flush()
EOF
cat >"$work/suricata.yaml" <<'EOF'
%YAML 1.1
---
# flow logging only: no rules are loaded and detection is disabled on the command line
default-rule-path: /nonexistent
rule-files: []
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - flow
stats:
  enabled: no
EOF

start_sink() {
    python3 "$work/sink.py" "$1/netflow.bin" "$1/port" &
    sink_pid=$!
    for _ in $(seq 50); do [[ -s $1/port ]] && return 0; sleep 0.1; done
    log "the UDP sink did not start"
    return 1
}
stop_sink() {
    sleep 0.5 # let the last datagrams land
    kill "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" 2>/dev/null || true
    sink_pid=""
}

measured=(libpcap flowmeterd "${present[@]}")
export capture flowmeterd work reader
export -f run_libpcap run_flowmeterd run_softflowd run_suricata run_ndpiReader run_argus
printf 'tool\trun\twall_s\tuser_s\tsys_s\n' >"$out/times.tsv"
for ((r = 1; r <= runs; r++)); do
    for t in "${measured[@]}"; do
        dir=$work/$t.$r
        mkdir -p "$dir"
        [[ $t == softflowd ]] && start_sink "$dir"
        # shellcheck disable=SC2016 # $0 is expanded by the inner shell
        if ! /usr/bin/time -f "%e %U %S" -o "$dir/time" bash -c "run_$t"' "$0"' "$dir" \
            >"$dir/stdout" 2>"$dir/stderr"; then
            log "$t run $r failed: $(tail -2 "$dir/stderr" | tr '\n' ' ')"
        fi
        [[ $t == softflowd ]] && stop_sink
        read -r wall user sys < <(tail -1 "$dir/time")
        printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$r" "$wall" "$user" "$sys" >>"$out/times.tsv"
        log "$t run $r: wall $wall s, user $user s, sys $sys s"
        # keep only the last run's output, for the record and field counts
        if ((r < runs)); then rm -rf "$dir"; fi
    done
done

# --- records and fields of each tool's output (last run) -----------------------------------
d() { echo "$work/$1.$runs"; }
csv_rows() { echo $(($(wc -l <"$1") - 1)); }
csv_cols() { head -1 "$1" | tr ',' '\n' | wc -l; }
declare -A records fields computes version
records[libpcap]="-"; fields[libpcap]="-"; computes[libpcap]="reads the packets, nothing else ($reader)"
version[libpcap]="libpcap $(dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null || echo '?')"
version[flowmeterd]=$("$flowmeterd" --version 2>/dev/null | head -1)
records[flowmeterd]=$(csv_rows "$(d flowmeterd)/flows.csv")
fields[flowmeterd]=$(csv_cols "$(d flowmeterd)/flows.csv")
computes[flowmeterd]="CICFlowMeter features: bidirectional flows, per-direction packet-length and inter-arrival statistics, flags, active/idle, bulk, subflows"
if [[ -d $(d softflowd) ]]; then
    version[softflowd]="softflowd $(dpkg-query -W -f='${Version}' softflowd 2>/dev/null || echo '?')"
    records[softflowd]=$(sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records.*/\1/p' "$(d softflowd)/stats.txt")
    fields[softflowd]=$(python3 - "$(d softflowd)/netflow.bin" <<'EOF'
import struct, sys
blob, off, most = open(sys.argv[1], "rb").read(), 0, 0
while off + 4 <= len(blob):  # length-prefixed NetFlow v9 datagrams; template flowsets have id 0
    n = int.from_bytes(blob[off:off + 4], "little"); dg = blob[off + 4:off + 4 + n]; off += 4 + n
    at = 20
    while at + 4 <= len(dg):
        fsid, fslen = struct.unpack_from("!HH", dg, at)
        if fslen < 4: break
        if fsid == 0:
            t = at + 4
            while t + 4 <= at + fslen:
                _, count = struct.unpack_from("!HH", dg, t); most = max(most, count); t += 4 + 4 * count
        at += fslen
print(most or "?")
EOF
)
    computes[softflowd]="NetFlow v9 unidirectional records: 5-tuple, packets, bytes, first/last time, TCP flags, ToS"
fi
if [[ -d $(d suricata) ]]; then
    version[suricata]="suricata $(dpkg-query -W -f='${Version}' suricata 2>/dev/null || echo '?')"
    records[suricata]=$(grep -c '"event_type":"flow"' "$(d suricata)/eve.json" || true)
    fields[suricata]=$(python3 -c 'import json,sys
def n(o): return sum(n(v) for v in o.values()) if isinstance(o, dict) else 1
print(max((n(json.loads(l)) for l in open(sys.argv[1])), default="?"))' "$(d suricata)/eve.json")
    computes[suricata]="EVE flow events: 5-tuple, packets and bytes per direction, start/end, age, state, TCP flags, app protocol"
fi
if [[ -d $(d ndpiReader) ]]; then
    version[ndpiReader]="nDPI $(dpkg-query -W -f='${Version}' libndpi-bin 2>/dev/null || echo '?')"
    records[ndpiReader]=$(csv_rows "$(d ndpiReader)/flows.csv")
    fields[ndpiReader]=$(csv_cols "$(d ndpiReader)/flows.csv")
    computes[ndpiReader]="DPI application protocol + flow statistics (packet length and inter-arrival min/avg/max/stddev, flags, TLS/SSH fingerprints)"
fi
if [[ -d $(d argus) ]]; then
    version[argus]="argus $(dpkg-query -W -f='${Version}' argus-server 2>/dev/null || echo '?')"
    if command -v ra >/dev/null; then
        records[argus]=$(ra -r "$(d argus)/flows.argus" -n -L -1 - not man 2>/dev/null | wc -l)
    else
        records[argus]="?"
    fi
    fields[argus]="(binary)"
    computes[argus]="bidirectional flow status records (Debian's /etc/argus.conf: a status record every 5 s): packets, bytes, app bytes, TTL, TCP state, loss; ra prints chosen fields"
fi

# --- the table -----------------------------------------------------------------------------
for t in "${measured[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${version[$t]:-?}" "${records[$t]:-?}" "${fields[$t]:-?}" \
        "${computes[$t]:-}"
done >"$out/tools.tsv"
python3 - "$out/times.tsv" "$out/tools.tsv" "$capture_packets" "$runs" >"$work/table.md" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
meta = [line.rstrip("\n").split("\t") for line in open(sys.argv[2])]
packets = int(sys.argv[3])
def times(t, k): return [float(r[k]) for r in rows if r["tool"] == t]
def cpu(t): return [float(r["user_s"]) + float(r["sys_s"]) for r in rows if r["tool"] == t]
ref = statistics.median(times("flowmeterd", "wall_s"))
print(f"Capture: {packets:,} packets; {sys.argv[4]} runs each; packets/s = packets / median wall time.")
print()
print("| tool | version | packets/s (median wall) | wall s (min-max) | CPU s user+sys (min-max) "
      "| packets per CPU-s (median) | rate vs flowmeterd | records written | fields per record | what it computes |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
for t, v, rec, fld, what in meta:
    w, c = times(t, "wall_s"), cpu(t)
    if not w: continue
    mw, mc = statistics.median(w), statistics.median(c)
    print(f"| {t} | {v} | {packets / mw / 1e3:,.0f} K | {min(w):.2f}-{max(w):.2f} | {min(c):.2f}-{max(c):.2f} "
          f"| {packets / mc / 1e3:,.0f} K | {ref / mw:.2f}x | {rec} | {fld} | {what} |")
EOF
{
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo
    cat "$work/table.md"
} | tee "$out/results.md"
log "results in $out/results.md and $out/times.tsv"
