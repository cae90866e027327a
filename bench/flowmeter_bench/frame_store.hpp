// SPDX-License-Identifier: BSD-3-Clause
// The frames a run replays, held in memory: read from a capture file or made by flowgen's
// traffic model. One contiguous byte buffer plus a small record per frame. Replaying loops over
// the frames; each loop is shifted in time by loop_span_us, which is longer than the flow
// timeout, so every loop's flows are new flows (the previous loop's have all timed out).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flowmeter_bench/options.hpp"

namespace fm::bench {

struct StoredFrame {
    std::uint64_t offset = 0;  ///< into FrameStore::bytes
    std::int64_t ts_us = 0;    ///< capture time of the first loop
    std::uint32_t cap_len = 0;
    std::uint32_t wire_len = 0;  ///< length on the wire without FCS (as captures record it)
};

class FrameStore {
public:
    std::vector<std::uint8_t> bytes;
    std::vector<StoredFrame> frames;
    std::uint16_t link_type = 1;  ///< LINKTYPE_ETHERNET
    std::int64_t loop_span_us = 0;
    std::uint32_t snaplen = 0;           ///< frames were cut to this many bytes; 0: whole
    std::uint64_t concurrent_flows = 0;  ///< flows open at once (model), 0 when unknown
    std::uint64_t flows_per_loop = 0;    ///< flows in one pass (model), 0 when unknown
    std::string description;             ///< "64 B, 1000 flows" or the file name

    std::size_t size() const noexcept { return frames.size(); }
    /// Mean wire length without FCS.
    double mean_wire_len() const noexcept { return mean_wire_len_; }
    /// Packets/s that fill a link of `link_bps` with this mix (FCS, preamble and gap counted:
    /// 64-byte frames at 10 G = 14.88 Mpps).
    double line_rate_pps(double link_bps) const noexcept {
        return link_bps / ((mean_wire_len_ + 24.0) * 8.0);
    }
    /// Sets mean_wire_len and loop_span_us; call once the frames are in.
    void finish(std::int64_t flow_timeout_us);

private:
    double mean_wire_len_ = 0;
};

/// Reads a capture file (pcap or pcapng, through libpcap). Throws std::runtime_error with one
/// line naming the file when it cannot be read or holds no frame.
FrameStore load_pcap(const std::string& path, std::uint64_t max_store_bytes);

/// Runs flowgen's model: `flows` open at once, `new_flows_per_s` (0: flows/60) over 60 s of
/// traffic time. Frames are cut to 128 bytes when whole frames would pass max_store_bytes.
FrameStore generate_frames(const Options& options);

/// Writes the frames as a classic pcap (µs time stamps), for the read-ceiling measurement.
/// At most `max_frames` frames. Throws std::runtime_error.
void write_pcap(const FrameStore& store, const std::string& path, std::size_t max_frames);

}  // namespace fm::bench
