// SPDX-License-Identifier: BSD-3-Clause
// Streaming statistics with the exact arithmetic of Apache commons-math3 SummaryStatistics,
// which every CICFlowMeter build uses (spec §3.6): Welford first/second moments updated in the
// same order of operations, so mean, variance and standard deviation match the reference bit
// for bit (mean is m1, not sum/N). Values are integers (bytes, µs), so min, max and sum are
// kept as integers, which is exact and smaller; they convert to double only when printed.
//
// The sample count is not stored here: a flow already counts its packets, so callers pass the
// count after the value was added (N), which keeps every accumulator 32 or 40 bytes.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace fm::features {

/// Welford moments + min/max of integer samples, without a sum.
struct Moments {
    double m1 = 0.0;
    double m2 = 0.0;
    std::int64_t min = 0;
    std::int64_t max = 0;

    /// Adds x as sample number n (n >= 1 is the count including x).
    void add(std::int64_t x, std::uint64_t n) noexcept {
        const double v = static_cast<double>(x);
        if (n == 1) {
            m1 = 0.0;
            m2 = 0.0;
            min = x;
            max = x;
        } else {
            min = x < min ? x : min;
            max = x > max ? x : max;
        }
        // commons-math3 FirstMoment.increment / SecondMoment.increment, same operation order.
        const double n0 = static_cast<double>(n);
        const double dev = v - m1;
        const double n_dev = dev / n0;
        m1 += n_dev;
        m2 += ((n0 - 1.0) * dev) * n_dev;
    }

    /// SummaryStatistics.getMean(): NaN for no sample.
    double mean(std::uint64_t n) const noexcept {
        return n == 0 ? std::numeric_limits<double>::quiet_NaN() : m1;
    }
    /// SummaryStatistics.getVariance() (bias-corrected): NaN for 0 samples, 0.0 for one.
    double variance(std::uint64_t n) const noexcept {
        if (n == 0) {
            return std::numeric_limits<double>::quiet_NaN();
        }
        if (n == 1) {
            return 0.0;
        }
        return m2 / (static_cast<double>(n) - 1.0);
    }
    /// SummaryStatistics.getStandardDeviation(): NaN for 0 samples, 0.0 for one.
    double stddev(std::uint64_t n) const noexcept {
        if (n == 0) {
            return std::numeric_limits<double>::quiet_NaN();
        }
        if (n == 1) {
            return 0.0;
        }
        return std::sqrt(variance(n));
    }
    double min_value(std::uint64_t n) const noexcept {
        return n == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(min);
    }
    double max_value(std::uint64_t n) const noexcept {
        return n == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(max);
    }
};

/// Moments plus the running sum (SummaryStatistics.getSum(): 0.0 for no sample). Composition,
/// not inheritance, so that structs holding it stay standard-layout.
struct SummedMoments {
    Moments m;
    std::int64_t sum = 0;

    void add(std::int64_t x, std::uint64_t n) noexcept {
        m.add(x, n);
        sum = n == 1 ? x : sum + x;
    }
    double sum_value() const noexcept { return static_cast<double>(sum); }
    double mean(std::uint64_t n) const noexcept { return m.mean(n); }
    double variance(std::uint64_t n) const noexcept { return m.variance(n); }
    double stddev(std::uint64_t n) const noexcept { return m.stddev(n); }
    double min_value(std::uint64_t n) const noexcept { return m.min_value(n); }
    double max_value(std::uint64_t n) const noexcept { return m.max_value(n); }
};

}  // namespace fm::features
