#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Style checks of STYLE.md that a machine can do:
#   1. clang-format (14, the checked-in .clang-format) over every *.cpp/*.hpp in src/ tests/ bench/
#   2. every C++ file starts with the SPDX line; every header has #pragma once
#   3. includes point downstream only (STYLE 4.1): e.g. decode/ must not include flow/
#   4. meson lists of plain strings are sorted (STYLE 4.10)
#   5. shell scripts in scripts/, tests/ and .ci/run parse (bash -n)
# Usage: scripts/check-style.sh [--fix] [FILE...]
#   --fix   rewrite the files with clang-format -i (formatting only; other findings stay)
#   FILE    check only these files (default: the whole tree)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fix=0
files=()
for arg in "$@"; do
    case "$arg" in
        --fix) fix=1 ;;
        -h | --help)
            sed -n '3,11p' "scripts/check-style.sh" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "check-style: unknown option '$arg'" >&2
            exit 2
            ;;
        *) files+=("$arg") ;;
    esac
done

if ((${#files[@]} == 0)); then
    mapfile -t files < <(find src tests bench -type f \( -name '*.cpp' -o -name '*.hpp' \) | LC_ALL=C sort)
    mapfile -t meson_files < <(find . -path ./.git -prune -o -path './build*' -prune -o \
        \( -name meson.build -o -name meson_options.txt \) -type f -print | LC_ALL=C sort)
    mapfile -t shell_files < <(find scripts tests -name '*.sh' -type f | LC_ALL=C sort; [[ -f .ci/run ]] && echo .ci/run)
else
    cxx=()
    meson_files=()
    shell_files=()
    for f in "${files[@]}"; do
        [[ -f "$f" ]] || { echo "check-style: no such file: $f" >&2; exit 2; }
        case "$f" in
            *.cpp | *.hpp) cxx+=("$f") ;;
            *meson.build | *meson_options.txt) meson_files+=("$f") ;;
            *.sh | .ci/run | ./.ci/run) shell_files+=("$f") ;;
        esac
    done
    files=("${cxx[@]+"${cxx[@]}"}")
fi

failed=0
report() {
    echo "  $*"
    failed=1
}

# ---- 1. clang-format ---------------------------------------------------------------------------
command -v clang-format >/dev/null 2>&1 || { echo "check-style: clang-format not found (scripts/install-deps.sh)" >&2; exit 2; }
version=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [[ "$version" != 14 ]]; then
    echo "check-style: warning: clang-format $version; .clang-format is written for version 14" >&2
