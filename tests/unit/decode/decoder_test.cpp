// SPDX-License-Identifier: BSD-3-Clause
// Decoder unit tests on hand-made frames: every link type, every status and counter, VLAN
// stacks, fragments, ICMP quoting, the IPv6 extension chain, tunnels on/off, IPv4-only
// filtering, and the payload length rules (IP length vs captured bytes vs Ethernet padding).
#include "decode/decoder.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "decode/wire.hpp"
#include "frame_builder.hpp"

namespace fm::decode {
namespace {

using test::Frame;

config::DecodeConfig full_config(bool tunnels = false) {
    config::DecodeConfig c;
    c.ipv6 = true;
    c.tunnels = tunnels;
    return c;
}

config::DecodeConfig ipv4_only_config() {
    config::DecodeConfig c;
    c.ipv6 = false;
    c.tunnels = false;
    return c;
}

class DecoderTest : public ::testing::Test {
protected:
    DecodeStatus run(const Frame& f, std::uint16_t link = wire::kLinkEthernet) {
        return dec_.decode(f.view(link), meta_);
    }
    DecodeStatus run_v4only(const Frame& f, std::uint16_t link = wire::kLinkEthernet) {
        return dec4_.decode(f.view(link), meta_);
    }
    DecodeStatus run_tunnels(const Frame& f, std::uint16_t link = wire::kLinkEthernet) {
        return dect_.decode(f.view(link), meta_);
    }

    Decoder dec_{full_config()};
    Decoder dec4_{ipv4_only_config()};
    Decoder dect_{full_config(true)};
    PacketMeta meta_;
};

/// Ethernet + IPv4 + TCP with `payload` bytes of data.
Frame eth_tcp(std::size_t payload, std::uint8_t flags = kAck | kPsh) {
    Frame f;
    f.eth(0x0800).ipv4(6, static_cast<std::uint16_t>(20 + 20 + payload)).tcp(1234, 80, flags);
    f.fill(payload, 0xab);
    return f;
}

Frame eth_udp(std::size_t payload) {
    Frame f;
    const auto ul = static_cast<std::uint16_t>(8 + payload);
    f.eth(0x0800).ipv4(17, static_cast<std::uint16_t>(20 + ul)).udp(5353, 53, ul);
    f.fill(payload, 0xcd);
    return f;
}

std::array<std::uint8_t, 16> v4addr(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                    std::uint8_t d) {
    return {a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

// --- Ethernet / IPv4 / TCP basics ----------------------------------------------------------

TEST_F(DecoderTest, EthernetIpv4TcpFields) {
    const Frame f = eth_tcp(100, kSyn | kAck);
    auto v = f.view(wire::kLinkEthernet, 1'234'567);
    v.wire_len = 1500;
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_EQ(meta_.ts_us, 1'234'567);
    EXPECT_EQ(meta_.wire_len, 1500U);
    EXPECT_EQ(meta_.src_ip, v4addr(10, 0, 0, 1));
    EXPECT_EQ(meta_.dst_ip, v4addr(10, 0, 0, 2));
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_EQ(meta_.src_port, 1234);
    EXPECT_EQ(meta_.dst_port, 80);
    EXPECT_EQ(meta_.seq, 1000U);
    EXPECT_EQ(meta_.ack, 2000U);
    EXPECT_EQ(meta_.window, 8192);
    EXPECT_EQ(meta_.tcp_flags, kSyn | kAck);
    EXPECT_EQ(meta_.l4_header_len, 20);
    EXPECT_EQ(meta_.payload_len, 100U);
    EXPECT_EQ(meta_.frame_payload_len, 100U);
    EXPECT_EQ(meta_.flags, kL4Decoded) << "no kBehindVlan without tags";
    EXPECT_FALSE(meta_.is_ipv6());
    EXPECT_EQ(dec_.counters().value(DecodeStatus::Ok), 1U);
}

TEST_F(DecoderTest, TcpOptionsCountInHeaderLength) {
    Frame f;
    f.eth(0x0800).ipv4(6, 20 + 32 + 10).tcp(1, 2, kAck, 8).fill(10);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.l4_header_len, 32);
    EXPECT_EQ(meta_.payload_len, 10U);
    EXPECT_FALSE(meta_.has(kL4HeaderCut));

    Frame short_ip;  // IP total length ends inside the options: cut by the datagram, not snaplen
    short_ip.eth(0x0800).ipv4(6, 20 + 24).tcp(1, 2, kAck, 8).fill(10);
    ASSERT_EQ(run(short_ip), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kL4HeaderCut));
    EXPECT_EQ(meta_.l4_header_len, 24);
    EXPECT_EQ(meta_.payload_len, 0U);
    EXPECT_EQ(meta_.frame_payload_len, 10U);
}

TEST_F(DecoderTest, TcpOptionsCutBySnaplenStillDecoded) {
    // 40-byte TCP header (doff 10), capture ends 6 bytes into the options (snaplen 68).
    Frame f;
    f.eth(0x0800).ipv4(6, 60).tcp(60827, 25, kSyn, 10);
    auto v = f.view();
    v.cap_len = 68;
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_TRUE(meta_.has(kIpLengthBeyondCap));
    EXPECT_TRUE(meta_.has(kL4HeaderCut));
    EXPECT_EQ(meta_.l4_header_len, 34) << "header bytes present, not the data offset's 40";
    EXPECT_EQ(meta_.payload_len, 0U);
    EXPECT_EQ(meta_.frame_payload_len, 0U);
    EXPECT_EQ(meta_.src_port, 60827);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::IpLengthBeyondCap), 1U);
}

TEST_F(DecoderTest, TruncatedTcpHeaderIsPortlessPacket) {
    Frame f;
    f.eth(0x0800).ipv4(6, 40).tcp(1, 2, kAck);
    auto v = f.view();
    v.cap_len = 14 + 20 + 12;  // 12 bytes of TCP header only
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_EQ(meta_.dst_port, 0);
    EXPECT_EQ(meta_.l4_header_len, 0);
    EXPECT_EQ(meta_.tcp_flags, 0);
    EXPECT_EQ(meta_.payload_len, 12U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::TruncatedTcp), 1U);
}

TEST_F(DecoderTest, BadTcpDataOffsetIsPortlessPacket) {
    Frame f;
    f.eth(0x0800).ipv4(6, 40).tcp(1, 2, kAck, 3);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::BadTcpOffset), 1U);
}

