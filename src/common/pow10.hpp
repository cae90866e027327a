// SPDX-License-Identifier: BSD-3-Clause
// Powers of ten that fit in 64 bits: kPow10[i] == 10^i, for digit counts (output/java_format)
// and time-unit scaling (capture/pcapng_reader).
#pragma once

#include <array>
#include <cstdint>

namespace fm {

inline constexpr std::array<std::uint64_t, 20> kPow10 = [] {
    std::array<std::uint64_t, 20> p{};
    std::uint64_t v = 1;
    for (std::uint64_t& x : p) {
        x = v;
        v *= 10;  // wraps once, after the last entry, unused
    }
    return p;
}();

static_assert(kPow10[19] == 10000000000000000000ULL);

}  // namespace fm
