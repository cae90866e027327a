#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# systemd-analyze verify of systemd/flowmeterd.service, alone and with the DPDK drop-in.
# verify requires ExecStart= to name an existing executable, so a copy is verified with
# ExecStart pointing at the flowmeterd just built. Any message from verify fails the test:
# it reports unknown keys and bad values as warnings with exit status 0.
# Usage: systemd_verify.sh SYSTEMD_ANALYZE SOURCE_ROOT FLOWMETERD
set -eu
analyze=$1
root=$2
binary=$3

command -v "$analyze" >/dev/null 2>&1 || {
    echo "systemd-analyze not found ($analyze): install the Debian package systemd" >&2
    exit 1
}
[ -x "$binary" ] || { echo "not executable: $binary" >&2; exit 1; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")  # meson passes it relative
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed "s#^ExecStart=/usr/bin/flowmeterd #ExecStart=$binary #" \
    "$root/systemd/flowmeterd.service" > "$work/flowmeterd.service"
grep -q "^ExecStart=$binary --config /etc/flowmeter.yaml\$" "$work/flowmeterd.service" || {
    echo "ExecStart= of systemd/flowmeterd.service is not /usr/bin/flowmeterd --config ..." >&2
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
check "flowmeterd.service" env SYSTEMD_UNIT_PATH="$work:" "$analyze" verify flowmeterd.service

mkdir "$work/flowmeterd.service.d"
cp "$root/systemd/flowmeterd-dpdk.conf" "$work/flowmeterd.service.d/dpdk.conf"
check "flowmeterd.service with flowmeterd-dpdk.conf" \
    env SYSTEMD_UNIT_PATH="$work:" "$analyze" verify flowmeterd.service
