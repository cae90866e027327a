// SPDX-License-Identifier: BSD-3-Clause
// DPDK capture through the net_pcap virtual device (no hugepages, no NIC): each port replays one
// capture file, with the file's own time stamps in the rx time stamp field, so the rows must be
// exactly the offline rows of that file, every column, time included. Three ports in one EAL
// (the EAL starts once per process, so this scenario is a program of its own); one capture has
// 16 kB frames, which arrive as chained mbufs. net_pcap has no RSS: asking for two queues must
// fall back to one queue per port with software dispatch.
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "capture/capture_error.hpp"
#include "capture/dpdk_source.hpp"
#include "dpdk_test_eal.hpp"
#include "live_support.hpp"

namespace fm::live_test {
namespace {

using Clock = std::chrono::steady_clock;

/// Lines in one multiset but not the other, a few of each, for a readable failure.
std::string line_diff(const std::multiset<std::string>& expected,
                      const std::multiset<std::string>& actual) {
    std::string out;
    int shown = 0;
    for (const std::string& l : expected) {
        if (actual.count(l) < expected.count(l) && shown++ < 3) {
            out += "\n  only offline: " + l;
        }
    }
    shown = 0;
    for (const std::string& l : actual) {
        if (expected.count(l) < actual.count(l) && shown++ < 3) {
            out += "\n  only dpdk:    " + l;
        }
    }
    return out;
}

TEST(DpdkPcap, EachPortGivesExactlyTheOfflineRowsOfItsFile) {
    const std::vector<std::string> files = {
        capture_path("tcp/three_http_streams.pcap"),
        capture_path("tcp/tls.pcap"),  // 16 kB frames: chained mbufs
        capture_path("large/netflix.pcap"),
    };
    config::CaptureConfig cfg;
    cfg.source = config::CaptureSource::Dpdk;
    cfg.dpdk.eal_args = test_eal_args(256);
    for (std::size_t i = 0; i < files.size(); ++i) {
        cfg.dpdk.eal_args.push_back(fmt::format("--vdev=net_pcap{},rx_pcap={}", i, files[i]));
        cfg.dpdk.ports.resize(files.size());
        cfg.dpdk.ports[i] = static_cast<std::uint16_t>(i);
    }
    cfg.dpdk.rx_queues = 2;  // net_pcap has no RSS: must fall back to one queue
    capture::DpdkOptions options;
    options.poll_interval_ms = 50;

    capture::DpdkCapture dpdk(cfg, options);
    ASSERT_EQ(dpdk.queue_sources().size(), files.size());
    for (std::uint16_t p = 0; p < files.size(); ++p) {
        EXPECT_EQ(dpdk.queues_of(p), 1);
        EXPECT_FALSE(dpdk.hardware_rss(p));
    }
    ASSERT_EQ(dpdk.describe().size(), files.size());
    EXPECT_NE(dpdk.describe()[0].find("net_pcap"), std::string::npos) << dpdk.describe()[0];

    std::uint64_t total = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        capture::DpdkQueueSource& src = *dpdk.queue_sources()[i];
        EXPECT_EQ(src.port(), i);
        EXPECT_TRUE(src.live());
        EXPECT_TRUE(src.driver_timestamps()) << "net_pcap fills the rx time stamp field";
        const RunResult offline = offline_rows(files[i], config::FlowConfig{});
        const RunResult live = run_source(
            src, config::FlowConfig{}, [&](std::uint64_t n) { return n >= offline.frames; },
            Clock::now() + std::chrono::seconds(60));
        EXPECT_EQ(live.frames, offline.frames) << files[i];
        const auto want = csv_lines(offline.rows);
        const auto got = csv_lines(live.rows);
        EXPECT_EQ(got.size(), want.size()) << files[i];
        EXPECT_TRUE(got == want) << files[i] << line_diff(want, got);
        EXPECT_EQ(src.truncated_frames(), 0u);
        total += offline.frames;

        // The file is over but the port is live: 0 frames, not the end of input.
        capture::RawBatch batch;
        EXPECT_EQ(src.next_batch(batch), 0u);
        EXPECT_FALSE(src.at_end());
    }

    std::uint64_t received = 0;
    for (const capture::DpdkPortStats& s : dpdk.port_stats()) {
        received += s.ipackets;
        EXPECT_EQ(s.imissed, 0u);
        EXPECT_EQ(s.rx_nombuf, 0u);
    }
    EXPECT_EQ(received, total);
    EXPECT_EQ(dpdk.drops(), 0u);
    const auto named = dpdk.named_counters();
    EXPECT_EQ(named.size(), 4 * files.size());
    for (const auto& [name, value] : named) {
        EXPECT_EQ(value, 0u) << name;
    }
    EXPECT_EQ(named.front().first, "capture.port0.nic_missed");

    dpdk.request_stop();
    capture::RawBatch batch;
    for (const auto& src : dpdk.queue_sources()) {
        EXPECT_EQ(src->next_batch(batch), 0u);
        EXPECT_TRUE(src->at_end());
        EXPECT_FALSE(src->failed()) << src->error();
    }
}

TEST(DpdkPcap, SecondEalInitialisationIsRefused) {
    config::CaptureConfig cfg;
    cfg.source = config::CaptureSource::Dpdk;
    cfg.dpdk.eal_args = {"--no-huge", "--no-pci", "--no-shconf",       "--no-telemetry",
                         "-l",        "0",        "--log-level=notice"};
    cfg.dpdk.ports.clear();
    // When this test runs alone, this first attempt takes the EAL (and fails: no port).
    try {
        capture::DpdkCapture first(cfg);
    } catch (const capture::CaptureError&) {
    }
    try {
        capture::DpdkCapture again(cfg);
        FAIL() << "the EAL was initialised twice";
    } catch (const capture::CaptureError& e) {
        EXPECT_NE(std::string(e.what()).find("only once"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace fm::live_test
