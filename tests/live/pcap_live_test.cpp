// SPDX-License-Identifier: BSD-3-Clause
// Live libpcap capture on real traffic: a capture from the shared corpus is replayed with
// tcpreplay into one end of a veth pair inside a private network namespace, PcapLiveSource
// captures on the other end, and the flows it yields must be the flows of the offline run of the
// same capture, with identical count-based columns (time-based columns differ by the replay
// timing). Also: AF_PACKET fanout keeps each flow on one socket, the idle/stop contract, BPF
// filters, and the errors (bad filter, unknown interface). Needs root for the namespace;
// without it every test is skipped and the program exits 77. (The missing-privilege error is
// tested by pcap_privilege_test.cpp, which runs as any user.)
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <pcap/pcap.h>
#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "capture/capture_error.hpp"
#include "capture/pcap_live_source.hpp"
#include "live_support.hpp"

namespace fm::live_test {
namespace {

using capture::CaptureError;
using capture::PcapLiveOptions;
using capture::PcapLiveSource;
using Clock = std::chrono::steady_clock;

config::CaptureConfig live_config(const std::string& iface) {
    config::CaptureConfig c;
    c.source = config::CaptureSource::PcapLive;
    c.interface = iface;
    c.buffer_mb = 32;
    return c;
}

PcapLiveOptions test_options() {
    PcapLiveOptions o;
    o.poll_interval_ms = 50;
    o.block_timeout_ms = 10;
    o.stats_interval_ms = 100;
    return o;
}

/// Frames of a capture file that a BPF filter accepts (libpcap's own offline filter).
std::uint64_t count_matching(const std::string& path, const std::string& filter) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
        throw std::runtime_error(err);
    }
    bpf_program prog{};
    if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        pcap_close(p);
        throw std::runtime_error(filter + ": does not compile");
    }
    std::uint64_t n = 0;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    while (pcap_next_ex(p, &h, &data) == 1) {
        n += pcap_offline_filter(&prog, h, data) != 0 ? 1 : 0;
    }
    pcap_freecode(&prog);
    pcap_close(p);
    return n;
}

class PcapLiveNetns : public testing::Test {
protected:
    void SetUp() override {
        const std::string reason = netns_skip_reason();
        if (!reason.empty()) {
            GTEST_SKIP() << reason;
        }
        ns_ = std::make_unique<VethNamespace>();
    }

    std::unique_ptr<PcapLiveSource> open(const config::CaptureConfig& cfg,
                                         const PcapLiveOptions& options = test_options()) {
        std::unique_ptr<PcapLiveSource> src;
        ns_->inside([&] { src = std::make_unique<PcapLiveSource>(cfg, options); });
        return src;
    }

    /// Captures with `src` on its own thread until `expected` frames came, while the capture
    /// is replayed into the send end.
    RunResult capture_replay(PcapLiveSource& src, const std::string& pcap, std::uint64_t expected) {
        RunResult live;
        std::thread reader([&] {
            live = run_source(
                src, config::FlowConfig{}, [&](std::uint64_t n) { return n >= expected; },
                Clock::now() + std::chrono::seconds(30));
        });
        try {
            ns_->replay(pcap);
        } catch (...) {
            src.request_stop();
            reader.join();
            throw;
        }
        reader.join();
        src.refresh_stats();
        return live;
    }

    std::unique_ptr<VethNamespace> ns_;
};

// --- replay == offline ------------------------------------------------------------------------

class PcapLiveReplay : public PcapLiveNetns, public testing::WithParamInterface<const char*> {};

TEST_P(PcapLiveReplay, EveryOfflineFlowIsCapturedWithItsCounts) {
    const std::string pcap = capture_path(GetParam());
    ASSERT_TRUE(is_ethernet(pcap)) << pcap << ": tcpreplay sends frames onto Ethernet";
    const RunResult offline = offline_rows(pcap, config::FlowConfig{});
    ASSERT_GT(offline.rows.size(), 0u) << pcap;

    auto src = open(live_config(ns_->capture_if()));
    EXPECT_TRUE(src->live());
    EXPECT_EQ(src->link_type(), 1u);  // DLT_EN10MB on a veth
    const RunResult live = capture_replay(*src, pcap, offline.frames);

    const capture::PcapLiveStats st = src->stats();
    EXPECT_EQ(st.kernel_drops, 0u) << "the kernel dropped frames: the comparison is not fair";
    EXPECT_EQ(live.frames, offline.frames) << src->describe();
    EXPECT_EQ(src->packets_read(), live.frames);
    EXPECT_GT(src->bytes_read(), 0u);
    EXPECT_FALSE(src->failed()) << src->error();
    const std::string missing = missing_rows(offline.rows, live.rows);
    EXPECT_TRUE(missing.empty()) << pcap << ": " << missing;
    // Nothing but the replay crosses the pair (IPv6 is off in the namespace).
    EXPECT_EQ(live.rows.size(), offline.rows.size());
}