TEST_F(DecoderTest, EthernetPaddingOnlyInFramePayload) {
    // A pure ACK in a 60-byte frame: 6 bytes of Ethernet padding after the IP packet.
    Frame f = eth_tcp(0, kAck);
    f.fill(6);
    ASSERT_EQ(f.size(), 60U);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.payload_len, 0U);
    EXPECT_EQ(meta_.frame_payload_len, 6U);
    EXPECT_FALSE(meta_.has(kIpLengthBeyondCap));
}

TEST_F(DecoderTest, UdpPayloadFromIpLengthNotUdpLength) {
    Frame f;
    f.eth(0x0800).ipv4(17, 20 + 8 + 30).udp(1000, 2000, 9999).fill(30);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.l4_header_len, 8);
    EXPECT_EQ(meta_.payload_len, 30U);
    EXPECT_EQ(meta_.src_port, 1000);
    EXPECT_EQ(meta_.dst_port, 2000);
}

TEST_F(DecoderTest, SnaplenTruncatedUdpPayloadIsWhatWasCaptured) {
    // 1000-byte UDP payload captured with a 96-byte snaplen: 96 - 14 - 20 - 8 = 54 bytes.
    Frame f = eth_udp(1000);
    auto v = f.view();
    v.cap_len = 96;
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_EQ(meta_.payload_len, 54U);
    EXPECT_EQ(meta_.frame_payload_len, 54U);
    EXPECT_TRUE(meta_.has(kIpLengthBeyondCap));
    EXPECT_EQ(meta_.wire_len, f.size());
}

TEST_F(DecoderTest, TruncatedUdpHeader) {
    Frame f = eth_udp(0);
    auto v = f.view();
    v.cap_len = 14 + 20 + 5;
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.protocol, 17);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::TruncatedUdp), 1U);
}

TEST_F(DecoderTest, TsoZeroTotalLengthUsesCapturedBytes) {
    Frame f;
    f.eth(0x0800).ipv4(6, 0).tcp(1, 2, kAck).fill(500);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kZeroIpLength));
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.payload_len, 500U);
    EXPECT_EQ(meta_.frame_payload_len, 500U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::ZeroIpLength), 1U);
}

TEST_F(DecoderTest, TotalLengthSmallerThanHeaderGivesNoPayload) {
    Frame f;
    f.eth(0x0800).ipv4(17, 10).udp(1, 2, 8).fill(20);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));  // the datagram holds no UDP header
    EXPECT_EQ(meta_.payload_len, 0U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::BadIpv4TotalLength), 1U);
}

TEST_F(DecoderTest, Ipv4OptionsShiftTransport) {
    Frame f;
    f.eth(0x0800).ipv4(17, 24 + 8 + 4, 0, 4).udp(7, 9, 12).fill(4);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 7);
    EXPECT_EQ(meta_.dst_port, 9);
    EXPECT_EQ(meta_.payload_len, 4U);
}

TEST_F(DecoderTest, Ipv4HeaderErrors) {
    Frame shorter;
    shorter.eth(0x0800).fill(19, 0x45);
    EXPECT_EQ(run(shorter), DecodeStatus::TruncatedIpv4);

    Frame options_cut;
    options_cut.eth(0x0800).ipv4(17, 60, 0, 20);
    auto v = options_cut.view();
    v.cap_len = 14 + 30;
    EXPECT_EQ(dec_.decode(v, meta_), DecodeStatus::TruncatedIpv4);

    Frame version;
    version.eth(0x0800).ipv4(17, 28, 0, 0, 5).udp(1, 2, 8);
    EXPECT_EQ(run(version), DecodeStatus::BadIpv4Header);

    Frame ihl;
    ihl.eth(0x0800).ipv4(17, 28).udp(1, 2, 8);
    Frame bad_ihl;
    test::Bytes b = ihl.bytes();
    b[14] = 0x44;  // IHL 4 words
    bad_ihl.add(b);
    EXPECT_EQ(run(bad_ihl), DecodeStatus::BadIpv4Header);

    EXPECT_EQ(dec_.counters().value(DecodeStatus::TruncatedIpv4), 2U);
    EXPECT_EQ(dec_.counters().value(DecodeStatus::BadIpv4Header), 2U);
}

TEST_F(DecoderTest, EmptyAndNullFrames) {
    capture::RawPacketView v;
    v.link_type = wire::kLinkEthernet;
    EXPECT_EQ(dec_.decode(v, meta_), DecodeStatus::TruncatedLink);
    v.cap_len = 100;  // a null data pointer never gets read, whatever cap_len says
    EXPECT_EQ(dec_.decode(v, meta_), DecodeStatus::TruncatedLink);
}

// --- VLAN and other Ethernet payloads ------------------------------------------------------

