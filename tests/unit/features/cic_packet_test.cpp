// SPDX-License-Identifier: BSD-3-Clause
// How each profile reads a decoded packet (features/cic_packet.hpp, spec §2 and §8), and the
// consistency of the profile switch table (features/cic_compat.hpp).
#include "features/cic_packet.hpp"

#include <gtest/gtest.h>

#include "../features/test_packets.hpp"
#include "features/cic_compat.hpp"

namespace fm::features {
namespace {

using test::kT0;

CicPacket read(const decode::PacketMeta& m, Profile p) {
    return read_packet(m, compat_for(p));
}

TEST(CicPacket, TcpAndUdpKeepTheirFields) {
    const auto m = test::tcp(kT0, {"1.2.3.4", 10}, {"5.6.7.8", 20}, decode::kSyn, 7, 999, 32);
    for (Profile p : {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed}) {
        const CicPacket c = read(m, p);
        EXPECT_EQ(c.protocol, 6);
        EXPECT_EQ(c.src_port, 10);
        EXPECT_EQ(c.header, 32);
        EXPECT_EQ(c.payload, 7u);
        EXPECT_EQ(c.window, 999);
        EXPECT_TRUE(c.has(decode::kSyn));
    }
}

TEST(CicPacket, WindowDefaultForNonTcp) {
    const auto m = test::udp(kT0, {"1.2.3.4", 10}, {"5.6.7.8", 20}, 7);
    EXPECT_EQ(read(m, Profile::Cic2018).window, -1);  // #21
    EXPECT_EQ(read(m, Profile::V4).window, 0);
}

TEST(CicPacket, PaddingCountsOnlyInCic2017) {
    auto m = test::tcp(kT0, {"1.2.3.4", 10}, {"5.6.7.8", 20}, decode::kAck, 0);
    m.frame_payload_len = 6;
    EXPECT_EQ(read(m, Profile::Cic2017).payload, 6u);
    EXPECT_EQ(read(m, Profile::Cic2018).payload, 0u);
    EXPECT_EQ(read(m, Profile::Fixed).payload, 0u);
}

TEST(CicPacket, LaterFragmentsAreProtocolZeroEverywhere) {
    auto m = test::udp(kT0, {"1.2.3.4", 10}, {"5.6.7.8", 20}, 700);
    m.flags |= decode::kFragment | decode::kLaterFragment;
    for (Profile p : {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed}) {
        const CicPacket c = read(m, p);
        EXPECT_EQ(c.protocol, 0);
        EXPECT_EQ(c.src_port, 0);
        EXPECT_EQ(c.payload, 0u);
        EXPECT_EQ(c.header, 0);
    }
}

TEST(CicPacket, IcmpIgmpSctpOnlyInFixed) {
    const auto e = test::icmp(kT0, "1.2.3.4", "5.6.7.8", 8, 0);
    const CicPacket v4 = read(e, Profile::V4);
    EXPECT_EQ(v4.protocol, 0);
    EXPECT_EQ(v4.payload, 0u);
    EXPECT_EQ(v4.icmp_type, -1);
    const CicPacket fx = read(e, Profile::Fixed);
    EXPECT_EQ(fx.protocol, 1);
    EXPECT_EQ(fx.payload, 0u);
    EXPECT_EQ(fx.header, 0);
    EXPECT_EQ(fx.icmp_type, 8);
    EXPECT_EQ(fx.icmp_code, 0);

    auto s = test::udp(kT0, {"1.2.3.4", 2905}, {"5.6.7.8", 2905}, 24);
    s.protocol = 132;
    s.l4_header_len = 12;
    const CicPacket sc = read(s, Profile::Fixed);
    EXPECT_EQ(sc.protocol, 132);
    EXPECT_EQ(sc.src_port, 2905);
    EXPECT_EQ(sc.header, 12);
    EXPECT_EQ(sc.payload, 24u);
    EXPECT_EQ(read(s, Profile::V4).protocol, 0);
}

TEST(CicPacket, IcmpErrorsOtherThanUnreachableStayProtocolZero) {
    // jnetpcap's scan_icmp walks into the quoted IPv4 header for types 3 and 12 only.
    auto m = test::icmp(kT0, "1.2.3.4", "5.6.7.8", 11, 0, 36);
    m.flags |= decode::kIcmpQuotesUdp;
    m.quoted_payload_len = 8;
    m.quoted_src_port = 1;
    m.quoted_dst_port = 2;
    for (std::int16_t type : {4, 5, 11}) {
        m.icmp_type = type;
        EXPECT_EQ(read(m, Profile::V4).protocol, 0) << type;
    }
    for (std::int16_t type : {3, 12}) {
        m.icmp_type = type;
        EXPECT_EQ(read(m, Profile::V4).protocol, 17) << type;
        EXPECT_EQ(read(m, Profile::Cic2017).protocol, 17) << type;
        EXPECT_EQ(read(m, Profile::V4).payload, 8u);
        EXPECT_EQ(read(m, Profile::Fixed).protocol, 1);
    }
}

TEST(CicPacket, IpInIpReportsInnerTransportWithOuterAddresses) {
    auto m = test::udp(kT0, {"1.2.3.4", 30000}, {"5.6.7.8", 13000}, 4);
    m.protocol = 4;
    m.inner_protocol = 17;
    m.flags |= decode::kIpipInner;
    for (Profile p : {Profile::Cic2017, Profile::V4, Profile::Fixed}) {
        const CicPacket c = read(m, p);
        EXPECT_EQ(c.protocol, 17);
        EXPECT_EQ(c.src_port, 30000);
        EXPECT_EQ(c.payload, 4u);
        EXPECT_EQ(c.header, 8);
    }
}

TEST(CicPacket, PacketsTheReferenceNeverSees) {
    auto cut = test::tcp(kT0, {"1.2.3.4", 10}, {"5.6.7.8", 20}, decode::kSyn, 0, 0, 24);
    cut.flags |= decode::kL4HeaderCut;
    // A cut header whose option walk ends before the cut (EOL, or a kind jnetpcap 1.3.0 does
    // not define) is decoded by 1.3.0 too; the walk reaching the cut loses it.
    EXPECT_FALSE(read(cut, Profile::Cic2017).ignored);
    EXPECT_EQ(read(cut, Profile::Cic2017).header, 24);
    cut.flags |= decode::kJnetpcap13TcpWalkFails;
    EXPECT_TRUE(read(cut, Profile::Cic2017).ignored);
    EXPECT_FALSE(read(cut, Profile::Cic2018).ignored);
    EXPECT_EQ(read(cut, Profile::Cic2018).header, 24);
    // fixed: protocols jnetpcap 1.4's Ip4.Ip4Type does not name are lost (typeEnum() null),
    // named ones are protocol 0; the older profiles never ask for the type.
    auto other = test::udp(kT0, {"1.2.3.4", 0}, {"224.0.0.5", 0}, 0);
    other.flags = 0;
    for (int proto = 0; proto <= 255; ++proto) {
        other.protocol = static_cast<std::uint8_t>(proto);
        if (proto == 1 || proto == 6 || proto == 17 || proto == 132) {
            continue;  // headers of their own (above)
        }
        const bool named = proto <= 61 || proto == 94 || proto == 103 || proto == 111 ||
                           proto == 118 || proto == 133 || proto == 137;
        EXPECT_EQ(read(other, Profile::Fixed).ignored, !named) << proto;
        EXPECT_FALSE(read(other, Profile::V4).ignored) << proto;
        EXPECT_EQ(read(other, Profile::V4).protocol, 0) << proto;
    }
    other.protocol = 89;  // OSPF, also as a later fragment
    other.flags = decode::kFragment;
    other.flags |= decode::kLaterFragment;
    EXPECT_TRUE(read(other, Profile::Fixed).ignored);
    other.protocol = 47;  // GRE
    EXPECT_FALSE(read(other, Profile::Fixed).ignored);
    EXPECT_EQ(read(other, Profile::Fixed).protocol, 0);
}

TEST(CicCompat, ProfilesDifferWhereTheSpecSays) {
    const CicCompat& c17 = compat_for(Profile::Cic2017);
    const CicCompat& c18 = compat_for(Profile::Cic2018);
    const CicCompat& v4 = compat_for(Profile::V4);
    const CicCompat& fx = compat_for(Profile::Fixed);
    // cic2017 = cic2018 + jnetpcap 1.3.0 payload semantics.
    EXPECT_TRUE(c17.count_ethernet_padding);
    EXPECT_FALSE(c18.count_ethernet_padding);
    EXPECT_EQ(c17.lifecycle, c18.lifecycle);
    EXPECT_EQ(c17.flow_id_order, FlowIdOrder::SignedByteCanonical);
    EXPECT_EQ(v4.flow_id_order, FlowIdOrder::KeyOrder);
    EXPECT_TRUE(fx.reverse_synack_first);
    EXPECT_FALSE(v4.reverse_synack_first);
    EXPECT_TRUE(fx.emit_single_packet_flows);
    EXPECT_FALSE(v4.emit_single_packet_flows || c18.emit_single_packet_flows);
    EXPECT_EQ(v4.bulk, BulkMode::AllToBackward);
    EXPECT_EQ(c18.subflow, SubflowMode::Totals);
    EXPECT_EQ(fx.timestamp, TimestampFormat::IsoUtcFraction);
}

}  // namespace
}  // namespace fm::features
