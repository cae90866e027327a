// SPDX-License-Identifier: BSD-3-Clause
// Welford accumulators against commons-math3 SummaryStatistics semantics (spec §3.6): the
// N = 0 / N = 1 branches, mean = m1 (not sum / N), bias-corrected variance, and the worked values
// the reference prints.
#include "features/running_stats.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "features/bulk.hpp"
#include "features/flow_features.hpp"
#include "features/tcp_retrans.hpp"

namespace fm::features {
namespace {

SummedMoments feed(const std::vector<std::int64_t>& xs) {
    SummedMoments s;
    std::uint64_t n = 0;
    for (const std::int64_t x : xs) {
        s.add(x, ++n);
    }
    return s;
}

TEST(RunningStats, EmptyIsNaNExceptSum) {
    const SummedMoments s;
    EXPECT_TRUE(std::isnan(s.mean(0)));
    EXPECT_TRUE(std::isnan(s.variance(0)));
    EXPECT_TRUE(std::isnan(s.stddev(0)));
    EXPECT_TRUE(std::isnan(s.min_value(0)));
    EXPECT_TRUE(std::isnan(s.max_value(0)));
    EXPECT_EQ(s.sum_value(), 0.0);
}

TEST(RunningStats, OneSampleHasZeroSpread) {
    const SummedMoments s = feed({42});
    EXPECT_EQ(s.mean(1), 42.0);
    EXPECT_EQ(s.variance(1), 0.0);
    EXPECT_EQ(s.stddev(1), 0.0);
    EXPECT_EQ(s.min_value(1), 42.0);
    EXPECT_EQ(s.max_value(1), 42.0);
}

TEST(RunningStats, SampleVarianceOfWorkedExamples) {
    // Spec §6 A: forward payloads 0,0,100,0,0 -> mean 20, std 44.721359549995796.
    const SummedMoments a = feed({0, 0, 100, 0, 0});
    EXPECT_EQ(a.mean(5), 20.0);
    EXPECT_EQ(a.stddev(5), 44.721359549995796);
    // Spec §6 C: L = 30, 30, 90 -> mean 50, std 34.64101615137755, variance 1200.
    const SummedMoments c = feed({30, 30, 90});
    EXPECT_EQ(c.mean(3), 50.0);
    EXPECT_EQ(c.variance(3), 1200.0);
    EXPECT_EQ(c.stddev(3), 34.64101615137755);
    EXPECT_EQ(c.sum_value(), 150.0);
}

TEST(RunningStats, MeanIsWelfordNotSumOverN) {
    // Sums whose sum/N rounds differently from the running mean (spec §3.6 mentions
    // 98.33333333333334 vs 98.33333333333333). Check the recurrence is the reference's.
    std::vector<std::int64_t> xs = {95, 100, 100, 98, 99, 98};
    SummedMoments s;
    double m1 = 0.0;
    double m2 = 0.0;
    std::uint64_t n = 0;
    for (const std::int64_t x : xs) {
        s.add(x, ++n);
        const double n0 = static_cast<double>(n);
        const double dev = static_cast<double>(x) - m1;
        const double n_dev = dev / n0;
        m1 += n_dev;
        m2 += ((n0 - 1.0) * dev) * n_dev;
    }
    EXPECT_EQ(s.mean(n), m1);
    EXPECT_EQ(s.variance(n), m2 / (static_cast<double>(n) - 1.0));
    bool differs_somewhere = false;
    SummedMoments t;
    std::uint64_t k = 0;
    for (std::int64_t x = 1; x < 400 && !differs_somewhere; x += 7) {
        t.add(x % 97, ++k);
        differs_somewhere = t.mean(k) != static_cast<double>(t.sum) / static_cast<double>(k);
    }
    EXPECT_TRUE(differs_somewhere) << "expected m1 and sum/N to differ for some series";
}

TEST(RunningStats, NegativeValuesFromOutOfOrderCaptures) {
    const SummedMoments s = feed({-5, 10, -20});
    EXPECT_EQ(s.min_value(3), -20.0);
    EXPECT_EQ(s.max_value(3), 10.0);
    EXPECT_EQ(s.sum_value(), -15.0);
}

TEST(ActiveIdle, WorkedExampleOfSection35) {
    // Packets at 0, 0.5, 1.0, 3.0, 3.5, 10.5, 11.0, 11.5, 71.5, 73.0 s with a 5 s threshold:
    // Active = {3.5 s, 1.0 s}, Idle = {7 s, 60 s}.
    FlowFeatures f;
    f.start_active = 0;
    f.end_active = 0;
    for (const double s : {0.5, 1.0, 3.0, 3.5, 10.5, 11.0, 11.5, 71.5, 73.0}) {
        f.update_active_idle(static_cast<Micros>(s * 1e6), 5'000'000);
    }
    ASSERT_EQ(f.active_n, 2u);
    ASSERT_EQ(f.idle_n, 2u);
    EXPECT_EQ(f.active.mean(2), 2250000.0);
    EXPECT_EQ(f.active.stddev(2), 1767766.9529663688);
    EXPECT_EQ(f.idle.mean(2), 3.35e7);
    EXPECT_EQ(f.idle.stddev(2), 3.747665940288702e7);
    EXPECT_EQ(f.idle.max_value(2), 6.0e7);
    EXPECT_EQ(f.idle.min_value(2), 7.0e6);
}

TEST(Bulk, FourPacketsMakeABulkAndOtherDirectionBreaksIt) {
    BulkState fwd;
    BulkState bwd;
    Micros fwd_last = 0;
    Micros bwd_last = 0;
    Micros t = 1'000'000;
    for (int i = 0; i < 4; ++i, t += 2000) {
        fwd.update(t, 200, bwd_last, fwd_last);
    }
    EXPECT_EQ(fwd.bulks, 1u);
    EXPECT_EQ(fwd.total_packets, 4u);
    EXPECT_EQ(fwd.total_bytes, 800);
    EXPECT_EQ(fwd.total_duration, 6000);
    bwd.update(t, 100, fwd_last, bwd_last);
    fwd.update(t + 1000, 200, bwd_last, fwd_last);  // the other side's payload restarted it
    EXPECT_EQ(fwd.run_packets, 1u);
    // Empty packets neither extend nor break a run.
    fwd.update(t + 2000, 0, bwd_last, fwd_last);
    EXPECT_EQ(fwd.run_packets, 1u);
    // A gap of exactly 1 s continues the run, a longer one starts a new run.
    fwd.update(t + 1000 + 1'000'000, 10, bwd_last, fwd_last);
    EXPECT_EQ(fwd.run_packets, 2u);
    fwd.update(t + 1000 + 2'000'001, 10, bwd_last, fwd_last);
    EXPECT_EQ(fwd.run_packets, 1u);
}

TEST(RetransMemory, RemembersRecentSignaturesPerBucket) {
    RetransMemory r;
    const auto h = [](std::uint32_t seq) {
        return RetransMemory::signature_hash(seq, 7, 100, 512);
    };
    EXPECT_FALSE(r.seen_before(h(1), true));
    EXPECT_TRUE(r.seen_before(h(1), true));
    // The direction is part of the signature.
    EXPECT_FALSE(r.seen_before(h(1), false));
    EXPECT_TRUE(r.seen_before(h(1), false));
    // Fill signature 1's bucket with kRetransPerBucket newer signatures: 1 is forgotten.
    const std::uint32_t bucket = RetransMemory::bucket_of(h(1));
    std::uint32_t added = 0;
    for (std::uint32_t seq = 2; added < kRetransPerBucket; ++seq) {
        if (RetransMemory::bucket_of(h(seq)) == bucket) {
            EXPECT_FALSE(r.seen_before(h(seq), true));
            ++added;
        }
    }
    EXPECT_FALSE(r.seen_before(h(1), true));
    r.clear();
    EXPECT_FALSE(r.seen_before(h(5), true));
}

}  // namespace
}  // namespace fm::features
