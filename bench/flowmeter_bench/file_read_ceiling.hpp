// SPDX-License-Identifier: BSD-3-Clause
// libpcap alone reading a capture file: pcap_open_offline + pcap_next_ex, touching each header
// and nothing else, the file in the page cache. No flow meter that reads capture files through
// libpcap can go faster on this machine; flowmeter-bench and scripts/bench-offline.sh report
// flowmeterd's rate as a fraction of it.
#pragma once

#include <cstdint>
#include <string>

namespace fm::bench {

struct FileReadCeiling {
    std::uint64_t frames = 0;  ///< frames in the file
    double best_seconds = 0;   ///< the fastest pass
    double pps() const noexcept { return best_seconds > 0 ? frames / best_seconds : 0; }
};

/// Reads `path` `passes` times (at least 1). Throws std::runtime_error when libpcap cannot
/// open it.
FileReadCeiling read_file_ceiling(const std::string& path, int passes);

}  // namespace fm::bench
