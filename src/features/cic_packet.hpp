// SPDX-License-Identifier: BSD-3-Clause
// CicPacket: one decoded packet as a CICFlowMeter profile sees it (the reference's
// BasicPacketInfo, spec §2.2). The decoder reports wire facts in PacketMeta; read_packet()
// applies the profile's reading of them (protocol 0 for ICMP in the old profiles, padding as
// payload in cic2017, ICMP errors quoting UDP read as UDP, ...), as switched in cic_compat.hpp.
// Pure and inline: it runs once per packet on the worker and once in the dispatcher's tuple.
#pragma once

#include <array>
#include <cstdint>

#include "common/time.hpp"
#include "decode/packet_meta.hpp"
#include "features/cic_compat.hpp"
#include "features/jnetpcap_ip4_type.hpp"

namespace fm::features {

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoIgmp = 2;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoSctp = 132;
inline constexpr std::uint8_t kIcmpDestUnreachable = 3;
inline constexpr std::uint8_t kIcmpParameterProblem = 12;

struct CicPacket {
    Micros ts_us = 0;
    std::array<std::uint8_t, 16> src_ip{};
    std::array<std::uint8_t, 16> dst_ip{};
    std::uint32_t seq = 0;  ///< TCP only (retransmission signature, §4.3)
    std::uint32_t ack = 0;
    std::uint32_t payload = 0;  ///< L4 payload bytes as the profile counts them
    std::int32_t window = 0;    ///< TCP window, or the profile's default
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t header = 0;     ///< L4 header bytes (TCP data offset, UDP 8, else 0)
    std::int16_t icmp_type = -1;  ///< fixed only; −1 for non-ICMP
    std::int16_t icmp_code = -1;
    std::uint8_t protocol = 0;   ///< as the profile prints it
    std::uint8_t tcp_flags = 0;  ///< decode::TcpFlag bits
    bool ipv6 = false;
    bool ignored = false;  ///< the reference never sees this packet

    bool has(decode::TcpFlag f) const noexcept { return (tcp_flags & f) != 0; }
    bool is_tcp() const noexcept { return protocol == kProtoTcp; }
};

/// Reads a decoded packet the way the profile's reference build does.
inline CicPacket read_packet(const decode::PacketMeta& m, const CicCompat& c) noexcept {
    CicPacket p;
    p.ts_us = m.ts_us;
    p.src_ip = m.src_ip;
    p.dst_ip = m.dst_ip;
    p.ipv6 = m.is_ipv6();
    p.window = c.window_default;

    // A transport header the reference's packet library can use: present, and not in a
    // non-first fragment (§8: those are protocol 0 in every profile).
    const bool l4 = m.has(decode::kL4Decoded) && !m.has(decode::kLaterFragment);
    // IP-in-IP: the packet library walks into the inner header and reports its TCP/UDP header
    // with the outer addresses (golden tunnels/4in4.pcap).
    const std::uint8_t l4_proto = m.has(decode::kIpipInner) ? m.inner_protocol : m.protocol;
    const bool tcp_ok = l4_proto == kProtoTcp && l4 &&
                        (c.decode_zero_ip_length_tcp || !m.has(decode::kZeroIpLength));
    const bool udp_ok = l4_proto == kProtoUdp && l4;

    // Payload to the end of the frame: jnetpcap 1.3.0 always, later builds behind VLAN tags.
    const bool to_frame_end =
        c.count_ethernet_padding || (c.vlan_trailer_is_payload && m.has(decode::kBehindVlan));
    if (tcp_ok && c.drop_jnetpcap13_tcp_walk_failure && m.has(decode::kJnetpcap13TcpWalkFails)) {
        p.ignored = true;
        return p;
    }
    // Any IPv4 packet without a TCP/UDP/ICMP/SCTP header the library finds (later fragments
    // included: PacketReader.getIpv4Info asks for the type whatever the fragment offset).
    if (c.drop_ip4_type_unnamed && !p.ipv6 && !tcp_ok && !udp_ok &&
        !jnetpcap14_ip4_type_named(m.protocol)) {
        p.ignored = true;
        return p;
    }
    if (tcp_ok || udp_ok) {
        p.protocol = l4_proto;
        p.src_port = m.src_port;
        p.dst_port = m.dst_port;
        p.header = m.l4_header_len;
        p.payload = to_frame_end ? m.frame_payload_len : m.payload_len;
        if (tcp_ok) {
            p.window = m.window;
            p.tcp_flags = m.tcp_flags;
            p.seq = m.seq;
            p.ack = m.ack;
        }
        return p;
    }
    if (c.other_protocols_as_zero) {
        // §8: jnetpcap finds the UDP header quoted inside an ICMP error and reports UDP with
        // the outer addresses and the quoted ports.
        // Only destination-unreachable (3) and parameter-problem (12) messages are walked
        // into (jnetpcap scan_icmp, packet_protocol.cpp, 1.3.0 and 1.4.r1425: those two types
        // set next_id = IP4_ID); time-exceeded and the others stay protocol 0. The payload is
        // what follows the quoted UDP header.
        if (c.icmp_quoting_udp_as_udp && m.has(decode::kIcmpQuotesUdp) &&
            (m.icmp_type == kIcmpDestUnreachable || m.icmp_type == kIcmpParameterProblem) &&
            !m.has(decode::kLaterFragment)) {
            p.protocol = kProtoUdp;
            p.src_port = m.quoted_src_port;
            p.dst_port = m.quoted_dst_port;
            p.header = 8;
            p.payload = to_frame_end ? m.quoted_frame_payload_len : m.quoted_payload_len;
        }
        return p;
    }
    // fixed (F7): ICMP, IGMP and SCTP are recognised; everything else is protocol 0.
    if (c.icmp_igmp_sctp_kept && !m.has(decode::kLaterFragment)) {
        if (m.protocol == kProtoIcmp && !p.ipv6 && l4) {
            p.protocol = kProtoIcmp;
            p.icmp_type = m.icmp_type;
            p.icmp_code = m.icmp_code;
        } else if (m.protocol == kProtoIgmp) {
            p.protocol = kProtoIgmp;
        } else if (m.protocol == kProtoSctp && l4) {
            p.protocol = kProtoSctp;
            p.src_port = m.src_port;
            p.dst_port = m.dst_port;
            p.header = m.l4_header_len;
            p.payload = m.payload_len;
        }
    }
    return p;
}

}  // namespace fm::features
