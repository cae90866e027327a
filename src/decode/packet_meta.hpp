// SPDX-License-Identifier: BSD-3-Clause
// PacketMeta: the decoded facts of one packet, everything the flow features need and nothing
// else. Trivially copyable: it is the only thing that crosses from capture to worker threads.
// The decoder fills it faithfully from the wire; how a CICFlowMeter profile *interprets* these
// facts (protocol 0 for ICMP, padding as payload, …) is decided in features/cic_compat.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "common/time.hpp"

namespace fm::decode {

/// TCP flag bits, as in the TCP header byte 13.
enum TcpFlag : std::uint8_t {
    kFin = 0x01,
    kSyn = 0x02,
    kRst = 0x04,
    kPsh = 0x08,
    kAck = 0x10,
    kUrg = 0x20,
    kEce = 0x40,
    kCwr = 0x80,
};

/// Facts about a packet that are neither addresses nor numbers.
enum MetaFlag : std::uint16_t {
    kIpv6 = 0x0001,               ///< network layer is IPv6 (else IPv4)
    kL4Decoded = 0x0002,          ///< transport header (TCP/UDP/SCTP/ICMP) present and decoded
    kFragment = 0x0004,           ///< IP fragment (first or later)
    kLaterFragment = 0x0008,      ///< non-first fragment: no transport header in this packet
    kZeroIpLength = 0x0010,       ///< IPv4 total length field was 0 (TSO capture)
    kIcmpQuotesUdp = 0x0020,      ///< ICMP error quoting an IPv4+UDP header: quoted ports set
    kIcmpQuotesTcp = 0x0040,      ///< ICMP error quoting an IPv4+TCP header
    kIpLengthBeyondCap = 0x0080,  ///< IP length claims more bytes than were captured (snaplen)
    kInsideTunnel = 0x0100,       ///< decapsulated from GRE/IP-in-IP/Teredo (decode.tunnels)
    kBehindMplsOrPppoe = 0x0200,  ///< network layer reached through MPLS or PPPoE
    kBehindVlan = 0x0400,         ///< Ethernet frame whose network layer follows 802.1Q/ad tag(s)
    kL4HeaderCut = 0x0800,        ///< TCP header shorter than its data offset (snaplen/IP length):
                                  ///< l4_header_len holds the bytes present
    kJnetpcap13TcpWalkFails = 0x1000,  ///< jnetpcap 1.3.0's TCP option walk throws or never
                                       ///< ends (jnetpcap13_tcp_options.hpp): kind >= 64,
                                       ///< read past the bytes present, zero length
    kIpipInner = 0x2000,       ///< tunnels off, protocol 4 (IP-in-IP): ports, TCP fields and
                               ///< lengths describe the inner TCP/UDP header (its protocol in
                               ///< inner_protocol); addresses stay the outer ones
    kKeyHashed = 0x4000,       ///< key_hash holds the profile's flow key hash (set by the
                               ///< capture lane that steered the packet, not by the decoder)
    kKeyPacketFirst = 0x8000,  ///< with kKeyHashed: the packet's source is its flow key's
                               ///< first endpoint (flow/flow_tuple.hpp make_key)
};

struct PacketMeta {
    Micros ts_us = 0;                       ///< capture time (µs, ns truncated)
    std::array<std::uint8_t, 16> src_ip{};  ///< IPv4 in bytes 0..3 (rest zero), or IPv6
    std::array<std::uint8_t, 16> dst_ip{};
    std::uint16_t src_port = 0;  ///< TCP/UDP/SCTP; 0 otherwise
    std::uint16_t dst_port = 0;
    std::uint32_t payload_len = 0;         ///< L4 payload: bounded by IP length and captured bytes
    std::uint32_t frame_payload_len = 0;   ///< L4 payload up to the end of the captured frame
                                           ///< (Ethernet padding included; jnetpcap 1.3.0 view)
    std::uint32_t seq = 0;                 ///< TCP sequence number
    std::uint32_t ack = 0;                 ///< TCP acknowledgement number
    std::uint32_t wire_len = 0;            ///< frame length on the wire
    std::uint32_t quoted_payload_len = 0;  ///< ICMP error quoting UDP/TCP: bytes after the
                                           ///< quoted transport header, bounded like
                                           ///< payload_len (IP length and captured bytes)
    std::uint32_t quoted_frame_payload_len = 0;  ///< same, up to the end of the captured frame
    std::uint16_t window = 0;                    ///< TCP window, raw (unscaled)
    std::uint16_t l4_header_len = 0;             ///< TCP data offset ×4 (bytes present if cut, see
                                                 ///< kL4HeaderCut), UDP 8, ICMP 8, SCTP 12, else 0
    std::uint16_t quoted_src_port = 0;           ///< ICMP error: ports of the quoted UDP/TCP header
    std::uint16_t quoted_dst_port = 0;
    std::uint16_t flags = 0;     ///< MetaFlag bits
    std::uint8_t protocol = 0;   ///< IP protocol number (last header of the v6 chain)
    std::uint8_t tcp_flags = 0;  ///< TcpFlag bits
    std::uint8_t icmp_type = 0;  ///< ICMP / ICMPv6 type
    std::uint8_t icmp_code = 0;
    std::uint8_t inner_protocol = 0;  ///< with kIpipInner: protocol of the inner header
    std::uint64_t key_hash = 0;       ///< with kKeyHashed: flow::key_hash of the packet's key

    bool is_ipv6() const noexcept { return (flags & kIpv6) != 0; }
    bool has(MetaFlag f) const noexcept { return (flags & f) != 0; }
};

static_assert(std::is_trivially_copyable_v<PacketMeta>);
static_assert(sizeof(PacketMeta) <= 96, "PacketMeta crosses threads: keep it small");

}  // namespace fm::decode
