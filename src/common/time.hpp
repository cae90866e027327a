// SPDX-License-Identifier: BSD-3-Clause
// Packet time inside flowmeterd: signed 64-bit microseconds since the Unix epoch, the unit the
// reference CICFlowMeter computes every duration and inter-arrival time in. Capture keeps
// nanoseconds only until the decoder truncates them (never rounds), as libpcap does.
#pragma once

#include <cstdint>

namespace fm {

/// Microseconds since 1970-01-01 UTC (packet time) or a duration in microseconds.
using Micros = std::int64_t;

inline constexpr Micros kMicrosPerSecond = 1'000'000;

/// Truncates a (seconds, nanoseconds) time stamp to microseconds, as libpcap 1.10 does when a
/// nanosecond file is read at microsecond precision.
constexpr Micros micros_from_ns(std::int64_t sec, std::int64_t nsec) noexcept {
    return sec * kMicrosPerSecond + nsec / 1000;
}

}  // namespace fm
