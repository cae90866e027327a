// SPDX-License-Identifier: BSD-3-Clause
// Bulk detection of one direction (spec §3.7; CIC: BasicFlow.updateForwardBulk /
// updateBackwardBulk): a bulk is a run of >= 4 payload packets of one direction, each <= 1 s
// after the previous one, not interrupted by payload of the other direction.
#pragma once

#include <cstdint>

#include "common/time.hpp"

namespace fm::features {

inline constexpr std::uint32_t kBulkMinPackets = 4;

/// One direction's bulk detector. The time of its run's last payload packet (`last`) is kept
/// by the caller next to the other direction's, because each direction's update reads both.
struct BulkState {
    Micros start = 0;  ///< start of the candidate run; 0 = none
    std::int64_t run_bytes = 0;
    std::int64_t total_bytes = 0;
    std::int64_t total_duration = 0;
    std::uint32_t run_packets = 0;
    std::uint32_t total_packets = 0;
    std::uint32_t bulks = 0;

    /// `last`: this direction's last bulk-packet time; `other_last`: the other direction's.
    void update(Micros t, std::int64_t size, Micros other_last, Micros& last) noexcept {
        if (other_last > start) {
            start = 0;
        }
        if (size <= 0) {
            return;
        }
        if (start == 0) {
            start = t;
            last = t;
            run_packets = 1;
            run_bytes = size;
            return;
        }
        // "Too much idle time?": the reference's (Δ / 1e6) > 1.0 in double, which for integer
        // Δ is exactly Δ > 10^6 (the quotient is correctly rounded, 1.000001 is not 1.0).
        if (t - last > 1'000'000) {
            start = t;
            last = t;
            run_packets = 1;
            run_bytes = size;
            return;
        }
        ++run_packets;
        run_bytes += size;
        if (run_packets == kBulkMinPackets) {
            ++bulks;
            total_packets += run_packets;
            total_bytes += run_bytes;
            total_duration += t - start;
        } else if (run_packets > kBulkMinPackets) {
            ++total_packets;
            total_bytes += size;
            total_duration += t - last;
        }
        last = t;
    }
};

}  // namespace fm::features
