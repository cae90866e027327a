#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Quick start command 2 and the whole of CI: builds flowmeterd with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc, debug, warnings as errors) and runs every test suite, then the
# style checks, then a release build of the whole tree with warnings as errors (build only),
# then the 'pipeline' suite again in a separate ThreadSanitizer build (clang), then the libFuzzer
# binaries (clang, ASan+UBSan), each run for a short time from its committed corpus.
# Installs missing Debian packages first (scripts/install-deps.sh). A skipped test counts as a
# failure: nothing reports PASS for a test that did not run. Exit status 0 only when no stage
# failed; a stage with nothing to run is reported as NOT-RUN, never as PASS. Run it as root (or
# with sudo): the live-capture tests create network namespaces and are skipped otherwise.
#
# Usage: scripts/test.sh [--clean]
#   --clean   wipe the build directories first (default: reuse them, rebuild what changed)
# Environment:
#   FM_SHARED_DIR   reference data (default: ../shared beside the checkout)
#   FM_JOBS         parallel compile and test jobs (default: number of CPUs)
#   FM_FUZZ_SECONDS run time of each libFuzzer target (default: 20)
# Build directories: build-test (ASan+UBSan), build-release-ci (release), build-test-tsan (TSan),
# build-fuzz-ci (libFuzzer).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ASAN_DIR=build-test
RELEASE_DIR=build-release-ci
TSAN_DIR=build-test-tsan
JOBS=${FM_JOBS:-$(nproc)}
# Sanitized debug code runs several times slower than the timeouts in meson.build assume.
TIMEOUT_MULTIPLIER=4

clean=0
for arg in "$@"; do
    case "$arg" in
        --clean) clean=1 ;;
        -h | --help)
            sed -n '3,20p' "scripts/test.sh" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "test.sh: unknown argument '$arg' (usage: scripts/test.sh [--clean])" >&2
            exit 2
            ;;
    esac
done

start_all=$(date +%s)

# Without root the live-capture tests (tests/live, tests/daemon) cannot create their network
# namespaces: they exit 77, meson reports them as SKIP, and a skip fails the run. Say so now
# rather than after the whole run.
not_root_note=""
if [[ $(id -u) -ne 0 ]]; then
    not_root_note="not run as root: the live-capture tests were skipped (run sudo scripts/test.sh)"
    cat >&2 <<'EOF'
test.sh: WARNING: not running as root. The live-capture tests create network namespaces and
veth pairs, which needs root: without it they are reported as SKIPPED, and since a skipped
test is not a pass, the stage "tests (ASan+UBSan)" will FAIL. Run: sudo scripts/test.sh
EOF
fi
declare -a summary=()
status=0

stage() {
    echo
    echo "==> $*"
}

# record NAME RESULT [detail]: RESULT is PASS, FAIL or NOT-RUN. FAIL makes the exit status 1;
# NOT-RUN is listed as such in the summary and never counted as a pass.
not_run=0
record() {
    summary+=("$(printf '%-28s %-8s %s' "$1" "$2" "${3:-}")")
    case "$2" in
        FAIL) status=1 ;;
        NOT-RUN) not_run=$((not_run + 1)) ;;
    esac
}

