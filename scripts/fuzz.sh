#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer target for a given time with its committed corpus and dictionary.
# Builds the fuzzing build first when needed (clang, -Dfuzz=enabled, ASan+UBSan, as
# docs/building.md shows). New inputs go to a scratch corpus in the build directory, never into
# the committed one; a crash leaves its input in BUILD/fuzz-artifacts/ (add it to
# tests/fuzz/corpus/TARGET/ as a regression case once fixed). Exit status: libFuzzer's (0: no
# finding).
#
# Usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#   TARGET    fuzz_decoder, fuzz_capture_file, fuzz_pcapng_reader, fuzz_config_loader,
#             fuzz_flow_engine, fuzz_java_format (the files tests/fuzz/TARGET.cpp)
#   SECONDS   run time (libFuzzer -max_total_time)
# Environment:
#   FM_FUZZ_BUILD_DIR   build directory (default: build-fuzz)
#   FM_JOBS             compile jobs (default: number of CPUs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
    sed -n '3,16p' scripts/fuzz.sh | sed 's/^# \{0,1\}//'
}
if [[ $# -lt 2 || "${1:-}" == -h || "${1:-}" == --help ]]; then
    usage >&2
    exit 2
fi
target=$1
seconds=$2
shift 2
if [[ ! -f "tests/fuzz/$target.cpp" ]]; then
    echo "fuzz.sh: no fuzz target '$target' (tests/fuzz/$target.cpp)" >&2
    exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
    echo "fuzz.sh: SECONDS must be a positive whole number, got '$seconds'" >&2
    exit 2
fi

dir=${FM_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FM_JOBS:-$(nproc)}
if [[ ! -f "$dir/build.ninja" ]]; then
    CXX=clang++ meson setup "$dir" --buildtype=debugoptimized -Dfuzz=enabled \
        -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$dir" -j "$jobs" "tests/fuzz/$target"

corpus=tests/fuzz/corpus/$target
scratch=$dir/fuzz-corpus/$target
artifacts=$dir/fuzz-artifacts
mkdir -p "$scratch" "$artifacts"
dict=()
if [[ -f "tests/fuzz/dict/$target.dict" ]]; then
    dict=(-dict="tests/fuzz/dict/$target.dict")
fi

# Sanitizer findings abort the run with a report; leaks are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TZ=UTC LC_ALL=C

run=("$dir/tests/fuzz/$target" "$scratch" "$corpus" "${dict[@]+"${dict[@]}"}"
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$target-"
    -timeout=20 -rss_limit_mb=2048 "$@")
# The sanitizer runtimes of clang 14 can fail to map their shadow memory under the high mmap
# randomisation of recent kernels: run without address-space randomisation where allowed.
if setarch "$(uname -m)" -R true >/dev/null 2>&1; then
    exec setarch "$(uname -m)" -R "${run[@]}"
fi
exec "${run[@]}"
