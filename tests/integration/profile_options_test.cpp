// SPDX-License-Identifier: BSD-3-Clause
// Invariants the four CICFlowMeter profiles share on traffic with realistic TCP and IPv4 options
// (flowgen --option-mix realistic: Linux, SACK, MD5, Fast Open, MPTCP, user timeout and
// experimental 253/254 TCP stacks, router alert / record route / timestamp / experiment IPv4
// options). The realistic mix changes options only: the same seed gives the same flows, packets
// and times as the classic mix. So, per flow (client/server address pair):
//  * v4, cic2018 and fixed (jnetpcap 1.4.r1425 and r1500 do not lose segments over options)
//    count exactly the packets they count on the classic capture;
//  * cic2017 counts them minus the segments that jnetpcap 1.3.0's TCP option walk loses
//    (src/decode/jnetpcap13_tcp_options.hpp). In flowgen's stacks that is every segment that
//    carries an experimental kind (253/254): those kinds follow only well-formed MSS,
//    SACK-permitted, timestamps, NOP and window-scale options, so the walk reaches them, and
//    kinds >= 64 throw. MD5 (19), MPTCP (30), TFO (34) and user timeout (28) are below 64 and
//    stop the walk: no loss;
//  * every generated flow has a row in every profile, and no row names another address pair.
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/profile.hpp"
#include "config/config.hpp"
#include "flowgen/traffic_model.hpp"
#include "reference_run.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm {
namespace {

using Pair = std::pair<std::string, std::string>;  // (lower, higher) address as text

constexpr Profile kProfiles[] = {Profile::V4, Profile::Cic2018, Profile::Cic2017, Profile::Fixed};

std::string ipv4_text(const std::array<std::uint8_t, 16>& ip) {
    return std::to_string(ip[0]) + "." + std::to_string(ip[1]) + "." + std::to_string(ip[2]) + "." +
           std::to_string(ip[3]);
}

Pair pair_of(const std::string& a, const std::string& b) {
    return a < b ? Pair{a, b} : Pair{b, a};
}

flowgen::TrafficConfig traffic(flowgen::OptionMix mix) {
    flowgen::TrafficConfig c;
    c.flows = 400;
    c.concurrency = 40;
    c.duration_s = 30;  // every flow lasts well under the 120 s flow timeout
    c.seed = 2017;
    c.ipv6_share = 0;  // the references decode IPv4 only
    c.vlan_share = 0.1;
    c.ipv4_option_share = 0.3;
    c.option_mix = mix;
    return c;
}

struct Truth {
    std::uint32_t experimental_packets = 0;
    flowgen::TcpStack stack = flowgen::TcpStack::Windows;
    flowgen::Ipv4Option ipv4_option = flowgen::Ipv4Option::None;
    std::uint8_t protocol = 0;
};

std::map<Pair, Truth> ground_truth(const flowgen::TrafficConfig& cfg) {
    std::map<Pair, Truth> truth;
    flowgen::TrafficGenerator gen(cfg);
    flowgen::GeneratedPacket p;
    while (gen.next(p)) {
        if (p.finished != nullptr) {
            const flowgen::FlowRecord& r = *p.finished;
            truth[pair_of(ipv4_text(r.client_ip), ipv4_text(r.server_ip))] = {
                r.fwd_experimental_option_packets + r.bwd_experimental_option_packets, r.tcp_stack,
                r.ipv4_option, r.protocol};
        }
    }
    return truth;
}

/// Packets per address pair, summed over the pair's rows (a flow may be split into rows by the
/// profile's life cycle; the split is the same on both captures).
std::map<Pair, std::uint64_t> packets_per_pair(Profile profile, const std::string& capture) {
    config::DaemonConfig cfg;
    cfg.decode.ipv6 = false;
    cfg.decode.tunnels = false;
    cfg.flow.profile = profile;
    cfg.output.timezone = "UTC";
    const test_support::ReferenceRows rows = test_support::reference_run(cfg, capture);
    std::map<Pair, std::uint64_t> out;
    for (const std::string& line : rows.lines) {
        // Columns 2, 4, 9, 10 (1-based) are source, destination, forward and backward packet
        // counts in all four layouts.
        const std::vector<std::string> f = test_support::split_fields(line);
        EXPECT_GT(f.size(), 10U) << line;
        if (f.size() <= 10) {
            continue;
        }
        out[pair_of(f[1], f[3])] += std::stoull(f[8]) + std::stoull(f[9]);
    }
    return out;
}

std::string write_capture(const test_support::TempDir& dir, const std::string& name,
                          flowgen::OptionMix mix) {
    const std::vector<std::uint8_t> bytes =
        flowgen::generate_pcap(traffic(mix), flowgen::TsPrecision::Micro);
    const std::string path = dir.file(name);
    test_support::write_file(path, std::string(bytes.begin(), bytes.end()));
    return path;
}

TEST(ProfileOptionInvariants, OptionsChangeOnlyWhatJnetpcap130Loses) {
    const test_support::TempDir dir;
    const std::string classic = write_capture(dir, "classic.pcap", flowgen::OptionMix::Classic);
    const std::string realistic =
        write_capture(dir, "realistic.pcap", flowgen::OptionMix::Realistic);
    const std::map<Pair, Truth> truth = ground_truth(traffic(flowgen::OptionMix::Realistic));
    ASSERT_EQ(truth.size(), 400U) << "every flow has its own address pair";

    // The capture must exercise what the test is about: every stack, IPv4 options, losses.
    std::set<flowgen::TcpStack> stacks;
    std::set<flowgen::Ipv4Option> ip_options;
    std::uint64_t lost = 0;
    for (const auto& [pair, t] : truth) {
        if (t.protocol == flowgen::kProtoTcp) {
            stacks.insert(t.stack);
        }
        ip_options.insert(t.ipv4_option);
        lost += t.experimental_packets;
    }
    EXPECT_EQ(stacks.size(), flowgen::kTcpStackCount);
    EXPECT_EQ(ip_options.size(), 5U);
    EXPECT_GT(lost, 0U);

    for (const Profile profile : kProfiles) {
        SCOPED_TRACE(std::string(to_string(profile)));
        const auto before = packets_per_pair(profile, classic);
        const auto after = packets_per_pair(profile, realistic);
        EXPECT_EQ(before.size(), truth.size()) << "one or more rows for every flow, no other";
        EXPECT_EQ(after.size(), truth.size());
        std::uint64_t lost_here = 0;
        for (const auto& [pair, t] : truth) {
            SCOPED_TRACE(pair.first + " <-> " + pair.second + " stack " +
                         std::string(flowgen::to_string(t.stack)) + " ipv4 option " +
                         std::string(flowgen::to_string(t.ipv4_option)));
            const auto b = before.find(pair);
            const auto a = after.find(pair);
            ASSERT_NE(b, before.end());
            ASSERT_NE(a, after.end());
            const std::uint32_t expected_loss =
                profile == Profile::Cic2017 ? t.experimental_packets : 0;
            EXPECT_EQ(a->second + expected_loss, b->second);
            lost_here += b->second - a->second;
        }
        EXPECT_EQ(lost_here, profile == Profile::Cic2017 ? lost : 0U);
    }
}

}  // namespace
}  // namespace fm