// Ethernet captures shorter than the 120 s flow timeout (so no flow is split by time offline
// but not live), with full frames (tcpreplay sends what was captured), IPv4 and IPv6, TCP and
// UDP, a TSO-sized frame (tls.pcap, 16 kB) and many flag-terminated flows (tls_ciphers.pcap).
INSTANTIATE_TEST_SUITE_P(Corpus, PcapLiveReplay,
                         testing::Values("tcp/three_http_streams.pcap", "tcp/tls.pcap",
                                         "tcp/tls_ciphers.pcap", "udp/dns.pcap",
                                         "ipv6/http_ipv6.pcap", "large/netflix.pcap"),
                         [](const testing::TestParamInfo<const char*>& p) {
                             std::string n = p.param;
                             for (char& c : n) {
                                 c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                             }
                             return n;
                         });

// --- fanout ----------------------------------------------------------------------------------

TEST_F(PcapLiveNetns, FanoutKeepsEveryFlowOnOneSocket) {
    const std::string pcap = capture_path("tcp/tls_ciphers.pcap");
    const RunResult offline = offline_rows(pcap, config::FlowConfig{});

    config::CaptureConfig cfg = live_config(ns_->capture_if());
    cfg.threads = 2;
    std::vector<std::unique_ptr<PcapLiveSource>> sources;
    ns_->inside([&] { sources = capture::open_pcap_live(cfg, test_options()); });
    ASSERT_EQ(sources.size(), 2u);
    ASSERT_TRUE(sources[0]->fanout_group().has_value());
    EXPECT_EQ(sources[0]->fanout_group(), sources[1]->fanout_group());

    // One engine per socket, as with one capture thread per socket: if the kernel split a
    // flow between the sockets, its rows would come out in pieces.
    std::atomic<std::uint64_t> counts[2] = {0, 0};
    RunResult parts[2];
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i) {
        readers.emplace_back([&, i] {
            parts[i] = run_source(
                *sources[i], config::FlowConfig{},
                [&, i](std::uint64_t n) {
                    counts[i].store(n);
                    return counts[0].load() + counts[1].load() >= offline.frames;
                },
                Clock::now() + std::chrono::seconds(30));
        });
    }
    ns_->replay(pcap);
    for (std::thread& t : readers) {
        t.join();
    }
    EXPECT_EQ(parts[0].frames + parts[1].frames, offline.frames);
    // 73 connections over two sockets: both get some (all on one: probability 2^-72).
    EXPECT_GT(parts[0].frames, 0u);
    EXPECT_GT(parts[1].frames, 0u);

    std::set<std::string> flows0;
    for (const auto& r : parts[0].rows) {
        flows0.insert(flow_identity(r));
    }
    for (const auto& r : parts[1].rows) {
        EXPECT_EQ(flows0.count(flow_identity(r)), 0u)
            << "flow seen on both sockets: " << flow_identity(r);
    }
    std::vector<features::FeatureRow> all = parts[0].rows;
    all.insert(all.end(), parts[1].rows.begin(), parts[1].rows.end());
    const std::string missing = missing_rows(offline.rows, all);
    EXPECT_TRUE(missing.empty()) << missing;
}

// --- the live-source contract ------------------------------------------------------------------

TEST_F(PcapLiveNetns, QuietLinkReturnsWithoutEndingAndStopEndsPromptly) {
    PcapLiveOptions options = test_options();
    options.poll_interval_ms = 100;
    auto src = open(live_config(ns_->capture_if()), options);
    capture::RawBatch batch;
    for (int i = 0; i < 3; ++i) {
        const auto t0 = Clock::now();
        EXPECT_EQ(src->next_batch(batch), 0u);
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        EXPECT_FALSE(src->at_end()) << "a quiet link is not the end of input";
        EXPECT_GE(ms, 50) << "next_batch must wait for traffic, not spin";
        EXPECT_LT(ms, 2000) << "next_batch must come back within the poll interval";
    }

    // A stop request wakes a next_batch that is waiting, long before its poll interval ends.
    options.poll_interval_ms = 10'000;
    auto slow = open(live_config(ns_->capture_if()), options);
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        slow->request_stop();
    });
    const auto t0 = Clock::now();
    std::size_t n = 0;
    while (!slow->at_end() && Clock::now() - t0 < std::chrono::seconds(20)) {
        n += slow->next_batch(batch);
    }
    stopper.join();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    EXPECT_TRUE(slow->at_end());
    EXPECT_FALSE(slow->failed()) << slow->error();
    EXPECT_EQ(n, 0u);
    EXPECT_LT(ms, 3000);
    EXPECT_EQ(slow->next_batch(batch), 0u);
}

