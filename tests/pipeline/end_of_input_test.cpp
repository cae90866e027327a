// SPDX-License-Identifier: BSD-3-Clause
// The end of input is signalled between threads, never polled (docs/architecture.md, "Start and
// stop order"). The checks are structural, not timings:
//  * a run whose workers wait ten minutes before their idle path (PipelineOptions::worker,
//    with the clock-driven expiry of live input forced on, the one mode that waits with a
//    timeout) still ends: if a worker noticed the end at its next timeout, the run would take
//    ten minutes and the test would hit its timeout (60 s, tests/pipeline/meson.build);
//  * no worker ever wakes up empty (worker.idle_wakeups 0) in an offline run, also with more
//    workers than flows (idle workers wait from the start to the end) and on an empty capture;
//  * the rows are those of the single-threaded reference.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "common/time.hpp"
#include "daemon/run.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"
#include "pipeline_test_support.hpp"

namespace fm::pipeline_test {
namespace {

constexpr Micros kTenMinutes = 600 * kMicrosPerSecond;

/// A clock that never moves: with expiry forced on, it ends no flow early, so the rows stay
/// those of the capture alone.
Micros frozen_clock() noexcept {
    return 1'000'000;
}

std::vector<std::uint8_t> small_capture(std::uint64_t flows) {
    flowgen::TrafficConfig t;
    t.flows = flows;
    t.concurrency = 10;
    t.duration_s = 5;
    t.seed = 13;
    return flowgen::generate_pcap(t, flowgen::TsPrecision::Micro);
}

/// The pcap file header alone: a capture without packets.
std::vector<std::uint8_t> empty_capture() {
    std::vector<std::uint8_t> pcap = small_capture(1);
    pcap.resize(24);
    return pcap;
}

std::uint64_t idle_wakeups(const daemon::PipelineResult& r) {
    std::uint64_t sum = 0;
    for (const daemon::WorkerSnapshot& w : r.stats.workers) {
        sum += w.idle_wakeups;
    }
    return sum;
}

struct Outcome {
    daemon::PipelineResult result;
    std::vector<std::string> rows;
};

Outcome run(const std::vector<std::uint8_t>& pcap, std::uint32_t workers,
            const daemon::PipelineOptions& options) {
    config::DaemonConfig cfg;
    cfg.pipeline.workers = workers;
    capture::CaptureFileReader source(std::span<const std::uint8_t>(pcap.data(), pcap.size()),
                                      "generated");
    std::string csv;
    Outcome out;
    out.result = run_to_memory(cfg, {&source}, csv, options);
    out.rows = split_lines(csv);
    EXPECT_TRUE(out.result.capture_error.empty()) << out.result.capture_error;
    EXPECT_EQ(out.result.writer.rows_written, out.result.flow.rows_emitted);
    EXPECT_EQ(out.rows.size(), out.result.writer.rows_written);
    return out;
}

std::vector<std::string> reference_rows(const std::vector<std::uint8_t>& pcap) {
    const config::DaemonConfig cfg;
    capture::CaptureFileReader source(std::span<const std::uint8_t>(pcap.data(), pcap.size()),
                                      "generated");
    return reference_run(cfg, source).lines;
}

TEST(EndOfInput, WakesWorkersWhoseIdleWaitIsTenMinutes) {
    const auto pcap = small_capture(40);
    const std::vector<std::string> expected = reference_rows(pcap);
    ASSERT_FALSE(expected.empty());
    daemon::PipelineOptions options;
    options.expire_with_clock = true;  // the timed wait of live input
    options.worker.idle_wait_us = kTenMinutes;
    options.worker.clock = &frozen_clock;
    for (const std::uint32_t workers : {1U, 4U}) {
        SCOPED_TRACE(testing::Message() << workers << " worker(s)");
        const Outcome o = run(pcap, workers, options);
        EXPECT_EQ(idle_wakeups(o.result), 0U) << "a worker timed out instead of being woken";
        EXPECT_TRUE(same_multiset(o.rows, expected));
    }
}

TEST(EndOfInput, OfflineWorkersNeverWakeUpEmpty) {
    const auto pcap = small_capture(3);
    const std::vector<std::string> expected = reference_rows(pcap);
    // Eight workers for three flows: most get no packet at all and sleep from start to end.
    for (const std::uint32_t workers : {1U, 8U}) {
        SCOPED_TRACE(testing::Message() << workers << " worker(s)");
        const Outcome o = run(pcap, workers, {});
        EXPECT_EQ(idle_wakeups(o.result), 0U);
        EXPECT_TRUE(same_multiset(o.rows, expected));
    }
}

TEST(EndOfInput, EmptyCaptureEndsWithoutATimeout) {
    daemon::PipelineOptions options;
    options.expire_with_clock = true;
    options.worker.idle_wait_us = kTenMinutes;
    options.worker.clock = &frozen_clock;
    for (const bool timed : {false, true}) {
        SCOPED_TRACE(timed ? "timed idle wait of ten minutes" : "offline wait");
        const Outcome o = run(empty_capture(), 4, timed ? options : daemon::PipelineOptions{});
        EXPECT_EQ(o.result.stats.packets_read, 0U);
        EXPECT_TRUE(o.rows.empty());
        EXPECT_EQ(idle_wakeups(o.result), 0U);
    }
}

}  // namespace
}  // namespace fm::pipeline_test