TEST_F(DecoderTest, VlanStacks) {
    for (std::uint16_t outer : {0x8100, 0x88a8, 0x9100}) {
        Frame f;
        f.eth(outer).vlan(100, 0x8100).vlan(200, 0x8100).vlan(300, 0x0800);
        f.ipv4(17, 28).udp(1, 2, 8);
        ASSERT_EQ(run(f), DecodeStatus::Ok) << outer;
        EXPECT_EQ(meta_.dst_port, 2);
        EXPECT_TRUE(meta_.has(kBehindVlan));
        ASSERT_EQ(run_v4only(f), DecodeStatus::Ok) << "VLAN-tagged IPv4 is IPv4";
    }
    Frame cut;
    cut.eth(0x8100).raw({0, 100});
    EXPECT_EQ(run(cut), DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, NonIpEthernetFrames) {
    Frame arp;
    arp.eth(0x0806).fill(28);
    EXPECT_EQ(run(arp), DecodeStatus::NotIp);

    Frame llc;  // 802.3 length field + LLC/SNAP carrying IPv4: not IPv4 for the reference
    llc.eth(46).raw({0xaa, 0xaa, 0x03, 0, 0, 0}).be16(0x0800).ipv4(17, 28).udp(1, 2, 8);
    EXPECT_EQ(run(llc), DecodeStatus::NotIp);

    Frame vlan_llc;
    vlan_llc.eth(0x8100).vlan(5, 40).fill(40);
    EXPECT_EQ(run(vlan_llc), DecodeStatus::NotIp);

    Frame vntag;
    vntag.eth(0x8926).fill(6).ipv4(17, 28).udp(1, 2, 8);
    EXPECT_EQ(run(vntag), DecodeStatus::NotIp);

    Frame short_eth;
    short_eth.raw({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8});
    EXPECT_EQ(run(short_eth), DecodeStatus::TruncatedLink);
    EXPECT_EQ(dec_.counters().value(DecodeStatus::NotIp), 4U);
}

TEST_F(DecoderTest, MplsLabelStacks) {
    Frame two;
    two.eth(0x8847).be32(0x00010000).be32(0x00020100).ipv4(6, 40).tcp(1, 2, kSyn);
    ASSERT_EQ(run(two), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kBehindMplsOrPppoe));
    EXPECT_EQ(meta_.src_port, 1);
    EXPECT_EQ(run_v4only(two), DecodeStatus::FilteredNotIpv4);

    Frame v6;
    v6.eth(0x8848).be32(0x00010100).ipv6(17, 8).udp(1, 2, 8);
    ASSERT_EQ(run(v6), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_TRUE(meta_.has(kBehindMplsOrPppoe));

    Frame pw;  // Ethernet pseudowire with a control word: first nibble 0, not IP
    pw.eth(0x8847).be32(0x00010100).be32(0).eth(0x0800).ipv4(17, 28).udp(1, 2, 8);
    EXPECT_EQ(run(pw), DecodeStatus::NotIp);

    Frame cut;
    cut.eth(0x8847).be32(0x00010000).be16(2);
    EXPECT_EQ(run(cut), DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, PppoeSession) {
    Frame f;
    f.eth(0x8864).raw({0x11, 0x00}).be16(1).be16(30).be16(0x0021).ipv4(6, 40).tcp(1, 2, kAck);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kBehindMplsOrPppoe));
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_EQ(run_v4only(f), DecodeStatus::FilteredNotIpv4);

    Frame lcp;
    lcp.eth(0x8864).raw({0x11, 0x00}).be16(1).be16(10).be16(0xc021).fill(8);
    EXPECT_EQ(run(lcp), DecodeStatus::NotIp);

    Frame cut;
    cut.eth(0x8864).raw({0x11, 0x00}).be16(1);
    EXPECT_EQ(run(cut), DecodeStatus::TruncatedLink);
}

// --- Fragments -----------------------------------------------------------------------------

TEST_F(DecoderTest, Ipv4FirstFragmentKeepsPorts) {
    Frame f;
    f.eth(0x0800).ipv4(17, 20 + 8 + 100, 0x2000).udp(4000, 53, 3000).fill(100);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kFragment));
    EXPECT_FALSE(meta_.has(kLaterFragment));
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.src_port, 4000);
    EXPECT_EQ(meta_.payload_len, 100U);  // bytes in this fragment, not the UDP length
}

TEST_F(DecoderTest, Ipv4LaterFragmentHasNoPorts) {
    Frame f;
    f.eth(0x0800).ipv4(17, 20 + 64, 0x0010).fill(64, 0x33);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kFragment));
    EXPECT_TRUE(meta_.has(kLaterFragment));
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.protocol, 17);
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_EQ(meta_.payload_len, 64U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::Ipv4Fragment), 1U);
}

// --- ICMP, SCTP, other protocols -----------------------------------------------------------

TEST_F(DecoderTest, IcmpEcho) {
    Frame f;
    f.eth(0x0800).ipv4(1, 20 + 8 + 56).icmp(8, 0).fill(56);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.icmp_type, 8);
    EXPECT_EQ(meta_.icmp_code, 0);
    EXPECT_EQ(meta_.l4_header_len, 8);
    EXPECT_EQ(meta_.payload_len, 56U);
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_FALSE(meta_.has(kIcmpQuotesUdp));
}

TEST_F(DecoderTest, IcmpErrorQuotingUdp) {
    Frame quoted;
    quoted.ipv4(17, 20 + 8 + 20).udp(5060, 53, 28).fill(20);
    Frame f;
    f.eth(0x0800).ipv4(1, static_cast<std::uint16_t>(20 + 8 + quoted.size())).icmp(3, 3);
    f.add(quoted);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 1);
    EXPECT_EQ(meta_.icmp_type, 3);
    EXPECT_EQ(meta_.icmp_code, 3);
    EXPECT_TRUE(meta_.has(kIcmpQuotesUdp));
    EXPECT_FALSE(meta_.has(kIcmpQuotesTcp));
    EXPECT_EQ(meta_.quoted_src_port, 5060);
    EXPECT_EQ(meta_.quoted_dst_port, 53);
    EXPECT_EQ(meta_.quoted_payload_len, 20U) << "bytes after the quoted UDP header";
    EXPECT_EQ(meta_.quoted_frame_payload_len, 20U);
    EXPECT_EQ(meta_.src_port, 0);  // the packet's own ports stay 0
    EXPECT_EQ(dec_.counters().value(DecodeEvent::IcmpQuotedTransport), 1U);
}

TEST_F(DecoderTest, IcmpErrorQuotingTcpAndOtherTypes) {
    for (std::uint8_t type : {3, 4, 5, 11, 12}) {
        Frame f;
        f.eth(0x0800).ipv4(1, 20 + 8 + 28).icmp(type, 0).ipv4(6, 40).be16(443).be16(5555).fill(4);
        ASSERT_EQ(run(f), DecodeStatus::Ok);
        EXPECT_TRUE(meta_.has(kIcmpQuotesTcp)) << int{type};
        EXPECT_EQ(meta_.quoted_src_port, 443);
        EXPECT_EQ(meta_.quoted_dst_port, 5555);
        EXPECT_EQ(meta_.quoted_payload_len, 0U) << "only 8 bytes of TCP quoted";
    }
    Frame opts;  // quoted IPv4 header with options, then UDP and 12 data bytes, then padding
    opts.eth(0x0800).ipv4(1, 20 + 8 + 24 + 8 + 12).icmp(3, 3).ipv4(17, 44, 0, 4).udp(9, 10, 20);
    opts.fill(12).fill(6);
    ASSERT_EQ(run(opts), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kIcmpQuotesUdp));
    EXPECT_EQ(meta_.quoted_dst_port, 10);
    EXPECT_EQ(meta_.quoted_payload_len, 12U);
    EXPECT_EQ(meta_.quoted_frame_payload_len, 18U);
    Frame echo_reply;  // type 0 carries data, not a quote
    echo_reply.eth(0x0800).ipv4(1, 20 + 8 + 28).icmp(0, 0).ipv4(17, 28).udp(1, 2, 8);
    ASSERT_EQ(run(echo_reply), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kIcmpQuotesUdp));

    Frame short_quote;  // quoted header present, but the port bytes are not
    short_quote.eth(0x0800).ipv4(1, 20 + 8 + 22).icmp(11, 0).ipv4(17, 28).be16(1);
    ASSERT_EQ(run(short_quote), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kIcmpQuotesUdp));

    Frame quoted_fragment;
    quoted_fragment.eth(0x0800).ipv4(1, 20 + 8 + 28).icmp(3, 1).ipv4(17, 28, 0x0020);
    quoted_fragment.udp(1, 2, 8);
    ASSERT_EQ(run(quoted_fragment), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kIcmpQuotesUdp));
}

