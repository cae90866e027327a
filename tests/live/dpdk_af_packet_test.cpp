// SPDX-License-Identifier: BSD-3-Clause
// DPDK capture through the net_af_packet virtual device bound to one end of a veth pair in a
// private network namespace, while tcpreplay sends captures into the other end: every flow of
// the offline run must come out with identical count-based columns (times are the TSC's). The
// EAL starts once per process, so this scenario is a program of its own. Needs root.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "capture/dpdk_source.hpp"
#include "dpdk_test_eal.hpp"
#include "live_support.hpp"

namespace fm::live_test {
namespace {

using Clock = std::chrono::steady_clock;

TEST(DpdkAfPacket, ReplayedCapturesGiveTheOfflineFlows) {
    const std::string reason = netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    VethNamespace ns;
    config::CaptureConfig cfg;
    cfg.source = config::CaptureSource::Dpdk;
    // 2 kB frames hold a full Ethernet frame; a deep ring absorbs a top-speed replay.
    cfg.dpdk.eal_args = test_eal_args(
        256, {fmt::format("--vdev=net_af_packet0,iface={},framesz=2048,blocksz=4096,framecnt=8192",
                          ns.capture_if())});
    cfg.dpdk.ports = {0};
    capture::DpdkOptions options;
    options.poll_interval_ms = 50;

    // The PMD opens its AF_PACKET socket while the EAL probes the device: do that inside the
    // namespace, where the interface is.
    std::unique_ptr<capture::DpdkCapture> dpdk;
    ns.inside([&] { dpdk = std::make_unique<capture::DpdkCapture>(cfg, options); });
    ASSERT_EQ(dpdk->queue_sources().size(), 1u);
    EXPECT_FALSE(dpdk->hardware_rss(0));
    capture::DpdkQueueSource& src = *dpdk->queue_sources()[0];
    EXPECT_FALSE(src.driver_timestamps()) << "net_af_packet: times come from the TSC";

    // Ethernet captures with frames up to 1514 bytes (the PMD drops what does not fit one
    // mbuf): IPv4 and IPv6, TCP and UDP (QUIC).
    for (const char* file :
         {"tcp/three_http_streams.pcap", "large/netflix.pcap", "ipv6/ipv6.pcap", "udp/quic.pcap"}) {
        const std::string pcap = capture_path(file);
        ASSERT_TRUE(is_ethernet(pcap)) << file << ": tcpreplay sends frames onto Ethernet";
        const RunResult offline = offline_rows(pcap, config::FlowConfig{});
        RunResult live;
        std::thread reader([&] {
            live = run_source(
                src, config::FlowConfig{}, [&](std::uint64_t n) { return n >= offline.frames; },
                Clock::now() + std::chrono::seconds(30));
        });
        const auto wall_before = std::chrono::system_clock::now();
        ns.replay(pcap);
        reader.join();
        EXPECT_EQ(live.frames, offline.frames) << file;
        const std::string missing = missing_rows(offline.rows, live.rows);
        EXPECT_TRUE(missing.empty()) << file << ": " << missing;
        EXPECT_EQ(live.rows.size(), offline.rows.size()) << file;
        // TSC time is wall-clock time: the flows started during this replay.
        const Micros before_us =
            std::chrono::duration_cast<std::chrono::microseconds>(wall_before.time_since_epoch())
                .count();
        for (const auto& r : live.rows) {
            EXPECT_GE(r.first_ts_us, before_us - 1'000'000) << flow_identity(r);
            EXPECT_LE(r.first_ts_us, before_us + 60'000'000) << flow_identity(r);
        }
    }
    EXPECT_EQ(dpdk->drops(), 0u);
    dpdk.reset();  // close the PMD's socket before the namespace goes away
}

}  // namespace
}  // namespace fm::live_test
