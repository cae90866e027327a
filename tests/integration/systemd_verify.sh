#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The systemd unit as meson generates it (systemd/flowmeterd.service.in with the installation
# paths filled in): systemd-analyze verify, alone and with the DPDK drop-in, and
# systemd-analyze security, whose overall exposure level must stay at or below MAX_EXPOSURE.
# verify requires ExecStart= to name an existing executable, so a copy is checked with
# ExecStart pointing at the flowmeterd just built. Any message from verify fails the test:
# it reports unknown keys and bad values as warnings with exit status 0.
# Usage: systemd_verify.sh SYSTEMD_ANALYZE UNIT DPDK_DROPIN FLOWMETERD BINDIR [MAX_EXPOSURE
#        [METRICS_DROPIN]]
set -eu
analyze=$1
unit=$2
dropin=$3
binary=$4
bindir=$5
max_exposure=${6:-1.5}

command -v "$analyze" >/dev/null 2>&1 || {
    echo "systemd-analyze not found ($analyze): install the Debian package systemd" >&2
    exit 1
}
[ -x "$binary" ] || { echo "not executable: $binary" >&2; exit 1; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")  # meson passes it relative
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed "s#^ExecStart=$bindir/flowmeterd #ExecStart=$binary #" "$unit" > "$work/flowmeterd.service"
grep -q "^ExecStart=$binary --config " "$work/flowmeterd.service" || {
    echo "ExecStart= of $unit is not $bindir/flowmeterd --config ..." >&2
    exit 1
}

check() {
    what=$1
    shift
    if ! out=$("$@" 2>&1); then
        printf 'systemd-analyze verify failed (%s):\n%s\n' "$what" "$out" >&2
        exit 1
    fi
    if [ -n "$out" ]; then
        printf 'systemd-analyze verify complained (%s):\n%s\n' "$what" "$out" >&2
        exit 1
    fi
    echo "ok: $what"
}

cd "$work"
# --man=no: the man pages of Documentation= are checked by integration_install, not installed here.
check "flowmeterd.service" env SYSTEMD_UNIT_PATH="$work:" "$analyze" verify --man=no \
    flowmeterd.service

# The exposure level of the unit alone (the DPDK drop-in runs as root and opens more).
if ! report=$("$analyze" security --offline=true --no-pager "$work/flowmeterd.service" 2>&1); then
    printf 'systemd-analyze security failed:\n%s\n' "$report" >&2
    exit 1
fi
level=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || {
    printf 'no overall exposure level in the output of systemd-analyze security:\n%s\n' \
        "$report" >&2
    exit 1
}
if awk -v l="$level" -v m="$max_exposure" 'BEGIN { exit !(l > m) }'; then
    printf '%s\n' "$report" | grep '✗' >&2 || true
    echo "systemd-analyze security: exposure level $level, more than $max_exposure" >&2
    exit 1
fi
echo "ok: exposure level $level (at most $max_exposure)"

mkdir "$work/flowmeterd.service.d"
cp "$dropin" "$work/flowmeterd.service.d/dpdk.conf"
check "flowmeterd.service with flowmeterd-dpdk.conf" \
    env SYSTEMD_UNIT_PATH="$work:" "$analyze" verify --man=no flowmeterd.service

# The Prometheus endpoint's drop-in (7th argument), alone on the unit.
if [ -n "${7:-}" ]; then
    rm -f "$work/flowmeterd.service.d/dpdk.conf"
    cp "$7" "$work/flowmeterd.service.d/metrics.conf"
    check "flowmeterd.service with flowmeterd-metrics.conf" \
        env SYSTEMD_UNIT_PATH="$work:" "$analyze" verify --man=no flowmeterd.service
fi