TEST_F(DecoderTest, TruncatedIcmp) {
    Frame f;
    f.eth(0x0800).ipv4(1, 24).raw({3, 1, 0, 0});
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.icmp_type, 0);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::TruncatedIcmp), 1U);
}

TEST_F(DecoderTest, SctpPorts) {
    Frame f;
    f.eth(0x0800).ipv4(132, 20 + 12 + 16).be16(2905).be16(2944).be32(7).be32(0).fill(16);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.src_port, 2905);
    EXPECT_EQ(meta_.dst_port, 2944);
    EXPECT_EQ(meta_.l4_header_len, 12);
    EXPECT_EQ(meta_.payload_len, 16U);

    Frame cut;
    cut.eth(0x0800).ipv4(132, 30).fill(10);
    ASSERT_EQ(run(cut), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(dec_.counters().value(DecodeEvent::TruncatedSctp), 1U);
}

TEST_F(DecoderTest, OtherProtocolIsPortlessWithIpPayload) {
    Frame f;
    f.eth(0x0800).ipv4(89, 20 + 44).fill(44);  // OSPF
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 89);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.l4_header_len, 0);
    EXPECT_EQ(meta_.payload_len, 44U);
}

// --- IPv6 ----------------------------------------------------------------------------------

TEST_F(DecoderTest, Ipv6Udp) {
    Frame f;
    f.eth(0x86dd).ipv6(17, 8 + 12).udp(546, 547, 20).fill(12);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_EQ(meta_.protocol, 17);
    EXPECT_EQ(meta_.src_ip[0], 0x20);
    EXPECT_EQ(meta_.src_ip[15], 1);
    EXPECT_EQ(meta_.dst_ip[15], 2);
    EXPECT_EQ(meta_.src_port, 546);
    EXPECT_EQ(meta_.payload_len, 12U);
    EXPECT_EQ(run_v4only(f), DecodeStatus::FilteredNotIpv4);
    EXPECT_EQ(dec4_.counters().value(DecodeStatus::FilteredNotIpv4), 1U);
}

TEST_F(DecoderTest, Ipv6ExtensionChain) {
    Frame f;
    f.eth(0x86dd).ipv6(0, 8 + 24 + 16 + 8 + 20 + 5);
    f.u8(43).u8(0).fill(6);               // hop-by-hop, 8 bytes
    f.u8(60).u8(2).u8(0).u8(0).fill(20);  // routing, 24 bytes
    f.u8(51).u8(1).fill(14);              // destination options, 16 bytes
    f.u8(6).u8(0).fill(6);                // AH: (0 + 2) * 4 = 8 bytes
    f.tcp(22, 50000, kAck).fill(5);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_TRUE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.src_port, 22);
    EXPECT_EQ(meta_.payload_len, 5U);
}

TEST_F(DecoderTest, Ipv6Fragments) {
    Frame first;
    first.eth(0x86dd).ipv6(44, 8 + 8 + 16).raw({17, 0}).be16(0x0001).be32(99);
    first.udp(1, 2, 500).fill(16);
    ASSERT_EQ(run(first), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kFragment));
    EXPECT_FALSE(meta_.has(kLaterFragment));
    EXPECT_EQ(meta_.src_port, 1);
    EXPECT_EQ(meta_.payload_len, 16U);

    Frame later;
    later.eth(0x86dd).ipv6(44, 8 + 32).raw({17, 0}).be16(0x00b8).be32(99).fill(32);
    ASSERT_EQ(run(later), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kLaterFragment));
    EXPECT_EQ(meta_.protocol, 17);
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_EQ(meta_.payload_len, 32U);

    Frame atomic;  // offset 0, M = 0: a whole packet (RFC 6946)
    atomic.eth(0x86dd).ipv6(44, 8 + 8).raw({17, 0}).be16(0).be32(1).udp(3, 4, 8);
    ASSERT_EQ(run(atomic), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.has(kFragment));
    EXPECT_EQ(meta_.dst_port, 4);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::Ipv6Fragment), 2U);
}

TEST_F(DecoderTest, Ipv6EspAndNoNextHeaderStopTheChain) {
    Frame esp;
    esp.eth(0x86dd).ipv6(50, 24).fill(24);
    ASSERT_EQ(run(esp), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 50);
    EXPECT_FALSE(meta_.has(kL4Decoded));
    EXPECT_EQ(meta_.payload_len, 24U);

    Frame none;
    none.eth(0x86dd).ipv6(60, 8).u8(59).u8(0).fill(6);
    ASSERT_EQ(run(none), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 59);
}

TEST_F(DecoderTest, Ipv6BadExtensionChains) {
    Frame cut;  // routing header claims 24 bytes, 10 captured
    cut.eth(0x86dd).ipv6(43, 24).u8(17).u8(2).fill(8);
    EXPECT_EQ(run(cut), DecodeStatus::BadIpv6Ext);

    Frame beyond;  // all present, but longer than the payload length says
    beyond.eth(0x86dd).ipv6(0, 4).u8(17).u8(0).fill(6).udp(1, 2, 8);
    EXPECT_EQ(run(beyond), DecodeStatus::BadIpv6Ext);

    Frame endless;  // 200 destination-options headers
    endless.eth(0x86dd).ipv6(60, 1600);
    for (int i = 0; i < 200; ++i) {
        endless.u8(60).u8(0).fill(6);
    }
    EXPECT_EQ(run(endless), DecodeStatus::BadIpv6Ext);

    Frame long_ok;  // 60 headers end in UDP: accepted
    long_ok.eth(0x86dd).ipv6(60, 60 * 8 + 8);
    for (int i = 0; i < 60; ++i) {
        long_ok.u8(i == 59 ? 17 : 60).u8(0).fill(6);
    }
    long_ok.udp(9, 10, 8);
    ASSERT_EQ(run(long_ok), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 10);
    EXPECT_EQ(dec_.counters().value(DecodeStatus::BadIpv6Ext), 3U);
}

