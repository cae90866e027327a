// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/memory_source.hpp"

namespace fm::bench {

MemorySource::MemorySource(const FrameStore& store, double duration_s)
    : capture::PacketSource("<memory>"),
      store_(store),
      duration_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(duration_s))) {}

std::size_t MemorySource::next_batch(capture::RawBatch& batch) {
    batch.size = 0;
    if (at_end()) {
        return 0;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
        started_ = true;
        start_ = now;
    } else if (now - start_ >= duration_) {
        elapsed_s_ = std::chrono::duration<double>(now - start_).count();
        finish();
        return 0;
    }
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < capture::RawBatch::kCapacity; ++i) {
        fill_view(store_, next_seq_ + i, batch.packets[i]);
        bytes += batch.packets[i].wire_len;
    }
    next_seq_ += capture::RawBatch::kCapacity;
    batch.size = capture::RawBatch::kCapacity;
    wire_bytes_ += bytes;
    add_packets(batch.size);
    return batch.size;
}

}  // namespace fm::bench
