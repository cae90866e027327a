// SPDX-License-Identifier: BSD-3-Clause
// daemon/stats_reporter: number formatting, one stats line per interval (injected time) and the
// final statistics.
#include "daemon/stats_reporter.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

namespace fm::daemon {
namespace {

using namespace std::chrono_literals;

TEST(StatsFormat, Counts) {
    EXPECT_EQ(format_count(0), "0");
    EXPECT_EQ(format_count(999), "999");
    EXPECT_EQ(format_count(1000), "1.00k");
    EXPECT_EQ(format_count(12345), "12.3k");
    EXPECT_EQ(format_count(4567000), "4.57M");
    EXPECT_EQ(format_count(999999), "1.00M");
    EXPECT_EQ(format_count(2e9), "2.00G");
}

TEST(StatsFormat, Bytes) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(2048), "2.00 KiB");
    EXPECT_EQ(format_bytes(5.5 * 1024 * 1024), "5.50 MiB");
    EXPECT_EQ(format_bytes(300.0 * 1024 * 1024 * 1024), "300 GiB");
}

TEST(StatsFormat, LineHasTotalsAndRates) {
    StatsSnapshot before;
    StatsSnapshot now;
    now.packets = 20000;
    now.bytes = 2048000;
    now.flows_done = 100;
    now.flows_active = 7;
    now.rows_written = 100;
    now.capture_drops = 3;
    now.decode_errors = 4;
    now.rows_held = 5;
    const std::string line = format_stats_line(now, before, 10.0);
    EXPECT_EQ(line,
              "stats: packets 20000 (2.00k/s), bytes 2048000 (200 KiB/s), flows active 7 done 100 "
              "(10/s), rows 100, capture drops 3, not decoded 4, rows held 5");
}

TEST(StatsFormat, LineShowsTheKafkaSinkWhenTheRunHasOne) {
    StatsSnapshot s;
    s.details = {{"kafka.rows_in", 900},
                 {"kafka.rows_delivered", 500},
                 {"kafka.rows_spooled", 300},
                 {"kafka.rows_queued_now", 100},
                 {"kafka.spool_bytes_now", 2048}};
    const std::string line = format_stats_line(s, StatsSnapshot{}, 1.0);
    EXPECT_NE(line.find(", rows held 0, kafka delivered 500, waiting in memory 100, spooled 300 "
                        "(2.00 KiB)"),
              std::string::npos)
        << line;
    s.details = {{"decode.truncated_ipv4", 2}};
    EXPECT_EQ(format_stats_line(s, StatsSnapshot{}, 1.0).find("kafka"), std::string::npos);
}

TEST(StatsFormat, FinalListsNonZeroDetails) {
    StatsSnapshot s;
    s.packets = 10;
    s.details = {{"decode.truncated_ipv4", 2}, {"decode.unknown_ethertype", 0}};
    const std::vector<std::string> lines = format_final_stats(s, 2.0);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[0].find("10 packets (5/s)"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[2], "final: decode.truncated_ipv4 2");
}

TEST(StatsReporter, OneLinePerInterval) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    sink->set_pattern("%v");
    auto logger = std::make_shared<spdlog::logger>("stats-test", sink);
    StatsSnapshot current;
    int calls = 0;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    StatsReporter r(
        10s,
        [&] {
            ++calls;
            return current;
        },
        logger, t0);
    current.packets = 500;
    EXPECT_FALSE(r.tick(t0 + 5s));
    EXPECT_TRUE(r.tick(t0 + 10s));
    EXPECT_FALSE(r.tick(t0 + 15s));
    current.packets = 1500;
    EXPECT_TRUE(r.tick(t0 + 20s));
    EXPECT_EQ(r.last().packets, 1500u);
    const std::string text = out.str();
    EXPECT_NE(text.find("packets 500 (50/s)"), std::string::npos) << text;
    EXPECT_NE(text.find("packets 1500 (100/s)"), std::string::npos) << text;
    r.log_final(t0 + 30s);
    EXPECT_NE(out.str().find("final: 30.000 s, 1500 packets"), std::string::npos) << out.str();
}

TEST(StatsReporter, IntervalZeroIsOff) {
    StatsReporter r(
        0s, [] { return StatsSnapshot{}; }, nullptr, std::chrono::steady_clock::time_point{});
    EXPECT_FALSE(r.tick(std::chrono::steady_clock::time_point{} + 1000000s));
}

}  // namespace
}  // namespace fm::daemon
