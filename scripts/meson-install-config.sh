#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson install step (config/meson.build): installs the default configuration as
# DESTDIR/SYSCONFDIR/flowmeter.yaml unless a different file is there already; then the new
# default goes next to it as flowmeter.yaml.new and the existing file is kept.
# Usage (from meson): meson-install-config.sh CONFIG SYSCONFDIR
set -eu
src=$1
dir="${DESTDIR:-}$2"
dest="$dir/flowmeter.yaml"
say() {
    [ -n "${MESON_INSTALL_QUIET:-}" ] || echo "$@"
}
if [ -n "${MESON_INSTALL_DRY_RUN:-}" ]; then
    say "Would install $src to $dest"
    exit 0
fi
install -d "$dir"
if [ -e "$dest" ] && ! cmp -s "$src" "$dest"; then
    install -m 0644 "$src" "$dest.new"
    say "Keeping $dest (changed locally); the new default is $dest.new"
else
    install -m 0644 "$src" "$dest"
    say "Installing $src to $dir"
fi
