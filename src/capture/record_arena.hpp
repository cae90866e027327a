// SPDX-License-Identifier: BSD-3-Clause
// RecordArena: the bytes behind the views of one RawBatch when a source must copy them: records
// libpcap hands over in a buffer it reuses on every call (live capture, the classic pcap
// variants CaptureFileReader leaves to libpcap), linearised DPDK mbuf chains. The arena is reset
// at the start of the next batch, which is what bounds a view's life to one next_batch() call.
// Sized once at open; it grows only for a single record larger than its capacity, which needs
// an empty batch (no live views) and happens at most a few times per file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fm::capture {

class RecordArena {
public:
    /// The buffer is left uninitialised: every byte is written before a view points at it.
    explicit RecordArena(std::size_t capacity = 0)
        : buf_(capacity != 0 ? new std::uint8_t[capacity] : nullptr), capacity_(capacity) {}

    void reset() noexcept { used_ = 0; }
    std::size_t free_bytes() const noexcept { return capacity_ - used_; }
    std::size_t capacity() const noexcept { return capacity_; }

    /// Start of the free space; valid for free_bytes() bytes until commit()/reset().
    std::uint8_t* tail() noexcept { return buf_.get() + used_; }

    /// Keeps the first n bytes of the free space (n <= free_bytes()).
    void commit(std::size_t n) noexcept { used_ += n; }

    /// Enlarges the buffer; only when nothing is committed (no view points into it).
    void grow_empty(std::size_t capacity) {
        if (used_ == 0 && capacity > capacity_) {
            buf_.reset(new std::uint8_t[capacity]);
            capacity_ = capacity;
        }
    }

private:
    std::unique_ptr<std::uint8_t[]> buf_;
    std::size_t capacity_ = 0;
    std::size_t used_ = 0;
};

}  // namespace fm::capture
