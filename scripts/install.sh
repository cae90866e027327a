#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Builds and installs flowmeterd with meson (setup, compile, install; see "Installing" in
# README.md and docs/operations.md for what lands where), then does what meson cannot: when
# installing to / as root, creates the system user and the output directory
# (systemd-sysusers, systemd-tmpfiles) and reloads systemd. It never enables or starts the
# service.
#
# Usage: scripts/install.sh [BUILD_DIR]        (default BUILD_DIR: build)
# Environment (all optional):
#   PREFIX         installation prefix (default /usr/local)
#   SYSCONFDIR     configuration directory (default /etc)
#   LOCALSTATEDIR  variable data; the output directory is LOCALSTATEDIR/lib/flowmeterd
#                  (default /var)
#   DESTDIR        staging root for packaging: nothing outside it is touched, no user is made
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in
    /*) ;;
    *) build="$root/$build" ;;
esac
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
LOCALSTATEDIR=${LOCALSTATEDIR:-/var}
DESTDIR=${DESTDIR:-}

dirs="-Dprefix=$PREFIX -Dsysconfdir=$SYSCONFDIR -Dlocalstatedir=$LOCALSTATEDIR"
if [ -f "$build/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson configure "$build" $dirs
else
    # shellcheck disable=SC2086
    meson setup "$build" "$root" --buildtype=release $dirs
fi
meson compile -C "$build"
if [ -n "$DESTDIR" ]; then
    meson install -C "$build" --no-rebuild --destdir "$DESTDIR"
    exit 0
fi
meson install -C "$build" --no-rebuild

# Where meson put the sysusers.d and tmpfiles.d entries.
installed() {
    meson introspect --installed "$build" | python3 -c '
import json, sys
for path in json.load(sys.stdin).values():
    if path.endswith(sys.argv[1]):
        print(path)' "$1"
}
if [ "$(id -u)" -eq 0 ]; then
    if command -v systemd-sysusers > /dev/null 2>&1; then
        systemd-sysusers "$(installed sysusers.d/flowmeterd.conf)"
    fi
    if command -v systemd-tmpfiles > /dev/null 2>&1; then
        systemd-tmpfiles --create "$(installed tmpfiles.d/flowmeterd.conf)"
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
    fi
else
    echo "install.sh: not root: create the user and the output directory as root with" >&2
    echo "  systemd-sysusers $(installed sysusers.d/flowmeterd.conf)" >&2
    echo "  systemd-tmpfiles --create $(installed tmpfiles.d/flowmeterd.conf)" >&2
fi
cat <<END
next: set capture.source/capture.interface in $SYSCONFDIR/flowmeter.yaml, check it with
  flowmeterd --check-config --config $SYSCONFDIR/flowmeter.yaml
then: systemctl enable --now flowmeterd
END
