#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `meson install --destdir` of the build under test: every file a monitoring host needs lands at
# its path (and nothing else is installed), the unit names the installed binary, configuration
# and output directory with no @placeholder@ left, the system user, the output directory and the
# installed configuration agree on that directory, the man pages render, and a second
# installation keeps an edited configuration. The loadable modules of the build are installed in
# MODULEDIR and load with the installed program.
# Usage: install_test.sh MESON SOURCE_ROOT BUILD_ROOT MAN_BUILT(yes|no) BINDIR SYSCONFDIR DOCDIR
#        MANDIR UNITDIR SYSUSERSDIR TMPFILESDIR STATEDIR MODULEDIR "MODULES"
set -eu
meson=$1
root=$2
build=$3
man_built=$4
bindir=$5
sysconfdir=$6
docdir=$7
mandir=$8
unitdir=$9
shift 9
sysusersdir=$1
tmpfilesdir=$2
statedir=$3
moduledir=$4
modules=$5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/root

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

install_into() {
    if ! out=$("$meson" install -C "$build" --no-rebuild --destdir "$1" 2>&1); then
        printf '%s\n' "$out" >&2
        fail "meson install --destdir $1 failed"
    fi
}
install_into "$dest"

# ---- every file, and nothing else ----------------------------------------------------------------
expected="$bindir/flowmeterd
$unitdir/flowmeterd.service
$sysusersdir/flowmeterd.conf
$tmpfilesdir/flowmeterd.conf
$sysconfdir/flowmeter.yaml
$docdir/README.md
$docdir/bench/README.md
$docdir/flowmeter.yaml
$docdir/flowmeterd-dpdk.conf
$docdir/flowmeterd-metrics.conf"
for name in $modules; do
    expected="$expected
