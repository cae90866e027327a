// SPDX-License-Identifier: BSD-3-Clause
// daemon/progress: the contents of the progress line (single run and batch), the ETA, redraws
// about once a second in place, and nothing at all when disabled.
#include "daemon/progress.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace fm::daemon {
namespace {

using namespace std::chrono_literals;

StatsSnapshot sample() {
    StatsSnapshot s;
    s.packets = 1500000;
    s.bytes = 3 * 1024 * 1024;
    s.input_offset = 250;
    s.flows_active = 1000000;
    s.flows_done = 42;
    s.rows_written = 40;
    return s;
}

TEST(ProgressLine, SingleRun) {
    ProgressFigures f;
    f.stats = sample();
    f.input_total = 1000;
    f.packets_per_s = 250000;
    f.eta_s = 42;
    EXPECT_EQ(format_progress_line(f),
              "packets 1.50M  bytes 3.00 MiB  25.0% of input  active flows 1.00M  completed "
              "flows 42  rows 40  250k pkt/s  ETA 0:42");
    f.input_total = 0;
    f.eta_s = -1;
    f.packets_per_s = 0;
    EXPECT_EQ(format_progress_line(f),
              "packets 1.50M  bytes 3.00 MiB  active flows 1.00M  completed flows 42  rows 40  "
              "0 pkt/s");
}

TEST(ProgressLine, Batch) {
    ProgressFigures f;
    f.stats = sample();
    f.input_total = 1000;
    f.files_done = 12;
    f.files_total = 1000;
    f.packets_per_s = 10;
    EXPECT_EQ(format_progress_line(f),
              "files 12/1000  packets 1.50M  bytes 3.00 MiB  25.0% of bytes  active flows 1.00M  "
              "completed flows 42  rows 40  10 pkt/s");
}

TEST(ProgressLine, Durations) {
    EXPECT_EQ(format_duration(0), "0:00");
    EXPECT_EQ(format_duration(59.6), "1:00");
    EXPECT_EQ(format_duration(725), "12:05");
    EXPECT_EQ(format_duration(3 * 3600 + 2 * 60 + 10), "3:02:10");
    EXPECT_EQ(format_duration(-5), "0:00");
}

std::string contents(std::FILE* f) {
    std::rewind(f);
    char buf[2048] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    return std::string(buf, n);
}

TEST(ProgressMeter, DrawsAboutOnceASecondInPlace) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    const auto t0 = std::chrono::steady_clock::time_point{} + 50s;
    ProgressMeter p(1000, true, f, t0);
    StatsSnapshot s;
    s.packets = 100;
    s.input_offset = 250;
    EXPECT_FALSE(p.update(s, t0 + 500ms));
    EXPECT_TRUE(p.update(s, t0 + 1s));
    EXPECT_FALSE(p.update(s, t0 + 1500ms));
    s.packets = 300;
    s.input_offset = 500;
    EXPECT_TRUE(p.update(s, t0 + 2s));
    p.finish();
    const std::string text = contents(f);
    std::fclose(f);
    EXPECT_EQ(text.front(), '\r');
    EXPECT_EQ(text.back(), '\n');
    EXPECT_NE(text.find("100 pkt/s"), std::string::npos) << text;
    EXPECT_NE(text.find("200 pkt/s"), std::string::npos) << text;
    // A quarter read after 1 s: 3 s left; half after 2 s: 2 s left.
    EXPECT_NE(text.find("ETA 0:03"), std::string::npos) << text;
    EXPECT_NE(text.find("ETA 0:02"), std::string::npos) << text;
}

TEST(ProgressMeter, BatchLineCountsFiles) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    const auto t0 = std::chrono::steady_clock::time_point{};
    ProgressMeter p(1000, true, f, t0);
    p.set_files_total(7);
    EXPECT_TRUE(p.update(StatsSnapshot{}, t0 + 1s, 3));
    p.finish();
    const std::string text = contents(f);
    std::fclose(f);
    EXPECT_EQ(text.rfind("\rfiles 3/7  ", 0), 0U) << text;
    EXPECT_NE(text.find("0.0% of bytes"), std::string::npos) << text;
    EXPECT_EQ(text.find("ETA"), std::string::npos) << "no ETA before anything is read";
}

TEST(ProgressMeter, ShorterLinesAreBlankedOut) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    const auto t0 = std::chrono::steady_clock::time_point{};
    ProgressMeter p(0, true, f, t0);
    StatsSnapshot s;
    s.packets = 123456789;
    EXPECT_TRUE(p.update(s, t0 + 1s));
    s.packets = 1;
    EXPECT_TRUE(p.update(s, t0 + 2s));
    const std::string text = contents(f);
    std::fclose(f);
    const std::size_t second = text.find('\r', 1);
    ASSERT_NE(second, std::string::npos);
    EXPECT_EQ(text.size() - second, second) << "the second draw covers the first";
}

TEST(ProgressMeter, DisabledWritesNothing) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    const auto t0 = std::chrono::steady_clock::time_point{};
    ProgressMeter p(0, false, f, t0);
    EXPECT_FALSE(p.update(StatsSnapshot{}, t0 + 10s));
    p.finish();
    EXPECT_EQ(std::ftell(f), 0);
    std::fclose(f);
}

}  // namespace
}  // namespace fm::daemon