elapsed() {
    local s=$(($(date +%s) - $1))
    printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# Runs a command with address-space randomisation off when the system allows it: sanitizer
# runtimes of GCC 12 / clang 14 can fail to map their shadow memory under the high mmap
# randomisation of recent kernels ("unexpected memory mapping").
no_aslr() {
    if setarch "$(uname -m)" -R true >/dev/null 2>&1; then
        setarch "$(uname -m)" -R "$@"
    else
        "$@"
    fi
}

# Fails when a meson or GoogleTest result says "skipped": a skip is not a pass.
check_no_skips() {
    local dir=$1
    python3 - "$dir" <<'PY'
import glob, json, os, re, sys
d = sys.argv[1]
skipped = []
log = os.path.join(d, "meson-logs", "testlog.json")
if os.path.exists(log):
    for line in open(log):
        line = line.strip()
        if line:
            r = json.loads(line)
            if r.get("result") in ("SKIP", "EXPECTEDFAIL"):
                skipped.append(f"{r['name']} ({r['result']})")
for xml in glob.glob(os.path.join(d, "gtest-results", "*.xml")):
    for tag in re.findall(r"<testcase\s[^>]*>", open(xml, encoding="utf-8", errors="replace").read()):
        if 'result="skipped"' in tag:
            attr = dict(re.findall(r'(\w+)="([^"]*)"', tag))
            name = f"{attr.get('classname', '?')}.{attr.get('name', '?')}"
            skipped.append(f"{os.path.basename(xml)[:-4]}: {name} (GTEST_SKIP)")
for s in skipped:
    print(f"  skipped: {s}")
sys.exit(1 if skipped else 0)
PY
}

# configure DIR COMPILER OPTION...: configures DIR for the C++ compiler COMPILER (g++ or
# clang++), from scratch when it is not a configured build yet or was made with another compiler
# (meson keeps the compiler of the first setup).
configure() {
    local dir=$1 compiler=$2 have=""
    shift 2
    local want=gcc
    [[ "$compiler" == clang++ ]] && want=clang
    if [[ -f "$dir/meson-info/intro-compilers.json" ]]; then
        have=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"]["cpp"]["id"])' \
            "$dir/meson-info/intro-compilers.json" 2>/dev/null || true)
    fi
    if ((clean)) || [[ ! -f "$dir/build.ninja" || "$have" != "$want" ]]; then
        rm -rf "$dir"
        CXX=$compiler meson setup "$dir" "$@"
    else
        meson setup --reconfigure "$dir" "$@"
    fi
}

shared_opt=()
if [[ -n "${FM_SHARED_DIR:-}" ]]; then
    shared_opt=(-Dshared_dir="$FM_SHARED_DIR")
fi
shared_dir=${FM_SHARED_DIR:-$(cd .. && pwd)/shared}
if [[ ! -d "$shared_dir" ]]; then
    echo "test.sh: warning: reference data not found at $shared_dir; the conformance tests will fail" >&2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# ---- dependencies ------------------------------------------------------------------------------
stage "dependencies"
scripts/install-deps.sh

# ---- ASan + UBSan build and all suites ---------------------------------------------------------
stage "configure $ASAN_DIR (debug, ASan+UBSan, werror)"
t=$(date +%s)
asan_ok=0
if configure "$ASAN_DIR" g++ --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=true -Dtests=enabled -Dbenchmarks=enabled -Dman=enabled \
    "${shared_opt[@]+"${shared_opt[@]}"}" &&
    stage "build $ASAN_DIR" && meson compile -C "$ASAN_DIR" -j "$JOBS"; then
    asan_ok=1
    record "build (ASan+UBSan)" PASS "$(elapsed "$t")"
else
    record "build (ASan+UBSan)" FAIL "$(elapsed "$t")"
fi

if ((asan_ok)); then
    stage "meson test (all suites, ASan+UBSan)"
    t=$(date +%s)
    rm -rf "$ASAN_DIR/gtest-results"
    n_tests=$(meson introspect --tests "$ASAN_DIR" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    if ((n_tests == 0)); then
        record "tests (ASan+UBSan)" FAIL "no tests are registered"
    elif GTEST_OUTPUT="xml:$PWD/$ASAN_DIR/gtest-results/" no_aslr meson test -C "$ASAN_DIR" \
        --no-rebuild --print-errorlogs --num-processes "$JOBS" \
        --timeout-multiplier "$TIMEOUT_MULTIPLIER"; then
        if check_no_skips "$ASAN_DIR"; then
            record "tests (ASan+UBSan)" PASS "$n_tests tests, $(elapsed "$t")"
        else
            record "tests (ASan+UBSan)" FAIL "tests were skipped, $(elapsed "$t")${not_root_note:+; $not_root_note}"
        fi
    else
        record "tests (ASan+UBSan)" FAIL "see the log above, $(elapsed "$t")"
    fi
else
    record "tests (ASan+UBSan)" NOT-RUN "the build failed"
fi

# ---- style -------------------------------------------------------------------------------------
stage "style (scripts/check-style.sh)"
if scripts/check-style.sh; then
    record "style" PASS
else
    record "style" FAIL "see the findings above"
fi

# ---- release build, warnings as errors ---------------------------------------------------------
# The optimiser finds warnings a debug build does not (GCC 12 -Wrestrict, -Wmaybe-uninitialized
# at -O3): the whole tree, tests and benchmarks included, as the README builds it, but with
# werror (off by default for users and distributions). Build only: the tests ran above.
stage "build $RELEASE_DIR (release, werror)"
t=$(date +%s)
if configure "$RELEASE_DIR" g++ --buildtype=release -Dwerror=true -Dtests=enabled \
    -Dbenchmarks=enabled -Dman=enabled "${shared_opt[@]+"${shared_opt[@]}"}" &&
    meson compile -C "$RELEASE_DIR" -j "$JOBS"; then
    record "build (release, werror)" PASS "$(elapsed "$t")"
else
    record "build (release, werror)" FAIL "see the log above, $(elapsed "$t")"
fi

# ---- ThreadSanitizer build, suite 'pipeline' ---------------------------------------------------
# clang, because moodycamel's queue marks its intentionally racy fast paths for TSan with
# no_sanitize("thread") only where __has_feature(thread_sanitizer) exists (clang; not GCC 12):
# under gcc every bulk enqueue/dequeue pair is reported as a race.
stage "ThreadSanitizer: suite 'pipeline'"
t=$(date +%s)
if ((!asan_ok)); then
    record "pipeline suite (TSan)" NOT-RUN "the ASan build failed, suite list unknown"
else
    n_pipeline=$(meson introspect --tests "$ASAN_DIR" | python3 -c '
import json, sys
print(sum(1 for t in json.load(sys.stdin)
          if any(s == "pipeline" or s.endswith(":pipeline") for s in t["suite"])))')
    if ((n_pipeline == 0)); then
        echo "No tests are registered in suite 'pipeline': nothing to run under ThreadSanitizer."
        record "pipeline suite (TSan)" NOT-RUN "no tests in suite 'pipeline' (not a pass)"
    elif ! configure "$TSAN_DIR" clang++ --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
        -Dwerror=true -Dtests=enabled -Dbenchmarks=disabled -Ddpdk=disabled \
        "${shared_opt[@]+"${shared_opt[@]}"}"; then
        record "pipeline suite (TSan)" FAIL "configure failed"
    else
        # Build only what the suite runs: the test programs and the programs they start.
        mapfile -t targets < <(python3 - "$TSAN_DIR" <<'PY'
import json, os, subprocess, sys
d = sys.argv[1]
tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", d]))
targets = json.loads(subprocess.check_output(["meson", "introspect", "--targets", d]))
ids = set()
for t in tests:
    if any(s == "pipeline" or s.endswith(":pipeline") for s in t["suite"]):
        ids.update(t.get("depends", []))
for t in targets:
    if t["id"] in ids:
        for f in t["filename"]:
            print(os.path.relpath(f, os.path.abspath(d)))
PY
        )
        if ninja -C "$TSAN_DIR" -j "$JOBS" "${targets[@]}"; then
            rm -rf "$TSAN_DIR/gtest-results"
            if GTEST_OUTPUT="xml:$PWD/$TSAN_DIR/gtest-results/" no_aslr meson test -C "$TSAN_DIR" \
                --no-rebuild --suite pipeline --print-errorlogs --num-processes "$JOBS" \
                --timeout-multiplier "$TIMEOUT_MULTIPLIER"; then
                if check_no_skips "$TSAN_DIR"; then
                    record "pipeline suite (TSan)" PASS "$n_pipeline tests, $(elapsed "$t")"
                else
                    record "pipeline suite (TSan)" FAIL "tests were skipped"
                fi
            else
                record "pipeline suite (TSan)" FAIL "see the log above, $(elapsed "$t")"
            fi
        else
            record "pipeline suite (TSan)" FAIL "build failed"
        fi
    fi
fi

# ---- libFuzzer binaries, a short run each -----------------------------------------------------
# The fuzzing build of docs/building.md (clang, -Dfuzz=enabled, ASan+UBSan), so that it cannot
# break unnoticed, and each target run for FM_FUZZ_SECONDS (default 20) from its committed
# corpus (scripts/fuzz.sh). Only the fuzz targets are built. The corpus replay runs above, in
# suite fuzz-replay.
FUZZ_DIR=build-fuzz-ci
stage "libFuzzer targets ($FUZZ_DIR: clang, ASan+UBSan), ${FM_FUZZ_SECONDS:-20} s each"
t=$(date +%s)
mapfile -t fuzz_targets < <(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
if ((${#fuzz_targets[@]} == 0)); then
    record "fuzzers (libFuzzer)" NOT-RUN "no fuzz targets in tests/fuzz"
elif ! configure "$FUZZ_DIR" clang++ --buildtype=debugoptimized -Dfuzz=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled -Dbenchmarks=disabled \
    -Ddpdk=disabled "${shared_opt[@]+"${shared_opt[@]}"}" ||
    ! ninja -C "$FUZZ_DIR" -j "$JOBS" "${fuzz_targets[@]/#/tests/fuzz/}"; then
    record "fuzzers (libFuzzer)" FAIL "build failed, $(elapsed "$t")"
else
    fuzz_failed=()
    for target in "${fuzz_targets[@]}"; do
        if ! FM_FUZZ_BUILD_DIR=$FUZZ_DIR scripts/fuzz.sh "$target" "${FM_FUZZ_SECONDS:-20}" \
            >"$FUZZ_DIR/$target.log" 2>&1; then
            fuzz_failed+=("$target")
            tail -n 60 "$FUZZ_DIR/$target.log"
        fi
        grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$FUZZ_DIR/$target.log" |
            sed "s/^/  $target: /" || true
    done
    if ((${#fuzz_failed[@]} == 0)); then
        record "fuzzers (libFuzzer)" PASS "${#fuzz_targets[@]} targets, $(elapsed "$t")"
    else
        record "fuzzers (libFuzzer)" FAIL "findings in ${fuzz_failed[*]} (inputs in $FUZZ_DIR/fuzz-artifacts)"
    fi
fi

# ---- summary -----------------------------------------------------------------------------------
echo
echo "==> summary ($(elapsed "$start_all") in all)"
printf '  %s\n' "${summary[@]}"
if ((status != 0)); then
    echo "test.sh: FAIL"
elif ((not_run != 0)); then
    echo "test.sh: OK, every stage that ran passed; $not_run stage(s) NOT RUN (see the summary)"
else
    echo "test.sh: PASS"
fi
exit "$status"
