// SPDX-License-Identifier: BSD-3-Clause
// pcap-read-ceiling FILE [PASSES]: prints "FRAMES BEST_SECONDS PPS" for libpcap alone reading
// FILE (file_read_ceiling.hpp). Used by scripts/bench-offline.sh.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "flowmeter_bench/file_read_ceiling.hpp"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: pcap-read-ceiling FILE [PASSES]\n");
        return 2;
    }
    const int passes = argc == 3 ? std::atoi(argv[2]) : 1;
    try {
        const fm::bench::FileReadCeiling r = fm::bench::read_file_ceiling(argv[1], passes);
        std::printf("%llu %.6f %.0f\n", static_cast<unsigned long long>(r.frames), r.best_seconds,
                    r.pps());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pcap-read-ceiling: %s\n", e.what());
        return 2;
    }
    return 0;
}
