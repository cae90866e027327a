// SPDX-License-Identifier: BSD-3-Clause
// Every counter that a counter table defines (the X-macro tables: flow/*.def, dispatch/*.def,
// output/*.def, and the decoder's statuses and events) reaches the final statistics of a run:
// the named list that Run::wait returns and the daemon logs. A counter added to a table is
// reported without anyone writing it out by hand; one that is summed or named elsewhere fails.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/stats_reporter.hpp"
#include "decode/decode_counters.hpp"
#include "dispatch/dispatcher.hpp"
#include "flow/capture_lane.hpp"
#include "flow/flow_counters.hpp"
#include "flow/flow_worker.hpp"
#include "output/csv_chunk_sink.hpp"
#include "output/writer_thread.hpp"
#include "pipeline_test_support.hpp"

namespace fm::pipeline_test {
namespace {

/// The names a counter block defines, read from the block itself.
template <typename Block>
void collect(std::vector<std::string>& out, const Block& block) {
    block.for_each([&out](std::string_view name, std::uint64_t) { out.emplace_back(name); });
}

std::vector<std::string> defined_counter_names() {
    std::vector<std::string> names;
    collect(names, decode::DecodeCounters{});
    collect(names, flow::CaptureCounters{});
    collect(names, dispatch::DispatchCounters{});
    collect(names, flow::WorkerCounters{});
    collect(names, output::HandoffCounters{});
    collect(names, flow::FlowCounters{});
    collect(names, output::WriterStats{});
    return names;
}

TEST(Counters, EveryDefinedCounterIsInTheFinalStatistics) {
    const std::vector<std::string> defined = defined_counter_names();
    // Names are unique across blocks: a duplicate would be summed into another counter.
    EXPECT_EQ(std::set<std::string>(defined.begin(), defined.end()).size(), defined.size());

    const std::filesystem::path shared = shared_dir();
    ASSERT_FALSE(shared.empty());
    capture::CaptureFileReader reader(
        (shared / "pcaps" / "large" / "many-protocols.pcap").string());
    ASSERT_TRUE(reader.is_open()) << reader.error();
    config::DaemonConfig cfg;
    cfg.pipeline.workers = 2;
    cfg.flow.max_flows = 1 << 16;
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&reader}, csv);

    std::set<std::string> reported;
    for (const auto& [name, value] : r.counters) {
        EXPECT_TRUE(reported.insert(name).second) << name << " is reported twice";
    }
    for (const std::string& name : defined) {
        EXPECT_TRUE(reported.contains(name)) << name << " is defined but not reported";
    }

    // The values are the stages' own: spot checks against the result's typed fields.
    auto value_of = [&r](std::string_view name) -> std::uint64_t {
        for (const auto& [n, v] : r.counters) {
            if (n == name) {
                return v;
            }
        }
        return ~std::uint64_t{0};
    };
    EXPECT_EQ(value_of("capture.packets"), r.stats.packets_read);
    EXPECT_EQ(value_of("flow.packets_in"), r.flow.packets_in);
    EXPECT_EQ(value_of("flow.packets_ignored"), r.flow.packets_ignored);
    EXPECT_EQ(value_of("flow.rows_emitted"), r.flow.rows_emitted);
    EXPECT_EQ(value_of("worker.packets"), r.stats.worker_packets);
    EXPECT_EQ(value_of("output.rows_queued"), r.stats.rows_queued);
    EXPECT_EQ(value_of("output.rows_written"), r.writer.rows_written);
    EXPECT_GT(r.writer.rows_written, 0U);

    // And the daemon's final statistics print every counter that is not zero.
    daemon::StatsSnapshot s;
    s.details = r.counters;
    const std::vector<std::string> lines = daemon::format_final_stats(s, 1.0);
    for (const auto& [name, value] : r.counters) {
        if (value == 0) {
            continue;
        }
        const std::string want = "final: " + name + " " + std::to_string(value);
        EXPECT_NE(std::find(lines.begin(), lines.end(), want), lines.end()) << want;
    }
}

}  // namespace
}  // namespace fm::pipeline_test
