// SPDX-License-Identifier: BSD-3-Clause
// A batch of raw frames as a capture source hands them to the decoder. Views borrow the
// source's buffers: they are valid only until the next PacketSource::next_batch() call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/time.hpp"

namespace fm::capture {

/// One captured frame. `data` holds `cap_len` bytes; `wire_len` is the length on the wire.
struct RawPacketView {
    Micros ts_us = 0;  ///< capture time, ns truncated to µs
    const std::uint8_t* data = nullptr;
    std::uint32_t cap_len = 0;    ///< bytes present in `data`
    std::uint32_t wire_len = 0;   ///< original length on the wire
    std::uint16_t link_type = 0;  ///< LINKTYPE_* value of the interface that captured it
};

/// Fixed-capacity batch filled by a source; reused across calls, never reallocated.
struct RawBatch {
    static constexpr std::size_t kCapacity = 256;
    std::array<RawPacketView, kCapacity> packets{};
    std::size_t size = 0;
};

}  // namespace fm::capture
