#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The loadable modules through the real program (docs/building.md, "Loadable modules"):
# flowmeterd links none of the heavy libraries; --version lists the modules; a configuration
# that needs a module loads it (--check-config, a run) from beside the program; a module that is
# missing or of another build is a configuration error (exit 78) naming the setting, the module
# file, every path tried and why.
# Usage: modules_test.sh FLOWMETERD STALE_MODULE "BUILT MODULES" (names among dpdk kafka metrics)
set -eu
fm=$(realpath "$1")  # /proc/self/exe, which the program reports, is resolved
stale=$2
built=$3
pcap=$FM_SHARED_DIR/pcaps/tcp/http.pcap

work=$(realpath "$(mktemp -d)")
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Runs a command that must end as a configuration error; its output is left in $out.
# Usage: expect_exit_78 WHAT COMMAND [ARG...]
expect_exit_78() {
    what=$1
    shift
    set +e
    out=$("$@" 2>&1)
    rc=$?
    set -e
    [ $rc -eq 78 ] || fail "$what: exit $rc, expected 78: $out"
}

# ---- the program maps none of the heavy libraries ------------------------------------------------
ldd "$fm" > "$work/ldd" || fail "ldd $fm"
for lib in librte_ librdkafka libmicrohttpd; do
    if grep "$lib" "$work/ldd" >&2; then
        fail "$fm links $lib (it belongs in a module)"
    fi
done
echo "ok: $(wc -l < "$work/ldd") shared objects, none of DPDK, librdkafka, libmicrohttpd"

"$fm" --version > "$work/version" || fail "--version"
for name in dpdk kafka metrics; do
    case " $built " in
        *" $name "*) state="$(dirname "$fm")/flowmeterd-$name.so" ;;
        *) state="not built" ;;
    esac
    grep -q "$name ($state)" "$work/version" || fail "--version does not say $name ($state): $(cat "$work/version")"
done
echo "ok: --version: $(tail -n 1 "$work/version")"

# ---- configurations that need each module --------------------------------------------------------
config_for() {
    case $1 in
        dpdk) printf 'capture:\n  source: dpdk\n  dpdk:\n    ports: [0, 5]\n    eal_args: ["--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "-m", "128", "--log-level=notice", "--file-prefix=fmmod%s", "--vdev=net_null0"]\n' "$$" ;;
        kafka) printf 'output:\n  sinks: [csv, kafka]\n  kafka:\n    brokers: ["127.0.0.1:9"]\n' ;;
        metrics) printf 'metrics:\n  listen: "127.0.0.1:0"\n' ;;
    esac
}
setting_of() {
    case $1 in
        dpdk) echo capture.source ;;
        kafka) echo output.sinks ;;
        metrics) echo metrics.listen ;;
    esac
}

mkdir "$work/alone" "$work/stale" "$work/out"
cp "$fm" "$work/alone/flowmeterd"
cp "$fm" "$work/stale/flowmeterd"
for name in $built; do
    cfg=$work/$name.yaml
    config_for "$name" > "$cfg"
    printf 'output:\n  directory: "%s"\n' "$work/out" > "$work/$name-out.yaml"
    files="-f $pcap"
    [ "$name" = dpdk ] && files=
    # The module beside the program is loaded by --check-config.
    if ! out=$("$fm" --check-config --config "$cfg" $files 2>&1); then
        printf '%s\n' "$out" >&2
        fail "--check-config with $name: the module beside the program was not used"
    fi
    # A copy of the program without its modules: exit 78, the setting, the file, each path.
    expect_exit_78 "no $name module" "$work/alone/flowmeterd" --check-config --config "$cfg" $files
    key=$(setting_of "$name")
    printf '%s\n' "$out" | grep -q "^$cfg:[0-9]*: $key: needs the module flowmeterd-$name: cannot load the module flowmeterd-$name.so; tried:" ||
        fail "no $name module: the message does not name $cfg, $key and the module: $out"
    printf '%s\n' "$out" | grep -q "^  $work/alone/flowmeterd-$name.so: .*No such file" ||
        fail "no $name module: the message does not name the path beside the program: $out"
    [ "$(printf '%s\n' "$out" | grep -c "^  /.*/flowmeterd-$name.so: ")" -eq 2 ] ||
        fail "no $name module: the message does not list both paths tried: $out"
    # The same for a run (it checks at start what --check-config checks).
    expect_exit_78 "run without the $name module" "$work/alone/flowmeterd" --config "$cfg" $files -o "$work/out/alone.csv"
    [ ! -e "$work/out/alone.csv" ] || fail "run without the $name module wrote output"
    # A module of another build: refused, saying which builds differ.
    cp "$stale" "$work/stale/flowmeterd-$name.so"
    expect_exit_78 "stale $name module" "$work/stale/flowmeterd" --check-config --config "$cfg" $files
    printf '%s\n' "$out" | grep -q "^  $work/stale/flowmeterd-$name.so: it was built for flowmeterd [^ ]* build 0000000000000000, this program is " ||
        fail "stale $name module: the message does not say why: $out"
    echo "ok: $name: loaded beside the program; missing or stale is exit 78 naming $key"
done

# ---- runs through the modules --------------------------------------------------------------------
case " $built " in
    *" metrics "*)
        if ! out=$("$fm" --config "$work/metrics.yaml" -f "$pcap" -o "$work/out/m.csv" 2>&1); then
            printf '%s\n' "$out" >&2
            fail "a run with metrics.listen failed"
        fi
        printf '%s\n' "$out" | grep -q "serving Prometheus metrics at http://127.0.0.1:[1-9][0-9]*/metrics" ||
            fail "a run with metrics.listen does not say where it serves: $out"
        [ "$(wc -l < "$work/out/m.csv")" -gt 1 ] || fail "a run with metrics.listen wrote no rows"
        echo "ok: metrics: a run serves through the module"
        ;;
esac
case " $built " in
    *" dpdk "*)
        # The EAL starts inside the module; its error (a CaptureError) crosses back as exit 78.
        expect_exit_78 "dpdk port 5" "$fm" --config "$work/dpdk.yaml" -o "$work/out/d.csv"
        printf '%s\n' "$out" | grep -q "capture.dpdk.ports: port 5 does not exist" ||
            fail "dpdk port 5: the module's error did not come through: $out"
        echo "ok: dpdk: the EAL starts in the module, its errors come through"
        ;;
esac
case " $built " in
    *" kafka "*)
        printf '    properties:\n      no.such.thing: "1"\n' >> "$work/kafka.yaml"
        expect_exit_78 "kafka property" "$fm" --check-config --config "$work/kafka.yaml" -f "$pcap"
        printf '%s\n' "$out" | grep -q "^$work/kafka.yaml:6: output.kafka.properties.no.such.thing: " ||
            fail "kafka property: librdkafka's verdict does not name the line: $out"
        echo "ok: kafka: librdkafka judges the properties through the module"
        ;;
esac
