// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/file_read_ceiling.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace fm::bench {
namespace {

/// One pass: frames read; `sum` keeps the loop from being optimised away.
std::uint64_t read_pass(const std::string& path, std::uint64_t& sum) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
        throw std::runtime_error(fmt::format("read ceiling: cannot read {}: {}", path, err));
    }
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    std::uint64_t n = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        sum += hdr->caplen;
        ++n;
    }
    pcap_close(p);
    return n;
}

}  // namespace

FileReadCeiling read_file_ceiling(const std::string& path, int passes) {
    FileReadCeiling r;
    std::uint64_t sum = 0;
    for (int pass = 0; pass < std::max(passes, 1); ++pass) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::uint64_t n = read_pass(path, sum);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.frames = n;
        if (pass == 0 || s < r.best_seconds) {
            r.best_seconds = s;
        }
    }
    if (sum == 0xFFFFFFFFFFFFFFFFULL) {
        r.frames = 0;  // never: only makes `sum` observable
    }
    return r;
}

}  // namespace fm::bench
