// SPDX-License-Identifier: BSD-3-Clause
// MemorySource: the "as fast as possible" source. Hands out the stored frames in batches, loop
// after loop, as fast as the capture stage asks, until the duration has passed (measured from
// the first next_batch() call). Nothing is copied: views point into the FrameStore.
#pragma once

#include <chrono>
#include <cstdint>

#include "capture/packet_source.hpp"
#include "flowmeter_bench/frame_store.hpp"

namespace fm::bench {

class MemorySource final : public capture::PacketSource {
public:
    MemorySource(const FrameStore& store, double duration_s);

    std::size_t next_batch(capture::RawBatch& batch) override;

    /// Wire bytes (without FCS) of the frames handed out.
    std::uint64_t wire_bytes() const noexcept { return wire_bytes_; }
    /// Time from the first batch to the end of input.
    double elapsed_s() const noexcept { return elapsed_s_; }

private:
    const FrameStore& store_;
    std::chrono::steady_clock::duration duration_;
    std::chrono::steady_clock::time_point start_{};
    bool started_ = false;
    std::uint64_t next_seq_ = 0;  ///< frame number over all loops
    std::uint64_t wire_bytes_ = 0;
    double elapsed_s_ = 0;
};

/// Fills a view of frame `seq` (over all loops): its bytes, and its time shifted by its loop.
inline void fill_view(const FrameStore& store, std::uint64_t seq, capture::RawPacketView& v) {
    const std::uint64_t n = store.size();
    const std::uint64_t loop = seq / n;
    const StoredFrame& f = store.frames[seq - loop * n];
    v.ts_us = f.ts_us + static_cast<std::int64_t>(loop) * store.loop_span_us;
    v.data = store.bytes.data() + f.offset;
    v.cap_len = f.cap_len;
    v.wire_len = f.wire_len;
    v.link_type = store.link_type;
}

}  // namespace fm::bench
