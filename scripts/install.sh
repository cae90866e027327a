#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs flowmeterd: the binary, the systemd unit (paths rewritten for PREFIX and SYSCONFDIR),
# the sysusers entry for the service user, the default configuration (never overwriting an
# existing one) and the operations documentation with the DPDK drop-in example.
#
# Usage: scripts/install.sh [BUILD_DIR]        (default BUILD_DIR: build)
# Environment (all optional):
#   DESTDIR      staging root for packaging; nothing outside it is touched when set
#   PREFIX       installation prefix (default /usr/local)
#   SYSCONFDIR   configuration directory (default /etc)
#   UNITDIR      systemd units (default PREFIX/lib/systemd/system)
#   SYSUSERSDIR  sysusers.d entries (default PREFIX/lib/sysusers.d)
#   DOCDIR       documentation (default PREFIX/share/doc/flowmeterd)
# Without DESTDIR and as root it also creates the flowmeterd user (systemd-sysusers) and reloads
# systemd; it never enables or starts the service.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in
    /*) ;;
    *) build="$root/$build" ;;
esac

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$PREFIX/lib/sysusers.d}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/flowmeterd}

binary="$build/src/flowmeterd"
if [ ! -x "$binary" ]; then
    echo "install.sh: $binary not found; build first: meson setup $build && ninja -C $build" >&2
    exit 1
fi

echo "installing into ${DESTDIR:-/} (PREFIX=$PREFIX SYSCONFDIR=$SYSCONFDIR)"

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$UNITDIR" "$DESTDIR$SYSUSERSDIR" "$DESTDIR$DOCDIR" \
    "$DESTDIR$SYSCONFDIR"
install -m 0755 "$binary" "$DESTDIR$PREFIX/bin/flowmeterd"

# The unit names the installed paths.
unit_tmp=$(mktemp)
trap 'rm -f "$unit_tmp"' EXIT
sed -e "s#^ExecStart=/usr/bin/flowmeterd --config /etc/flowmeter.yaml#ExecStart=$PREFIX/bin/flowmeterd --config $SYSCONFDIR/flowmeter.yaml#" \
    -e "s#^Documentation=file:///usr/share/doc/flowmeterd/#Documentation=file://$DOCDIR/#" \
    "$root/systemd/flowmeterd.service" > "$unit_tmp"
grep -q "^ExecStart=$PREFIX/bin/flowmeterd --config $SYSCONFDIR/flowmeter.yaml\$" "$unit_tmp" || {
    echo "install.sh: could not rewrite ExecStart= in systemd/flowmeterd.service" >&2
    exit 1
}
install -m 0644 "$unit_tmp" "$DESTDIR$UNITDIR/flowmeterd.service"
install -m 0644 "$root/systemd/flowmeterd.sysusers" "$DESTDIR$SYSUSERSDIR/flowmeterd.conf"

# Keep an existing configuration: the new default goes next to it.
config="$DESTDIR$SYSCONFDIR/flowmeter.yaml"
if [ -e "$config" ]; then
    install -m 0644 "$root/config/flowmeter.yaml" "$config.new"
    echo "kept $config; the new default is $config.new"
else
    install -m 0644 "$root/config/flowmeter.yaml" "$config"
fi

install -m 0644 "$root/docs/operations.md" "$root/docs/configuration.md" \
    "$root/systemd/flowmeterd-dpdk.conf" "$DESTDIR$DOCDIR/"

if [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ]; then
    if command -v systemd-sysusers > /dev/null 2>&1; then
        systemd-sysusers "$SYSUSERSDIR/flowmeterd.conf"
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
    fi
fi

cat <<EOF
installed:
  $DESTDIR$PREFIX/bin/flowmeterd
  $DESTDIR$UNITDIR/flowmeterd.service
  $DESTDIR$SYSUSERSDIR/flowmeterd.conf
  $DESTDIR$SYSCONFDIR/flowmeter.yaml
  $DESTDIR$DOCDIR/
next: set capture.source/capture.interface in $SYSCONFDIR/flowmeter.yaml, check it with
  flowmeterd --check-config --config $SYSCONFDIR/flowmeter.yaml
then: systemctl enable --now flowmeterd
EOF
