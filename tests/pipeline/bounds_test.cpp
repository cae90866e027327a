// SPDX-License-Identifier: BSD-3-Clause
// Resource bounds under overload (docs/robustness.md, "Bounds"): each bound holds while the
// input asks for more, and what does not fit is counted, never silently dropped.
//  * flow.max_flows: far more concurrent flows than the tables hold. The open flows, sampled
//    while the run goes on, never exceed the workers' shares of max_flows; the flows that
//    did not fit were ended early and written (flow.evicted_table_full), so rows written =
//    rows emitted = flows created - one-packet flows the profile does not write.
//  * pipeline.queue_capacity: the smallest packet queue behind one worker fed from a file as
//    fast as it can be read. The capture lane waits (dispatch.queue_full_waits counts it) and
//    every decoded packet still reaches the worker.
#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "daemon/run.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"
#include "pipeline_test_support.hpp"

namespace fm::pipeline_test {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> make_capture(std::uint64_t flows, std::uint32_t concurrency) {
    flowgen::TrafficConfig t;
    t.flows = flows;
    t.concurrency = concurrency;
    t.duration_s = 60;
    t.seed = 11;
    return flowgen::generate_pcap(t, flowgen::TsPrecision::Micro);
}

TEST(Bounds, MaxFlowsHoldsUnderOverloadAndEvictionsAreWrittenAndCounted) {
    const auto pcap = make_capture(kSanitized ? 4000 : 20000, kSanitized ? 2000 : 8000);
    for (const Profile profile : {Profile::Fixed, Profile::V4}) {
        SCOPED_TRACE(std::string(to_string(profile)));
        config::DaemonConfig cfg;
        cfg.flow.profile = profile;
        cfg.flow.max_flows = 512;  // far below the concurrent flows of the capture
        cfg.pipeline.workers = 2;
        const std::uint64_t per_worker = (cfg.flow.max_flows + 1) / 2;
        const test_support::TempDir dir("fm-bounds");
        cfg.output.file = (dir.path() / "flows.csv").string();
        cfg.output.fsync = false;

        capture::CaptureFileReader source(std::span<const std::uint8_t>(pcap.data(), pcap.size()),
                                          "generated");
        daemon::RunOptions options;
        options.sources = {&source};
        daemon::Run run(cfg, options);
        run.start();
        std::uint64_t most_open = 0;
        std::size_t samples = 0;
        while (!run.pipeline_finished()) {
            most_open = std::max<std::uint64_t>(most_open, run.snapshot().flows_active);
            ++samples;
            std::this_thread::sleep_for(200us);
        }
        const daemon::PipelineResult r = run.wait();
        EXPECT_LE(most_open, 2 * per_worker) << "over " << samples << " samples";
        EXPECT_GT(most_open, 0U) << "never sampled an open flow: the bound was not observed";
        EXPECT_GT(r.flow.evicted_table_full, 0U) << "the table never filled: no overload";
        EXPECT_EQ(r.flow.flows_created, r.flow.ended_timeout + r.flow.ended_fin_rst +
                                            r.flow.ended_new_connection + r.flow.ended_drain +
                                            r.flow.expired_idle + r.flow.evicted_table_full);
        EXPECT_EQ(r.flow.rows_emitted, r.flow.flows_created - r.flow.dropped_single_packet);
        EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
        EXPECT_EQ(r.writer.rows_lost, 0U);
        const auto lines = split_lines(test_support::read_file(cfg.output.file));
        EXPECT_EQ(lines.size(), r.writer.rows_written + 1);  // + header
        // The counter is visible where an operator looks: the named counters of the run.
        bool named = false;
        for (const auto& [name, v] : r.counters) {
            if (name == "flow.evicted_table_full") {
                named = true;
                EXPECT_EQ(v, r.flow.evicted_table_full);
            }
        }
        EXPECT_TRUE(named);
    }
}

/// A clock that never moves and is slow to read: with the live expiry forced on, the worker
/// reads it at start and every few batches, so it falls behind the capture thread in every
/// build (a worker that wakes at once for each batch may otherwise keep a 256-packet queue from
/// ever filling, above all under sanitizers, which slow the capture side most); being frozen,
/// it ends no flow early, so the rows stay the reference's.
Micros slow_frozen_clock() noexcept {
    std::this_thread::sleep_for(5ms);
    return 1'000'000;
}

TEST(Bounds, SmallestPacketQueueWaitsAndLosesNothing) {
    const auto pcap = make_capture(kSanitized ? 3000 : 20000, 1000);
    config::DaemonConfig cfg;
    cfg.flow.max_flows = 100000;
    cfg.pipeline.workers = 1;
    cfg.pipeline.queue_capacity = 256;  // the smallest accepted (config_loader.cpp)
    auto reference_source = std::make_unique<capture::CaptureFileReader>(
        std::span<const std::uint8_t>(pcap.data(), pcap.size()), "generated");
    const Rows reference = reference_run(cfg, *reference_source);
    capture::CaptureFileReader source(std::span<const std::uint8_t>(pcap.data(), pcap.size()),
                                      "generated");
    daemon::PipelineOptions options;
    options.expire_with_clock = true;
    options.worker.clock = &slow_frozen_clock;
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&source}, csv, options);
    EXPECT_GT(r.stats.queue_full_waits, 0U) << "the queue never filled: no overload";
    EXPECT_TRUE(r.capture_error.empty()) << r.capture_error;
    EXPECT_EQ(r.stats.packets_decoded, reference.decoded);
    EXPECT_EQ(r.stats.worker_packets, reference.decoded);
    EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
    EXPECT_TRUE(same_multiset(split_lines(csv), reference.lines));
}

}  // namespace
}  // namespace fm::pipeline_test
