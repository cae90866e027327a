#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# scripts/install.sh into a DESTDIR: every file lands under PREFIX/SYSCONFDIR, the unit names the
# installed binary and configuration, a second run keeps an edited configuration.
# Usage: install_test.sh SOURCE_ROOT BUILD_ROOT
set -eu
root=$1
build=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

DESTDIR="$dest" PREFIX=/usr SYSCONFDIR=/etc sh "$root/scripts/install.sh" "$build" > /dev/null

for f in usr/bin/flowmeterd usr/lib/systemd/system/flowmeterd.service \
    usr/lib/sysusers.d/flowmeterd.conf etc/flowmeter.yaml \
    usr/share/doc/flowmeterd/operations.md usr/share/doc/flowmeterd/configuration.md \
    usr/share/doc/flowmeterd/flowmeterd-dpdk.conf; do
    [ -f "$dest/$f" ] || fail "$f not installed"
done
[ -x "$dest/usr/bin/flowmeterd" ] || fail "binary not executable"
cmp -s "$dest/etc/flowmeter.yaml" "$root/config/flowmeter.yaml" || fail "config differs"
grep -q '^ExecStart=/usr/bin/flowmeterd --config /etc/flowmeter.yaml$' \
    "$dest/usr/lib/systemd/system/flowmeterd.service" || fail "ExecStart for PREFIX=/usr"
cmp -s "$dest/usr/bin/flowmeterd" "$build/src/flowmeterd" || fail "installed binary differs from the build"

# An edited configuration survives a second installation.
echo "# edited" >> "$dest/etc/flowmeter.yaml"
DESTDIR="$dest" PREFIX=/usr SYSCONFDIR=/etc sh "$root/scripts/install.sh" "$build" > /dev/null
tail -n 1 "$dest/etc/flowmeter.yaml" | grep -q '^# edited$' || fail "config overwritten"
cmp -s "$dest/etc/flowmeter.yaml.new" "$root/config/flowmeter.yaml" || fail "no .new config"

# Another prefix: the unit follows it.
DESTDIR="$dest/opt" PREFIX=/opt/fm SYSCONFDIR=/opt/fm/etc sh "$root/scripts/install.sh" "$build" \
    > /dev/null
grep -q '^ExecStart=/opt/fm/bin/flowmeterd --config /opt/fm/etc/flowmeter.yaml$' \
    "$dest/opt/opt/fm/lib/systemd/system/flowmeterd.service" || fail "ExecStart for PREFIX=/opt/fm"
[ -x "$dest/opt/opt/fm/bin/flowmeterd" ] || fail "binary for PREFIX=/opt/fm"
echo "ok"
