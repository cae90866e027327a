// SPDX-License-Identifier: BSD-3-Clause
// Reading back what a capture test wrote (capture_writer.hpp): every packet of a
// CaptureFileReader with its time stamp, bytes, wire length and link type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture/raw_batch.hpp"
#include "common/time.hpp"

namespace fm::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return b;
}

struct Got {
    Micros ts = 0;
    Bytes data;
    std::uint32_t wire_len = 0;
    std::uint16_t link_type = 0;
};

inline std::vector<Got> read_all(capture::CaptureFileReader& r, std::size_t* batches = nullptr) {
    std::vector<Got> out;
    capture::RawBatch batch;
    std::size_t n_batches = 0;
    while (std::size_t n = r.next_batch(batch)) {
        ++n_batches;
        EXPECT_EQ(n, batch.size);
        for (std::size_t i = 0; i < n; ++i) {
            const capture::RawPacketView& v = batch.packets[i];
            out.push_back({v.ts_us, Bytes(v.data, v.data + v.cap_len), v.wire_len, v.link_type});
        }
    }
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(r.next_batch(batch), 0U) << "stays at end";
    if (batches != nullptr) {
        *batches = n_batches;
    }
    return out;
}

}  // namespace fm::test