TEST_F(DecoderTest, Ipv6HeaderErrors) {
    Frame shorter;
    shorter.eth(0x86dd).fill(39, 0x60);
    EXPECT_EQ(run(shorter), DecodeStatus::TruncatedIpv6);
    Frame version;
    version.eth(0x86dd).ipv6(17, 8, 4).udp(1, 2, 8);
    EXPECT_EQ(run(version), DecodeStatus::BadIpv6Header);
}

TEST_F(DecoderTest, Ipv6Jumbogram) {
    Frame f;
    f.eth(0x86dd).ipv6(0, 0).u8(58).u8(0).raw({0xc2, 4}).be32(8 + 8 + 100);
    f.icmp(128, 0).fill(100);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 58);
    EXPECT_EQ(meta_.icmp_type, 128);
    EXPECT_EQ(meta_.payload_len, 100U);
    EXPECT_FALSE(meta_.has(kZeroIpLength));
    EXPECT_EQ(dec_.counters().value(DecodeEvent::Ipv6Jumbogram), 1U);

    Frame zero;  // payload length 0 without a jumbo option: captured bytes decide
    zero.eth(0x86dd).ipv6(17, 0).udp(1, 2, 0).fill(10);
    ASSERT_EQ(run(zero), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kZeroIpLength));
    EXPECT_EQ(meta_.payload_len, 10U);
}

// --- Link types ----------------------------------------------------------------------------

Frame ip4_udp_packet() {
    Frame f;
    f.ipv4(17, 20 + 8 + 4).udp(1111, 2222, 12).fill(4);
    return f;
}

Frame ip6_tcp_packet() {
    Frame f;
    f.ipv6(6, 20).tcp(3333, 4444, kSyn);
    return f;
}

TEST_F(DecoderTest, NullAndLoopLinkTypes) {
    for (const Frame& f :
         {Frame{}.le32(2).add(ip4_udp_packet()), Frame{}.be32(2).add(ip4_udp_packet())}) {
        ASSERT_EQ(run(f, wire::kLinkNull), DecodeStatus::Ok);
        EXPECT_EQ(meta_.dst_port, 2222);
        EXPECT_EQ(run_v4only(f, wire::kLinkNull), DecodeStatus::Ok);
    }
    for (std::uint32_t af : {24U, 28U, 30U}) {
        ASSERT_EQ(run(Frame{}.le32(af).add(ip6_tcp_packet()), wire::kLinkNull), DecodeStatus::Ok);
        EXPECT_TRUE(meta_.is_ipv6());
        ASSERT_EQ(run(Frame{}.be32(af).add(ip6_tcp_packet()), wire::kLinkNull), DecodeStatus::Ok);
    }
    // An EtherType in the family field (0f 00 08 00): Wireshark guesses IPv4, the reference
    // normalisation does not.
    EXPECT_EQ(run(Frame{}.raw({0x0f, 0, 8, 0}).add(ip4_udp_packet()), wire::kLinkNull),
              DecodeStatus::NotIp);
    EXPECT_EQ(run(Frame{}.raw({0, 0}), wire::kLinkNull), DecodeStatus::TruncatedLink);

    ASSERT_EQ(run(Frame{}.be32(2).add(ip4_udp_packet()), wire::kLinkLoop), DecodeStatus::Ok);
    EXPECT_EQ(run(Frame{}.le32(2).add(ip4_udp_packet()), wire::kLinkLoop), DecodeStatus::NotIp);
}

TEST_F(DecoderTest, RawIpLinkTypes) {
    for (std::uint16_t link : {wire::kLinkRaw, wire::kDltRaw, wire::kDltRawOpenBsd}) {
        ASSERT_EQ(run(ip4_udp_packet(), link), DecodeStatus::Ok) << link;
        EXPECT_FALSE(meta_.is_ipv6());
        ASSERT_EQ(run(ip6_tcp_packet(), link), DecodeStatus::Ok) << link;
        EXPECT_TRUE(meta_.is_ipv6());
        EXPECT_EQ(run(Frame{}.raw({0x50, 0, 0, 0}), link), DecodeStatus::NotIp);
        EXPECT_EQ(run(Frame{}, link), DecodeStatus::TruncatedLink);
    }
    ASSERT_EQ(run(ip4_udp_packet(), wire::kLinkIpv4), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 1111);
    ASSERT_EQ(run(ip6_tcp_packet(), wire::kLinkIpv6), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 3333);
    EXPECT_EQ(run(ip6_tcp_packet(), wire::kLinkIpv4), DecodeStatus::BadIpv4Header);
    EXPECT_EQ(run_v4only(ip6_tcp_packet(), wire::kLinkIpv6), DecodeStatus::FilteredNotIpv4);
}