TEST_F(PcapLiveNetns, BpfFilterKeepsOnlyMatchingFrames) {
    const std::string pcap = capture_path("tcp/tls.pcap");  // TCP plus a little UDP and IPv6
    const std::uint64_t tcp_frames = count_matching(pcap, "tcp");
    const RunResult offline = offline_rows(pcap, config::FlowConfig{});
    ASSERT_LT(tcp_frames, offline.frames);

    config::CaptureConfig cfg = live_config(ns_->capture_if());
    cfg.bpf_filter = "tcp";
    auto src = open(cfg);
    EXPECT_NE(src->describe().find("filter \"tcp\""), std::string::npos) << src->describe();
    const RunResult live = capture_replay(*src, pcap, tcp_frames);
    // Give frames that should not come a chance to show up.
    capture::RawBatch batch;
    EXPECT_EQ(src->next_batch(batch), 0u);
    EXPECT_EQ(live.frames, tcp_frames);

    std::vector<features::FeatureRow> tcp_rows;
    for (const auto& r : offline.rows) {
        if (r.protocol == 6) {
            tcp_rows.push_back(r);
        }
    }
    for (const auto& r : live.rows) {
        EXPECT_EQ(r.protocol, 6) << flow_identity(r);
    }
    const std::string missing = missing_rows(tcp_rows, live.rows);
    EXPECT_TRUE(missing.empty()) << missing;
}

TEST_F(PcapLiveNetns, StopHandsOverWhatTheKernelQueuedBeforeIt) {
    // Frames wait in the ring while nobody reads; a stop must not discard them (they are the
    // last packets of the flows open at shutdown), and the source must still end promptly.
    const std::string pcap = capture_path("tcp/tls.pcap");
    const RunResult offline = offline_rows(pcap, config::FlowConfig{});
    auto src = open(live_config(ns_->capture_if()));
    ns_->replay(pcap);
    src->request_stop();
    capture::RawBatch batch;
    std::uint64_t delivered = 0;
    for (int calls = 0; !src->at_end() && calls < 10'000; ++calls) {
        delivered += src->next_batch(batch);
    }
    EXPECT_TRUE(src->at_end());
    EXPECT_FALSE(src->failed()) << src->error();
    EXPECT_EQ(delivered, offline.frames);
    EXPECT_EQ(src->stats().received, delivered) << "the kernel queued frames the stop discarded";
    EXPECT_EQ(src->next_batch(batch), 0u);
}

TEST_F(PcapLiveNetns, KernelDropsAreCountedWhenTheRingOverflows) {
    // A 1 MiB ring that nobody reads while 2.6 MB of frames arrive: the kernel must drop, and
    // what was delivered plus what was dropped must account for every frame sent.
    const std::string pcap = capture_path("large/netflix.pcap");
    const RunResult offline = offline_rows(pcap, config::FlowConfig{});
    PcapLiveOptions options = test_options();
    options.buffer_bytes = 1u << 20;
    auto src = open(live_config(ns_->capture_if()), options);
    EXPECT_EQ(src->buffer_bytes(), 1u << 20);
    ns_->replay(pcap);
    capture::RawBatch batch;
    std::uint64_t delivered = 0;
    int quiet = 0;
    while (quiet < 3) {
        const std::size_t n = src->next_batch(batch);
        delivered += n;
        quiet = n == 0 ? quiet + 1 : 0;
    }
    src->refresh_stats();
    const capture::PcapLiveStats st = src->stats();
    EXPECT_GT(st.kernel_drops, 0u) << "a full ring must show up as kernel drops";
    EXPECT_EQ(src->drops(), st.kernel_drops + st.interface_drops);
    bool named = false;
    for (const auto& [name, value] : src->named_counters()) {
        if (name == "capture.kernel_drops") {
            named = true;
            EXPECT_EQ(value, st.kernel_drops);
        }
    }
    EXPECT_TRUE(named) << "capture.kernel_drops is not among the named counters";
    EXPECT_LT(delivered, offline.frames);
    EXPECT_EQ(delivered + st.kernel_drops, offline.frames)
        << "delivered " << delivered << ", dropped " << st.kernel_drops << ", received "
        << st.received;
}

// --- errors -------------------------------------------------------------------------------------

TEST_F(PcapLiveNetns, BadFilterIsAConfigErrorNamingTheExpression) {
    config::CaptureConfig cfg = live_config(ns_->capture_if());
    cfg.bpf_filter = "tcp and and port";
    try {
        open(cfg);
        FAIL() << "a filter that does not compile was accepted";
    } catch (const CaptureError& e) {
        EXPECT_EQ(e.kind(), CaptureError::Kind::Config);
        EXPECT_EQ(e.exit_code(), 78);
        EXPECT_NE(std::string(e.what()).find("\"tcp and and port\""), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("capture.bpf_filter"), std::string::npos) << e.what();
    }
}

TEST_F(PcapLiveNetns, UnknownInterfaceSaysHowToListThem) {
    try {
        open(live_config("fmnosuch0"));
        FAIL() << "capture on a missing interface was accepted";
    } catch (const CaptureError& e) {
        EXPECT_EQ(e.kind(), CaptureError::Kind::NoSuchDevice) << e.what();
        EXPECT_NE(std::string(e.what()).find("fmnosuch0"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("-l"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace fm::live_test