$moduledir/flowmeterd-$name.so"
done
for doc in "$root"/docs/*.md "$root"/docs/img/*; do
    expected="$expected
$docdir/docs/${doc#"$root"/docs/}"
done
if [ "$man_built" = yes ]; then
    expected="$expected
$mandir/man8/flowmeterd.8
$mandir/man5/flowmeter.yaml.5"
fi
printf '%s\n' "$expected" | LC_ALL=C sort > "$work/expected"
(cd "$dest" && find . -type f -o -type l) | sed 's#^\.##' | LC_ALL=C sort > "$work/installed"
if ! cmp -s "$work/expected" "$work/installed"; then
    diff "$work/expected" "$work/installed" >&2 || true
    fail "installed files differ from the expected list (< missing, > not expected)"
fi
echo "ok: $(wc -l < "$work/installed") files at their paths"

# ---- contents ------------------------------------------------------------------------------------
[ -x "$dest$bindir/flowmeterd" ] || fail "$bindir/flowmeterd is not executable"
"$dest$bindir/flowmeterd" --version > /dev/null || fail "installed flowmeterd --version"
cmp -s "$root/README.md" "$dest$docdir/README.md" || fail "$docdir/README.md differs"
for doc in "$root"/docs/*.md; do
    cmp -s "$doc" "$dest$docdir/docs/$(basename "$doc")" || fail "$docdir/docs/$(basename "$doc") differs"
done
# Every relative link of an installed page resolves in the installed tree.
for page in $(cd "$dest$docdir" && find . -name '*.md'); do
    for target in $(grep -o '](\([^)#:]*\))' "$dest$docdir/$page" | sed 's/^](\(.*\))$/\1/'); do
        [ -e "$dest$docdir/$(dirname "$page")/$target" ] ||
            fail "$docdir/$page links to $target, which is not installed"
    done
done
cmp -s "$root/config/flowmeter.yaml" "$dest$docdir/flowmeter.yaml" ||
    fail "the example configuration differs from config/flowmeter.yaml"
cmp -s "$root/systemd/flowmeterd-dpdk.conf" "$dest$docdir/flowmeterd-dpdk.conf" ||
    fail "flowmeterd-dpdk.conf differs"

# Generated files: no placeholder left.
for f in "$unitdir/flowmeterd.service" "$sysusersdir/flowmeterd.conf" \
    "$tmpfilesdir/flowmeterd.conf"; do
    if grep -n '@[A-Za-z_]*@' "$dest$f" >&2; then
        fail "$f has an unsubstituted @placeholder@"
    fi
done

# The unit: ExecStart names the installed binary and configuration, the output directory is
# the one the tmpfiles.d entry creates, the documentation exists.
unit=$dest$unitdir/flowmeterd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$bindir/flowmeterd --config $sysconfdir/flowmeter.yaml" ] ||
    fail "ExecStart=$exec_start, expected $bindir/flowmeterd --config $sysconfdir/flowmeter.yaml"
set -- $exec_start
[ -x "$dest$1" ] || fail "ExecStart names $1, which is not installed"
[ -f "$dest$3" ] || fail "ExecStart names the configuration $3, which is not installed"
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
[ "$rw" = "$statedir" ] || fail "ReadWritePaths=$rw, expected $statedir"
grep -q "^User=flowmeterd$" "$unit" || fail "the unit does not run as flowmeterd"
doc_file=$(sed -n 's#^Documentation=file://##p' "$unit")
[ -f "$dest$doc_file" ] || fail "Documentation=file://$doc_file is not installed"
if [ "$man_built" = yes ]; then
    grep -q '^Documentation=man:flowmeterd(8) man:flowmeter.yaml(5)$' "$unit" ||
        fail "the unit does not name the man pages"
fi

grep -q "^u flowmeterd - \"[^\"]*\" $statedir\$" "$dest$sysusersdir/flowmeterd.conf" ||
    fail "sysusers.d entry: no user flowmeterd with home $statedir"
grep -q "^d $statedir 0750 flowmeterd flowmeterd -\$" "$dest$tmpfilesdir/flowmeterd.conf" ||
    fail "tmpfiles.d entry: no directory $statedir owned by flowmeterd"

# The installed configuration: the default, writing to the service's directory, and valid.
config=$dest$sysconfdir/flowmeter.yaml
grep -q "^  directory: \"$statedir\"\$" "$config" || fail "output.directory of $config is not $statedir"
sed "s#^  directory: \"$statedir\"\$#  directory: \"/var/lib/flowmeterd\"#" "$config" |
    cmp -s - "$root/config/flowmeter.yaml" || fail "$config differs from config/flowmeter.yaml"
if ! out=$("$dest$bindir/flowmeterd" --check-config --config "$config" -f in.pcap 2>&1); then
    printf '%s\n' "$out" >&2
    fail "flowmeterd --check-config rejects the installed configuration"
fi
printf '%s\n' "$out" | grep -q "directory: \"*$statedir\"*\$" ||
    fail "--check-config does not show output.directory $statedir"

# The installed modules load with the installed program. Under --destdir the program would look
# in the real MODULEDIR, so both are copied into one directory (the first place it looks).
mkdir "$work/run"
cp "$dest$bindir/flowmeterd" "$work/run/"
: > "$work/modules.yaml"
input="-f in.pcap"  # capture.source dpdk needs none
for name in $modules; do
    cp "$dest$moduledir/flowmeterd-$name.so" "$work/run/"
    case $name in
        dpdk)
            printf 'capture:\n  source: dpdk\n' >> "$work/modules.yaml"
            input=
            ;;
        kafka) printf 'output:\n  sinks: [csv, kafka]\n  kafka:\n    brokers: ["127.0.0.1:9"]\n' >> "$work/modules.yaml" ;;
        metrics) printf 'metrics:\n  listen: "127.0.0.1:0"\n' >> "$work/modules.yaml" ;;
    esac
done
if ! out=$("$work/run/flowmeterd" --check-config --config "$work/modules.yaml" $input 2>&1); then
    printf '%s\n' "$out" >&2
    fail "the installed modules ($modules) do not load with the installed program"
fi
echo "ok: installed modules load: ${modules:-none built}"

# ---- man pages -----------------------------------------------------------------------------------
if [ "$man_built" = yes ]; then
    for page in man8/flowmeterd.8 man5/flowmeter.yaml.5; do
        f=$dest$mandir/$page
        if grep -n '@[A-Za-z_]*@' "$f" >&2; then
            fail "$page has an unsubstituted @placeholder@"
        fi
        grep -q "^\.TH" "$f" || fail "$page has no .TH header"
        command -v groff > /dev/null 2>&1 ||
            fail "groff not found: install groff-base (scripts/install-deps.sh)"
        # -ww: every warning; -z: no output. A warning or a failure fails.
        if ! warnings=$(groff -man -Tutf8 -ww -z "$f" 2>&1) || [ -n "$warnings" ]; then
            printf '%s\n' "$warnings" >&2
            fail "groff -man cannot render $page cleanly"
        fi
        if command -v man > /dev/null 2>&1; then
            MANWIDTH=80 man -l "$f" > "$work/page.txt" 2> "$work/page.err" ||
                fail "man -l $page failed: $(cat "$work/page.err")"
            grep -q "NAME" "$work/page.txt" || fail "man -l $page shows no NAME section"
        fi
    done
    # flowmeterd(8) documents every flag of --help, flowmeter.yaml(5) every configuration key
    # (in the roff source without font changes and the \& that scdoc puts after dots).
    for page in man8/flowmeterd.8 man5/flowmeter.yaml.5; do
        sed -e 's/\\&//g' -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$dest$mandir/$page" \
            > "$work/$(basename "$page").txt"
    done
    for flag in $("$dest$bindir/flowmeterd" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -q -- "$flag" "$work/flowmeterd.8.txt" || fail "flowmeterd(8) lacks $flag"
    done
    "$dest$bindir/flowmeterd" --check-config -f in.pcap |
        awk '/^[a-z0-9_]+:$/ { s = $1; sub(":", "", s); next }
             /^    [a-z0-9_]+:/ { k = $1; sub(":", "", k); print s "." grp "." k; next }
             /^  [a-z0-9_]+:$/ { grp = $1; sub(":", "", grp); next }
             /^  [a-z0-9_]+:/ { k = $1; sub(":", "", k); print s "." k }' > "$work/keys"
    [ "$(wc -l < "$work/keys")" -ge 30 ] || fail "cannot list the configuration keys"
    while read -r key; do
        grep -q -- "$key" "$work/flowmeter.yaml.5.txt" || fail "flowmeter.yaml(5) lacks $key"
    done < "$work/keys"
    echo "ok: man pages render and name every flag and key"
fi

# ---- a second installation keeps an edited configuration ------------------------------------------
echo "# edited" >> "$config"
install_into "$dest"
tail -n 1 "$config" | grep -q '^# edited$' || fail "meson install overwrote an edited $sysconfdir/flowmeter.yaml"
[ -f "$config.new" ] || fail "no $sysconfdir/flowmeter.yaml.new next to the edited configuration"
sed '$d' "$config" | cmp -s - "$config.new" || fail "flowmeter.yaml.new is not the new default"
echo "ok: an edited configuration is kept"