TEST_F(DecoderTest, LinuxCookedV1AndV2) {
    Frame sll;
    sll.be16(0).be16(1).be16(6).fill(8).be16(0x0800).add(ip4_udp_packet());
    ASSERT_EQ(run(sll, wire::kLinkLinuxSll), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 1111);
    Frame sll_arp;
    sll_arp.be16(0).be16(1).be16(6).fill(8).be16(0x0806).fill(28);
    EXPECT_EQ(run(sll_arp, wire::kLinkLinuxSll), DecodeStatus::NotIp);
    EXPECT_EQ(run(Frame{}.fill(15), wire::kLinkLinuxSll), DecodeStatus::TruncatedLink);

    Frame sll2;
    sll2.be16(0x86dd).be16(0).be32(2).be16(1).u8(0).u8(6).fill(8).add(ip6_tcp_packet());
    ASSERT_EQ(run(sll2, wire::kLinkLinuxSll2), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_EQ(run(Frame{}.fill(19), wire::kLinkLinuxSll2), DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, PppFraming) {
    ASSERT_EQ(run(Frame{}.raw({0xff, 0x03}).be16(0x0021).add(ip4_udp_packet()), wire::kLinkPpp),
              DecodeStatus::Ok);
    ASSERT_EQ(run(Frame{}.be16(0x0057).add(ip6_tcp_packet()), wire::kLinkPpp), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    ASSERT_EQ(run(Frame{}.u8(0x21).add(ip4_udp_packet()), wire::kLinkPpp), DecodeStatus::Ok);
    EXPECT_EQ(run(Frame{}.raw({0xff, 0x03}).be16(0xc021).fill(10), wire::kLinkPpp),
              DecodeStatus::NotIp);
    const Frame mpls =
        Frame{}.raw({0xff, 0x03}).be16(0x0281).be32(0x00010100).add(ip4_udp_packet());
    ASSERT_EQ(run(mpls, wire::kLinkPpp), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kBehindMplsOrPppoe));
    EXPECT_EQ(run_v4only(mpls, wire::kLinkPpp), DecodeStatus::FilteredNotIpv4);
    EXPECT_EQ(run(Frame{}.raw({0xff, 0x03}), wire::kLinkPpp), DecodeStatus::TruncatedLink);
    ASSERT_EQ(
        run(Frame{}.raw({0xff, 0x03}).be16(0x0021).add(ip4_udp_packet()), wire::kLinkPppSerial),
        DecodeStatus::Ok);
    ASSERT_EQ(
        run(Frame{}.raw({0x0f, 0x00}).be16(0x0800).add(ip4_udp_packet()), wire::kLinkPppSerial),
        DecodeStatus::Ok);
    ASSERT_EQ(
        run(Frame{}.raw({0x0f, 0x00}).be16(0x0800).add(ip4_udp_packet()), wire::kLinkCiscoHdlc),
        DecodeStatus::Ok);
}

TEST_F(DecoderTest, FddiLlcSnap) {
    Frame f;
    f.u8(0x50).fill(12, 0x11).raw({0xaa, 0xaa, 0x03, 0, 0, 0}).be16(0x0800).add(ip4_udp_packet());
    ASSERT_EQ(run(f, wire::kLinkFddi), DecodeStatus::Ok);
    EXPECT_EQ(run_v4only(f, wire::kLinkFddi), DecodeStatus::Ok);
    Frame other;
    other.u8(0x50).fill(12, 0x11).raw({0x42, 0x42, 0x03}).fill(20);
    EXPECT_EQ(run(other, wire::kLinkFddi), DecodeStatus::NotIp);
    EXPECT_EQ(run(Frame{}.fill(12), wire::kLinkFddi), DecodeStatus::TruncatedLink);
}

Frame wlan_data(std::uint16_t fc, std::size_t extra_header, const Frame& payload,
                std::uint16_t ethertype = 0x0800) {
    Frame f;
    f.le16(fc).be16(0).fill(18, 0x22).be16(0x10);  // duration, 3 addresses, sequence control
    f.fill(extra_header);
    f.raw({0xaa, 0xaa, 0x03, 0, 0, 0}).be16(ethertype).add(payload);
    return f;
}

TEST_F(DecoderTest, Ieee80211DataFrames) {
    ASSERT_EQ(run(wlan_data(0x0108, 0, ip4_udp_packet()), wire::kLinkIeee80211), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 2222);
    // QoS data (subtype 8): 2 more bytes; with ToDS+FromDS: a fourth address (6 bytes).
    ASSERT_EQ(run(wlan_data(0x0388, 8, ip4_udp_packet()), wire::kLinkIeee80211), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 2222);
    // QoS + order bit: HT control (4 more bytes).
    ASSERT_EQ(run(wlan_data(0x8188, 6, ip4_udp_packet()), wire::kLinkIeee80211), DecodeStatus::Ok);
    ASSERT_EQ(run(wlan_data(0x0108, 0, ip6_tcp_packet(), 0x86dd), wire::kLinkIeee80211),
              DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_EQ(run(wlan_data(0x4108, 0, ip4_udp_packet()), wire::kLinkIeee80211),
              DecodeStatus::NotIp)
        << "protected";
    EXPECT_EQ(run(wlan_data(0x0080, 0, ip4_udp_packet()), wire::kLinkIeee80211),
              DecodeStatus::NotIp)
        << "beacon";
    EXPECT_EQ(run(wlan_data(0x0148, 0, ip4_udp_packet()), wire::kLinkIeee80211),
              DecodeStatus::NotIp)
        << "null data";
    EXPECT_EQ(run(Frame{}.le16(0x0108).fill(10), wire::kLinkIeee80211),
              DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, RadiotapRemovesAnnouncedFcs) {
    // Radiotap: version 0, length 24, present = TSFT | Flags | Rate; TSFT is 8-byte aligned at
    // offset 8, flags at 16 (FCS at end = 0x10), rate at 17, padding to 24.
    Frame f;
    f.u8(0).u8(0).le16(24).le32(0x00000007).fill(8).u8(0x10).u8(2).fill(6);
    f.add(wlan_data(0x0108, 0, ip4_udp_packet()));
    const std::size_t without_fcs = f.size();
    f.be32(0xdeadbeef);  // the FCS
    // UDP payload would be 4 + 4 FCS bytes if the FCS were not removed.
    auto v = f.view(wire::kLinkRadiotap);
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_EQ(meta_.payload_len, 4U);
    EXPECT_EQ(meta_.frame_payload_len, 4U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::RadiotapFcsRemoved), 1U);
    EXPECT_EQ(run_v4only(f, wire::kLinkRadiotap), DecodeStatus::Ok);

    // Snapped before the FCS: nothing to remove.
    v.cap_len = static_cast<std::uint32_t>(without_fcs - 2);
    ASSERT_EQ(dec_.decode(v, meta_), DecodeStatus::Ok);
    EXPECT_EQ(meta_.frame_payload_len, 2U);
    EXPECT_EQ(dec_.counters().value(DecodeEvent::RadiotapFcsRemoved), 1U);

    // Without the flag the trailing bytes are frame bytes.
    Frame nofcs;
    nofcs.u8(0).u8(0).le16(8).le32(0).add(wlan_data(0x0108, 0, ip4_udp_packet())).be32(1);
    ASSERT_EQ(run(nofcs, wire::kLinkRadiotap), DecodeStatus::Ok);
    EXPECT_EQ(meta_.frame_payload_len, 8U);

    // Extended present bitmap (bit 31) before the fields.
    Frame ext;
    ext.u8(0).u8(0).le16(16).le32(0x80000002).le32(0).u8(0x00).fill(3);
    ext.add(wlan_data(0x0108, 0, ip4_udp_packet()));
    ASSERT_EQ(run(ext, wire::kLinkRadiotap), DecodeStatus::Ok);

    EXPECT_EQ(run(Frame{}.u8(0).u8(0).le16(200).le32(0), wire::kLinkRadiotap),
              DecodeStatus::TruncatedLink);
    EXPECT_EQ(run(Frame{}.u8(1).u8(0).le16(8).le32(0), wire::kLinkRadiotap), DecodeStatus::NotIp);
    EXPECT_EQ(run(Frame{}.u8(0).u8(0).le16(8).le32(0x80000000), wire::kLinkRadiotap),
              DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, IpOverInfiniband) {
    Frame f;
    f.fill(40, 0x77).be16(0x0800).be16(0).add(ip4_udp_packet());
    ASSERT_EQ(run(f, wire::kLinkIpoib), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 1111);
    Frame arp;
    arp.fill(40).be16(0x0806).be16(0).fill(28);
    EXPECT_EQ(run(arp, wire::kLinkIpoib), DecodeStatus::NotIp);
    EXPECT_EQ(run(Frame{}.fill(43), wire::kLinkIpoib), DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, NflogPayloadTlv) {
    const Frame pkt = ip4_udp_packet();
    Frame le;
    le.u8(2).u8(0).be16(0);
    le.le16(8).le16(1).be32(0x08000000);                                   // packet header TLV
    le.le16(5).le16(10).raw({'x'}).fill(3);                                // prefix, padded to 8
    le.le16(static_cast<std::uint16_t>(4 + pkt.size())).le16(9).add(pkt);  // NFULA_PAYLOAD
    ASSERT_EQ(run(le, wire::kLinkNflog), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 2222);

    Frame be;  // TLVs written by a big-endian host
    be.u8(10).u8(0).be16(0).be16(8).be16(1).be32(0);
    be.be16(static_cast<std::uint16_t>(4 + 40)).be16(9).add(ip6_tcp_packet());
    ASSERT_EQ(run(be, wire::kLinkNflog), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());

    Frame none;
    none.u8(2).u8(0).be16(0).le16(8).le16(1).be32(0);
    EXPECT_EQ(run(none, wire::kLinkNflog), DecodeStatus::NotIp);
    Frame bad;
    bad.u8(2).u8(0).be16(0).le16(2).le16(1);
    EXPECT_EQ(run(bad, wire::kLinkNflog), DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, PktapAndPpiWrapEthernet) {
    Frame inner;
    inner.eth(0x0800).add(ip4_udp_packet());

    Frame pktap;
    pktap.le32(108).le32(1).fill(100).add(inner);
    ASSERT_EQ(run(pktap, wire::kLinkPktap), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 1111);
    EXPECT_EQ(run_v4only(pktap, wire::kLinkPktap), DecodeStatus::Ok);

    Frame ppi;
    ppi.u8(0).u8(0).le16(8).le32(1).add(inner);
    ASSERT_EQ(run(ppi, wire::kLinkPpi), DecodeStatus::Ok);

    Frame ppi_radiotap;
    ppi_radiotap.u8(0).u8(0).le16(8).le32(127).u8(0).u8(0).le16(8).le32(0);
    ppi_radiotap.add(wlan_data(0x0108, 0, ip4_udp_packet()));
    ASSERT_EQ(run(ppi_radiotap, wire::kLinkPpi), DecodeStatus::Ok);

    Frame nested;
    nested.u8(0).u8(0).le16(8).le32(192).u8(0).u8(0).le16(8).le32(1).add(inner);
    EXPECT_EQ(run(nested, wire::kLinkPpi), DecodeStatus::UnsupportedLinkType);
    EXPECT_EQ(run(Frame{}.u8(0).u8(0).le16(400).le32(1).add(inner), wire::kLinkPpi),
              DecodeStatus::TruncatedLink);
    EXPECT_EQ(run(Frame{}.le32(4).le32(1).add(inner), wire::kLinkPktap),
              DecodeStatus::TruncatedLink);
}

TEST_F(DecoderTest, UnknownLinkType) {
    EXPECT_EQ(run(ip4_udp_packet(), 147), DecodeStatus::UnsupportedLinkType);
    EXPECT_EQ(run(ip4_udp_packet(), 253), DecodeStatus::UnsupportedLinkType);
    EXPECT_EQ(dec_.counters().value(DecodeStatus::UnsupportedLinkType), 2U);
    EXPECT_FALSE(Decoder::supports_link_type(147));
    for (std::uint32_t lt : {0U,   1U,   9U,   10U,  12U,  14U,  50U,  101U, 104U, 105U,
                             108U, 113U, 127U, 192U, 228U, 229U, 239U, 242U, 258U, 276U}) {
        EXPECT_TRUE(Decoder::supports_link_type(lt)) << lt;
    }
}

// --- Tunnels -------------------------------------------------------------------------------

Frame gre_frame(std::uint16_t gre_flags, std::uint16_t proto, const Frame& inner,
                std::size_t option_words) {
    Frame gre;
    gre.be16(gre_flags).be16(proto);
    for (std::size_t i = 0; i < option_words; ++i) {
        gre.be32(0x01020304);
    }
    gre.add(inner);
    Frame f;
    f.eth(0x0800).ipv4(47, static_cast<std::uint16_t>(20 + gre.size())).add(gre);
    return f;
}

Frame inner_tcp() {
    Frame f;
    f.raw({0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 168, 1, 1, 192, 168, 1, 2});
    f.tcp(40000, 443, kSyn);
    return f;
}

TEST_F(DecoderTest, GreWithoutTunnelDecodingIsOuterPacket) {
    const Frame f = gre_frame(0, 0x0800, inner_tcp(), 0);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 47);
    EXPECT_FALSE(meta_.has(kInsideTunnel));
    EXPECT_EQ(meta_.src_ip, v4addr(10, 0, 0, 1));
    EXPECT_EQ(meta_.payload_len, 4U + 40U);
    ASSERT_EQ(run_v4only(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 47);
}

TEST_F(DecoderTest, GreDecapsulated) {
    // Version 0 with checksum, key and sequence number.
    ASSERT_EQ(run_tunnels(gre_frame(0xb000, 0x0800, inner_tcp(), 3)), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kInsideTunnel));
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_EQ(meta_.src_ip, v4addr(192, 168, 1, 1));
    EXPECT_EQ(meta_.dst_port, 443);
    EXPECT_EQ(dect_.counters().value(DecodeEvent::TunnelDecapsulated), 1U);

    // Transparent Ethernet bridging and ERSPAN type II (sequence bit + 8-byte header).
    Frame eth_inner;
    eth_inner.eth(0x0800).add(inner_tcp());
    ASSERT_EQ(run_tunnels(gre_frame(0x0000, 0x6558, eth_inner, 0)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 443);
    Frame erspan;
    erspan.be32(0x10000001).be32(0).add(eth_inner);
    ASSERT_EQ(run_tunnels(gre_frame(0x1000, 0x88be, erspan, 1)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 443);
    Frame erspan3;
    erspan3.fill(12).add(eth_inner);
    ASSERT_EQ(run_tunnels(gre_frame(0x1000, 0x22eb, erspan3, 1)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 443);

    // PPTP (version 1): key always, sequence bit, PPP inside.
    Frame ppp;
    ppp.raw({0xff, 0x03}).be16(0x0021).add(inner_tcp());
    ASSERT_EQ(run_tunnels(gre_frame(0x3001, 0x880b, ppp, 2)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.dst_port, 443);

    // PPP control traffic and unknown payloads leave the outer packet.
    Frame lcp;
    lcp.raw({0xff, 0x03}).be16(0xc021).fill(8);
    ASSERT_EQ(run_tunnels(gre_frame(0x3001, 0x880b, lcp, 2)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 47);
    EXPECT_FALSE(meta_.has(kInsideTunnel));
    ASSERT_EQ(run_tunnels(gre_frame(0x0000, 0x8909, inner_tcp(), 0)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 47);
    ASSERT_EQ(run_tunnels(gre_frame(0x4000, 0x0800, inner_tcp(), 1)), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 47) << "source routing is not followed";
}

TEST_F(DecoderTest, IpInIpAnd6in4) {
    Frame ipip;
    ipip.eth(0x0800).ipv4(4, 20 + 40).add(inner_tcp());
    ASSERT_EQ(run(ipip), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 4);
    ASSERT_EQ(run_tunnels(ipip), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 6);
    EXPECT_TRUE(meta_.has(kInsideTunnel));

    Frame six;
    six.eth(0x0800).ipv4(41, 20 + 60).add(ip6_tcp_packet());
    ASSERT_EQ(run_tunnels(six), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_EQ(meta_.src_port, 3333);

    Frame four_in_six;
    four_in_six.eth(0x86dd).ipv6(4, 40).add(inner_tcp());
    ASSERT_EQ(run_tunnels(four_in_six), DecodeStatus::Ok);
    EXPECT_FALSE(meta_.is_ipv6());
    EXPECT_EQ(meta_.dst_port, 443);

    Frame broken;  // inner header cut: the outer packet is reported and counted
    broken.eth(0x0800).ipv4(4, 30).fill(10, 0x45);
    ASSERT_EQ(run_tunnels(broken), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 4);
    EXPECT_FALSE(meta_.has(kInsideTunnel));
    EXPECT_EQ(dect_.counters().value(DecodeEvent::TunnelInnerUndecodable), 1U);
}

TEST_F(DecoderTest, TunnelDepthIsBounded) {
    Frame f = inner_tcp();
    for (int i = 0; i < 6; ++i) {
        Frame outer;
        outer.ipv4(4, static_cast<std::uint16_t>(20 + f.size())).add(f);
        f = outer;
    }
    Frame frame;
    frame.eth(0x0800).add(f);
    ASSERT_EQ(run_tunnels(frame), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.has(kInsideTunnel));
    EXPECT_EQ(meta_.protocol, 4);  // stopped before reaching the TCP packet
}

TEST_F(DecoderTest, TeredoDecapsulated) {
    const Frame v6 = ip6_tcp_packet();
    Frame f;
    f.eth(0x0800).ipv4(17, static_cast<std::uint16_t>(20 + 8 + 8 + v6.size()));
    f.udp(3544, 50000, static_cast<std::uint16_t>(8 + 8 + v6.size()));
    f.be16(0).be16(1234).be32(0x01020304);  // origin indication
    f.add(v6);
    ASSERT_EQ(run(f), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 17);
    ASSERT_EQ(run_tunnels(f), DecodeStatus::Ok);
    EXPECT_TRUE(meta_.is_ipv6());
    EXPECT_TRUE(meta_.has(kInsideTunnel));
    EXPECT_EQ(meta_.src_port, 3333);

    Frame dns;  // plain UDP on port 3544 whose payload is not IPv6 stays UDP
    dns.eth(0x0800).ipv4(17, 20 + 8 + 40).udp(3544, 53, 48).fill(40, 0x61);
    ASSERT_EQ(run_tunnels(dns), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 17);
    EXPECT_FALSE(meta_.has(kInsideTunnel));
}

TEST_F(DecoderTest, Ipv4OnlyModeNeverDecapsulates) {
    config::DecodeConfig c;
    c.ipv6 = false;
    c.tunnels = true;
    Decoder d(c);
    EXPECT_FALSE(d.tunnels_enabled());
    Frame ipip;
    ipip.eth(0x0800).ipv4(4, 20 + 40).add(inner_tcp());
    ASSERT_EQ(d.decode(ipip.view(), meta_), DecodeStatus::Ok);
    EXPECT_EQ(meta_.protocol, 4);
}

// --- Counters ------------------------------------------------------------------------------

TEST_F(DecoderTest, CountersListEveryStatusAndEvent) {
    run(eth_tcp(10));
    run(Frame{}.eth(0x0806).fill(28));
    std::set<std::string> names;
    std::uint64_t ok = 0;
    std::uint64_t not_ip = 0;
    dec_.counters().for_each([&](std::string_view n, std::uint64_t v) {
        EXPECT_EQ(n.substr(0, 7), "decode.");
        names.emplace(n);
        if (n == "decode.ok") {
            ok = v;
        } else if (n == "decode.not_ip") {
            not_ip = v;
        }
    });
    EXPECT_EQ(names.size(), kDecodeStatusCount + kDecodeEventCount) << "names are unique";
    EXPECT_EQ(ok, 1U);
    EXPECT_EQ(not_ip, 1U);
    EXPECT_EQ(dec_.counters().total(), 2U);
    EXPECT_EQ(dec_.counters().entries().size(), kDecodeStatusCount + kDecodeEventCount);
    EXPECT_EQ(to_string(DecodeStatus::FilteredNotIpv4), "decode.filtered_not_ipv4");
    EXPECT_EQ(to_string(DecodeEvent::TruncatedTcp), "decode.truncated_tcp");
    dec_.counters().reset();
    EXPECT_EQ(dec_.counters().total(), 0U);
}

TEST_F(DecoderTest, MetaIsResetBetweenPackets) {
    ASSERT_EQ(run(eth_tcp(10)), DecodeStatus::Ok);
    Frame ospf;
    ospf.eth(0x0800).ipv4(89, 24).fill(4);
    ASSERT_EQ(run(ospf), DecodeStatus::Ok);
    EXPECT_EQ(meta_.src_port, 0);
    EXPECT_EQ(meta_.seq, 0U);
    EXPECT_EQ(meta_.tcp_flags, 0);
    EXPECT_EQ(meta_.flags, 0);
}

}  // namespace
}  // namespace fm::decode
