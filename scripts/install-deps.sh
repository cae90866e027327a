#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian 12 packages flowmeterd needs to build, test, benchmark and demo.
# Idempotent: asks dpkg which packages are missing and installs only those (one `apt-get update`
# at most). Works as root or through sudo, never prompts. `--check` only reports what is missing
# (exit 1 if anything is).
set -euo pipefail

# The one list of packages, sorted. Why each is needed is in docs/building.md.
PACKAGES=(
    build-essential
    clang
    clang-format
    curl
    g++
    groff-base
    iproute2
    kcat
    libbenchmark-dev
    libclang-rt-14-dev
    libcli11-dev
    libconcurrentqueue-dev
    libdpdk-dev
    libfmt-dev
    libgmock-dev
    libgtest-dev
    libhowardhinnant-date-dev
    libmicrohttpd-dev
    libpcap-dev
    librdkafka-dev
    libspdlog-dev
    libsystemd-dev
    libyaml-cpp-dev
    man-db
    meson
    ninja-build
    pkg-config
    python3
    python3-confluent-kafka
    python3-jsonschema
    python3-matplotlib
    python3-prometheus-client
    scdoc
    strace
    systemd
    tcpreplay
    tshark
    tzdata
)

die() {
    echo "install-deps: $*" >&2
    exit 1
}

check_only=0
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    -h | --help)
        echo "usage: scripts/install-deps.sh [--check]"
        exit 0
        ;;
    *) die "unknown argument '$1' (usage: scripts/install-deps.sh [--check])" ;;
esac

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 (bookworm) and derivatives"

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != ii* ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#PACKAGES[@]} packages are installed"
    exit 0
fi
echo "install-deps: missing: ${missing[*]}"
if ((check_only)); then
    exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    die "installing needs root: run as root or install sudo"
fi
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [[ "${VERSION_CODENAME:-}" != bookworm ]]; then
        echo "install-deps: warning: written for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}" >&2
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" up front so nothing prompts.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive debconf-set-selections

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null ||
    die "apt-get install failed for: ${missing[*]}"

still_missing=()
for pkg in "${missing[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ "$status" == ii* ]] || still_missing+=("$pkg")
done
((${#still_missing[@]} == 0)) || die "still not installed: ${still_missing[*]}"
echo "install-deps: installed ${#missing[@]} package(s)"
