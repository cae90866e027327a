// SPDX-License-Identifier: BSD-3-Clause
// Deterministic random numbers for flowgen. Everything the generator draws comes from these
// integer-only sequences, so the same arguments give the same capture bytes on every machine and
// compiler (no std::*_distribution, whose output the standard leaves to the library).
#pragma once

#include <cstdint>

namespace fm::flowgen {

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014):
/// 64-bit state, passes BigCrush, cheap enough to keep one per flow.
class SplitMix64 {
public:
    explicit constexpr SplitMix64(std::uint64_t seed = 0) noexcept : state_(seed) {}

    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform integer in [0, bound) by multiply-shift (Lemire); the bias is below 2^-32.
    constexpr std::uint32_t below(std::uint32_t bound) noexcept {
        return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
    }

    /// Uniform double in [0, 1) with 53 random bits.
    constexpr double uniform() noexcept {
        return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
    }

    /// Uniform double in [lo, hi).
    constexpr double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

private:
    std::uint64_t state_;
};

/// An independent seed for stream `stream` of run seed `seed` (one SplitMix64 step over both).
constexpr std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
    SplitMix64 r(seed ^ (stream * 0xD1B54A32D192ED03ULL));
    r.next();
    return r.next();
}

/// Fixed-point threshold for a share in [0, 1]: "x < threshold" (see in_share) holds for that
/// share of uniformly distributed 64-bit x. A share of 1 maps to the top value, which
/// in_share treats as "always".
constexpr std::uint64_t share_threshold(double share) noexcept {
    if (!(share > 0.0)) {
        return 0;
    }
    if (share >= 1.0) {
        return UINT64_MAX;
    }
    return static_cast<std::uint64_t>(share * 18446744073709551616.0);
}

constexpr bool in_share(std::uint64_t x, std::uint64_t threshold) noexcept {
    return threshold == UINT64_MAX || x < threshold;
}

/// Weyl sequence x_i = offset + i * step (mod 2^64). With an irrational step the points are
/// equidistributed, so "in_share(x_i, threshold)" picks a share of the flows that stays within
/// a few flows of the exact count at every prefix, unlike independent coin flips.
constexpr std::uint64_t weyl(std::uint64_t offset, std::uint64_t step, std::uint64_t i) noexcept {
    return offset + i * step;
}

/// Fractional parts of sqrt(2), sqrt(3), sqrt(5) in 64-bit fixed point (the SHA-512 initial
/// hash words): rationally independent steps, so the per-flow picks are mutually independent.
inline constexpr std::uint64_t kWeylSqrt2 = 0x6A09E667F3BCC908ULL;
inline constexpr std::uint64_t kWeylSqrt3 = 0xBB67AE8584CAA73BULL;
inline constexpr std::uint64_t kWeylSqrt5 = 0x3C6EF372FE94F82BULL;

}  // namespace fm::flowgen