fi
echo "check-style: clang-format (${#files[@]} files)"
unformatted=()
if ((${#files[@]})); then
    if ((fix)); then
        printf '%s\0' "${files[@]}" | xargs -0 -n 16 -P "$(nproc)" clang-format -i
    else
        mapfile -t unformatted < <(printf '%s\0' "${files[@]}" | xargs -0 -n 16 -P "$(nproc)" \
            sh -c 'for f; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done' sh |
            LC_ALL=C sort)
    fi
fi
for f in "${unformatted[@]+"${unformatted[@]}"}"; do
    n=$(clang-format "$f" | diff "$f" - | grep -c '^<' || true)
    report "$f: not clang-format clean ($n lines differ; see: clang-format $f | diff $f -)"
done

# ---- 2. file header ----------------------------------------------------------------------------
echo "check-style: SPDX line and #pragma once"
for f in "${files[@]+"${files[@]}"}"; do
    if [[ "$(head -n 1 "$f")" != "// SPDX-License-Identifier: BSD-3-Clause" ]]; then
        report "$f: first line must be '// SPDX-License-Identifier: BSD-3-Clause'"
    fi
    if [[ "$f" == *.hpp ]] && ! grep -q '^#pragma once' "$f"; then
        report "$f: header without '#pragma once'"
    fi
done

# ---- 3. include direction (STYLE 4.1) ----------------------------------------------------------
echo "check-style: include direction in src/"
# flow/ may read capture sources: its capture lane (flow/capture_lane.hpp) reads and steers
# packets by the flow key, which only flow/ may compute.
# Two exceptions to the STYLE table, both single headers: the DPDK source programs the NIC with
# the symmetric RSS key that software steering uses (dispatch/rss.hpp, one definition for both),
# and the decoder takes its own part of the configuration (config/config.hpp, STYLE 4.8).
declare -A allowed=(
    [common]=""
    [config]="common"
    [capture]="common config dispatch/rss.hpp"
    [decode]="common capture/raw_batch.hpp config/config.hpp"
    [dispatch]="common decode"
    [features]="common decode"
    [flow]="common config capture decode dispatch features"
    [output]="common config features"
    # The Prometheus endpoint reads the counter tables of every stage (their .def files and
    # the decoder's names); the daemon hands it the figures.
    [metrics]="common config decode dispatch flow output"
    [daemon]="*"
)
for f in "${files[@]+"${files[@]}"}"; do
    [[ "$f" =~ ^(\./)?src/([a-z_]+)/ ]] || continue
    dir="${BASH_REMATCH[2]}"
    [[ -v "allowed[$dir]" ]] || { report "$f: src/$dir/ is not a directory of STYLE 4.1"; continue; }
    [[ "${allowed[$dir]}" == "*" ]] && continue
    while IFS= read -r line; do
        inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$line")
        [[ "$inc" == */* ]] || continue
        target="${inc%%/*}"
        [[ "$target" == "$dir" ]] && continue
        ok=0
        for a in ${allowed[$dir]}; do
            if [[ "$a" == "$target" || "$a" == "$inc" ]]; then
                ok=1
            fi
        done
        ((ok)) || report "$f: src/$dir/ must not include \"$inc\" (allowed: ${allowed[$dir]:-std only})"
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
done

# ---- 4. meson lists ----------------------------------------------------------------------------
echo "check-style: sorted meson lists (${#meson_files[@]} files)"
if ((${#meson_files[@]})); then
    while IFS= read -r problem; do
        report "$problem"
    done < <(python3 - "${meson_files[@]}" <<'PY'
import re, sys
# Inside [ ... ], a run of two or more lines that hold one quoted string each ("    'foo',") is
# a list of plain strings: it must be in ASCII order (STYLE 4.10; DPDK check-meson.py).
# Function arguments in ( ... ) keep their meaning-given order.
item = re.compile(r"^\s*'([^']*)',\s*(#.*)?$")
for path in sys.argv[1:]:
    run = []
    stack = []
    def flush():
        names = [n for _, n in run]
        if len(names) > 1 and names != sorted(names):
            first = next(i for i in range(len(names) - 1) if names[i] > names[i + 1])
            print(f"{path}:{run[first + 1][0]}: meson list not sorted: "
                  f"'{names[first + 1]}' after '{names[first]}'")
        run.clear()
    with open(path) as f:
        for no, line in enumerate(f, 1):
            m = item.match(line)
            if m and stack and stack[-1] == '[':
                run.append((no, m.group(1)))
                continue
            flush()
            quote = False
            for ch in line:
                if ch == "'":
                    quote = not quote
                elif quote:
                    continue
                elif ch == '#':
                    break
                elif ch in '([{':
                    stack.append(ch)
                elif ch in ')]}' and stack:
                    stack.pop()
    flush()
PY
    )
fi

# ---- 5. shell scripts --------------------------------------------------------------------------
echo "check-style: shell syntax (${#shell_files[@]} files)"
for f in "${shell_files[@]+"${shell_files[@]}"}"; do
    bash -n "$f" 2>/dev/null || report "$f: bash -n reports a syntax error"
done

if ((failed)); then
    echo "check-style: FAILED"
    exit 1
fi
echo "check-style: OK"
