// SPDX-License-Identifier: BSD-3-Clause
// Determinism across worker counts: the same input gives the same multiset of rows with 1, 2,
// 4 and 8 workers, in every profile, and 1 worker gives exactly (row order included) what the
// single-threaded loop gives. This checks symmetric steering (every packet of a flow, either
// direction, reaches one worker) and the shared-nothing design end to end.
//
// Inputs: every capture under $FM_SHARED_DIR/pcaps, and a generated capture of >= 1M packets
// and >= 100K flows (flowgen). Under the sanitizers the suite is reduced to stay within a few
// minutes on a 2-core machine: captures of more than 20K packets (two reference captures and
// the generated one) run with 1 and 4 workers only (every other capture keeps 1, 2, 4 and 8),
// and under TSan the generated capture has 4K flows (about 55K packets) instead of its full
// size. The plain build runs everything at full size.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "common/profile.hpp"
#include "config/config.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"
#include "pipeline_test_support.hpp"

namespace fm::pipeline_test {
namespace {

/// Smallest flow table tried: enough for every small capture with 8 shards.
constexpr std::uint32_t kMinTable = 4096;

/// Runs the reference with a flow table big enough that no shard of 8 ever fills and small
/// enough that thousands of runs stay fast: sized from the flows a first run created (an
/// upper bound of the flows open at once).
Rows sized_reference(config::DaemonConfig& cfg, const auto& open_source) {
    cfg.flow.max_flows = kMinTable;
    auto first_source = open_source();
    Rows first = reference_run(cfg, *first_source);
    const std::uint64_t wanted = 2 * first.flow.flows_created + 1024;
    if (wanted <= kMinTable && first.flow.evicted_table_full == 0) {
        return first;
    }
    cfg.flow.max_flows = static_cast<std::uint32_t>(std::max<std::uint64_t>(wanted, kMinTable));
    auto source = open_source();
    return reference_run(cfg, *source);
}

/// Under ASan/TSan, captures larger than this run with 1 and 4 workers only (two of the
/// reference captures hold more than half of all reference packets).
constexpr std::uint64_t kSanitizedFullSweepFrames = 20'000;

/// Checks every profile and worker count; returns the reference rows summed over profiles.
std::uint64_t check_invariance(const std::string& what, const config::DaemonConfig& base,
                               const auto& open_source) {
    std::uint64_t rows = 0;
    for (const Profile profile : kAllProfiles) {
        SCOPED_TRACE(what + " profile " + std::string(to_string(profile)));
        config::DaemonConfig cfg = base;
        cfg.flow.profile = profile;
        const Rows reference = sized_reference(cfg, open_source);
        EXPECT_EQ(reference.flow.evicted_table_full, 0U);
        rows += reference.lines.size();

        for (const std::uint32_t workers : kWorkerCounts) {
            if (kSanitized && reference.frames > kSanitizedFullSweepFrames && workers != 1 &&
                workers != 4) {
                continue;
            }
            SCOPED_TRACE(fmt::format("{} workers", workers));
            auto source = open_source();
            const Rows got = pipeline_run(cfg, *source, workers);
            EXPECT_EQ(got.frames, reference.frames);
            EXPECT_EQ(got.decoded, reference.decoded);
            EXPECT_EQ(got.flow.evicted_table_full, 0U)
                << "a shard's table filled up: the comparison would not be meaningful";
            EXPECT_EQ(got.flow.flows_created, reference.flow.flows_created);
            EXPECT_EQ(got.flow.rows_emitted, reference.flow.rows_emitted);
            if (workers == 1) {
                // One worker is the single-threaded engine: same rows in the same order.
                EXPECT_EQ(got.lines, reference.lines);
            } else {
                EXPECT_TRUE(same_multiset(got.lines, reference.lines));
            }
        }
    }
    return rows;
}

TEST(ShardInvariance, EveryReferenceCaptureAnyWorkerCount) {
    const std::vector<std::filesystem::path> files = shared_capture_files();
    ASSERT_FALSE(files.empty()) << "no reference captures found";
    std::size_t captures = 0;
    std::uint64_t rows = 0;
    for (const std::filesystem::path& path : files) {
        {
            capture::CaptureFileReader probe(path.string());
            if (!probe.is_open()) {
                continue;  // SOURCES.md and other non-capture files
            }
        }
        ++captures;
        const config::DaemonConfig cfg;
        rows += check_invariance(path.string(), cfg, [&path] {
            return std::make_unique<capture::CaptureFileReader>(path.string());
        });
        if (HasFatalFailure()) {
            return;
        }
    }
    // The reference set holds well over a hundred captures; a handful would mean the walk or
    // the reader is broken, not that the pipeline is right.
    EXPECT_GE(captures, 100U);
    EXPECT_GT(rows, 1000U);
}

flowgen::TrafficConfig large_traffic() {
    flowgen::TrafficConfig t;
    t.size_mix = flowgen::SizeMix::Min64;
    t.seed = 20240601;
    if (kThreadSanitizer) {
        t.flows = 4'000;
        t.concurrency = 1'000;
        t.duration_s = 60;
    } else {
        t.flows = 100'000;
        t.concurrency = 20'000;
        t.duration_s = 300;
    }
    return t;
}

TEST(ShardInvariance, LargeGeneratedCapture) {
    const flowgen::TrafficConfig traffic = large_traffic();
    flowgen::TrafficStats stats;
    const std::vector<std::uint8_t> pcap =
        flowgen::generate_pcap(traffic, flowgen::TsPrecision::Micro, &stats);
    if (kThreadSanitizer) {
        EXPECT_GE(stats.packets, 40'000U);
    } else {
        EXPECT_GE(stats.packets, 1'000'000U);
        EXPECT_GE(stats.flows, 100'000U);
    }
    const config::DaemonConfig cfg;
    check_invariance("generated", cfg, [&pcap] {
        return std::make_unique<capture::CaptureFileReader>(
            std::span<const std::uint8_t>(pcap.data(), pcap.size()), "generated");
    });
}

TEST(ShardInvariance, IdleTimeoutAnyWorkerCount) {
    // flow.idle_timeout_s ends flows by the packet times of their own packets only: the rows
    // stay the same for any number of workers (generated traffic has gaps of seconds inside
    // its flows, so many flows split).
    flowgen::TrafficConfig traffic;
    traffic.seed = 20240607;
    traffic.flows = kThreadSanitizer ? 1'000 : 5'000;
    traffic.concurrency = 500;
    traffic.duration_s = 60;
    const std::vector<std::uint8_t> pcap =
        flowgen::generate_pcap(traffic, flowgen::TsPrecision::Micro, nullptr);
    config::DaemonConfig cfg;
    cfg.flow.idle_timeout_us = kMicrosPerSecond / 2;
    const auto open_source = [&pcap] {
        return std::make_unique<capture::CaptureFileReader>(
            std::span<const std::uint8_t>(pcap.data(), pcap.size()), "generated");
    };
    for (const Profile profile : kAllProfiles) {
        config::DaemonConfig probe = cfg;
        probe.flow.profile = profile;
        probe.flow.max_flows = 1u << 16;
        auto source = open_source();
        const Rows r = reference_run(probe, *source);
        EXPECT_GT(r.flow.expired_idle, 0U) << to_string(profile) << ": no flow went idle";
    }
    check_invariance("generated, idle timeout 0.5 s", cfg, open_source);
}

}  // namespace
}  // namespace fm::pipeline_test
