// SPDX-License-Identifier: BSD-3-Clause
// The read ceiling: how fast libpcap alone reads the same frames from a file. The frames are
// written to a temporary classic pcap (at most 4 M of them), then read back with
// pcap_open_offline + pcap_next_ex, touching each header and nothing else; the best of three
// passes, the file in the page cache. No flow meter that reads capture files through libpcap
// can go faster on this machine.
#pragma once

#include "flowmeter_bench/frame_store.hpp"

namespace fm::bench {

struct ReadCeiling {
    double pps = 0;
    std::uint64_t frames = 0;  ///< frames in the file
};

/// Throws std::runtime_error when the temporary file cannot be written or read.
ReadCeiling measure_read_ceiling(const FrameStore& store);

}  // namespace fm::bench
