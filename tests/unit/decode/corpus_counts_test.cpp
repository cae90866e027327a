// SPDX-License-Identifier: BSD-3-Clause
// Decoder against an independent dissector: for captures covering every supported link type,
// the number of IPv4/IPv6 x TCP/UDP/ICMP/SCTP/other packets and of frames without an IP layer,
// as counted by tshark, must match what the decoder reports (IPv6 on, tunnels off).
//
// The expected numbers were obtained with tshark 4.0 (Debian 12) by
//
//   tshark -r <capture> -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields -e
//   frame.protocols
//
// and classifying each line by its first "ip" or "ipv6" token: the next token (skipping the
// "ipv6.*" extension-header pseudo-protocols) is tcp, udp, icmp/icmpv6, sctp, or anything else
// ("other": fragments shown as "data", GRE, OSPF, ESP, …); lines with neither token are "no_ip".
// The decoder side: status Ok -> family + (protocol with kL4Decoded set, else "other"); any
// other status -> "no_ip". Where the two legitimately disagree, the difference is written out
// below with its reason (the tshark numbers themselves are left as tshark printed them).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "decode/decoder.hpp"
#include "shared_dir.hpp"

namespace fm::decode {
namespace {

using Counts = std::map<std::string, int>;

struct Deviation {
    const char* from;  ///< tshark's class
    const char* to;    ///< the decoder's class
    int packets;
    const char* why;
};

struct Expectation {
    const char* capture;  ///< below $FM_SHARED_DIR/pcaps
    const char* link;     ///< what it covers
    Counts tshark;
    std::vector<Deviation> deviations;
};

const std::vector<Expectation>& expectations() {
    static const std::vector<Expectation> e = {
        {"tcp/http.pcap", "Ethernet", {{"v4_tcp", 46}}, {}},
        {"large/many-protocols.pcap",
         "Ethernet, 802.1Q/QinQ, ARP, LLC",
         {{"no_ip", 10}, {"v4_icmp", 109}, {"v4_tcp", 4321}, {"v4_udp", 253}, {"v6_udp", 16}},
         {}},
        {"linux-cooked/sll.pcap",
         "LINUX_SLL",
         {{"no_ip", 7}, {"v4_tcp", 483}, {"v4_udp", 27}, {"v6_udp", 1}},
         {}},
        {"linux-cooked/linux_dlt_sll2.pcap",
         "LINUX_SLL2",
         {{"no_ip", 2}, {"v4_icmp", 2}, {"v6_icmp", 2}},
         {}},
        {"loopback/null_loopback.pcap",
         "NULL",
         {{"v4_udp", 2}, {"v6_tcp", 1}},
         {{"v4_udp", "no_ip", 1,
           "the frame whose NULL header is 0f 00 08 00 (an EtherType, not an address family): "
           "Wireshark guesses IPv4, the reference normalisation does not"}}},
        {"rawip/raw_ip.pcap", "RAW (101)", {{"v4_tcp", 42}, {"v4_udp", 8}, {"v6_tcp", 50}}, {}},
        {"ipv6/four_ipv6_http_streams.pcap", "DLT_RAW (12)", {{"v6_tcp", 81}}, {}},
        {"rawip/timeout-with-pings.pcap", "IPV4 (228)", {{"v4_icmp", 12}, {"v4_tcp", 3}}, {}},
        {"rawip/linktype_ipv6.pcap", "IPV6 (229)", {{"v6_tcp", 1}}, {}},
        {"mpls/mpls-traceroute.pcap", "PPP, MPLS over PPP", {{"v4_icmp", 9}, {"v4_udp", 9}}, {}},
        {"other-linktypes/dns-inverse-query.pcap", "FDDI", {{"v4_tcp", 11}}, {}},
        {"other-linktypes/radiotap.pcap",
         "IEEE802_11_RADIOTAP",
         {{"v4_udp", 2}, {"v6_udp", 1}},
         {}},
        {"other-linktypes/ipoib.pcap", "IPOIB", {{"no_ip", 4}, {"v4_icmp", 6}, {"v4_tcp", 20}}, {}},
        {"other-linktypes/nflog-http.pcap", "NFLOG", {{"v4_tcp", 13}}, {}},
        {"other-linktypes/LINKTYPE_PKTAP.pcap", "PKTAP", {{"v4_udp", 1}}, {}},
        {"nanosecond/someip_sd_sample.pcap", "PPI, ns pcap", {{"v4_udp", 6}}, {}},
        {"pcapng/pcapng-example.pcapng",
         "pcapng, Ethernet + LINUX_SLL interfaces",
         {{"v4_tcp", 155}, {"v6_tcp", 4}},
         {}},
        {"pcapng/many_interfaces-1.pcapng",
         "pcapng, Ethernet + NULL interfaces",
         {{"v4_tcp", 32}, {"v4_udp", 32}},
         {}},
        {"fragments/test.pcap",
         "Ethernet, MPLS, fragments",
         {{"no_ip", 3},
          {"v4_icmp", 28},
          {"v4_other", 4},
          {"v4_tcp", 106},
          {"v4_udp", 28},
          {"v6_tcp", 10}},
         {{"v4_icmp", "no_ip", 10,
           "MPLS Ethernet pseudowires with a control word (first nibble 0 after the label "
           "stack): Wireshark's pwethheuristic finds the inner frame, the decoder does not "
           "guess pseudowire payloads"}}},
        {"vlan/one_http_stream_rst.pcap", "QinQ + PPPoE session", {{"v4_tcp", 10}}, {}},
        {"vlan/VlanPackets.pcap", "QinQ, CDP over LLC", {{"no_ip", 6}, {"v4_icmp", 20}}, {}},
        {"ipv6/ipv6-routing-header.pcap",
         "IPv6 routing header",
         {{"v6_icmp", 2}, {"v6_udp", 2}},
         {}},
        {"snaplen/truncated-header.pcap", "TCP options cut by snaplen", {{"v4_tcp", 24}}, {}},
        {"fragments/ip4_fragments.pcap", "IPv4 fragments", {{"v4_other", 41}, {"v4_udp", 12}}, {}},
        {"bigendian/sctp.cap", "SCTP, big-endian pcap", {{"v4_sctp", 4}}, {}},
        {"other-linktypes/quic-interop-retry.pcap", "PPP", {{"v4_udp", 22}, {"v6_icmp", 4}}, {}},
        {"tunnels/gre-sample.pcap", "GRE (not decapsulated)", {{"v4_other", 40}}, {}},
        {"malformed/tcp_header_heapoverflow.pcap",
         "TCP header cut by snaplen 46",
         {{"v4_tcp", 1}},
         {{"v4_tcp", "v4_other", 1,
           "only 12 bytes of TCP header were captured: tshark still calls it tcp (malformed), "
           "the decoder returns a port-less packet and counts decode.truncated_tcp"}}},
    };
    return e;
}

std::string classify(DecodeStatus st, const PacketMeta& m) {
    if (st != DecodeStatus::Ok) {
        return "no_ip";
    }
    const std::string fam = m.is_ipv6() ? "v6_" : "v4_";
    if (!m.has(kL4Decoded)) {
        return fam + "other";
    }
    switch (m.protocol) {
        case 6:
            return fam + "tcp";
        case 17:
            return fam + "udp";
        case 1:
        case 58:
            return fam + "icmp";
        case 132:
            return fam + "sctp";
        default:
            return fam + "other";
    }
}

std::string shared_pcaps() {
    const std::filesystem::path d = test_support::shared_dir();
    return d.empty() ? std::string() : (d / "pcaps").string();
}

TEST(CorpusCounts, MatchTshark) {
    const std::string root = shared_pcaps();
    ASSERT_FALSE(root.empty()) << "FM_SHARED_DIR is not set: the reference captures are needed";
    for (const Expectation& e : expectations()) {
        SCOPED_TRACE(std::string(e.capture) + " (" + e.link + ")");
        capture::CaptureFileReader reader(root + "/" + e.capture);
        ASSERT_TRUE(reader.is_open()) << reader.error();
        config::DecodeConfig cfg;
        cfg.ipv6 = true;
        cfg.tunnels = false;
        Decoder decoder(cfg);
        Counts ours;
        capture::RawBatch batch;
        PacketMeta meta;
        while (std::size_t n = reader.next_batch(batch)) {
            for (std::size_t i = 0; i < n; ++i) {
                ++ours[classify(decoder.decode(batch.packets[i], meta), meta)];
            }
        }
        EXPECT_FALSE(reader.failed()) << reader.error();

        Counts expected = e.tshark;
        for (const Deviation& d : e.deviations) {
            expected[d.from] -= d.packets;
            expected[d.to] += d.packets;
        }
        std::erase_if(expected, [](const auto& kv) { return kv.second == 0; });
        EXPECT_EQ(ours, expected);
    }
}

}  // namespace
}  // namespace fm::decode
