// SPDX-License-Identifier: BSD-3-Clause
// Packet builder of flowgen: turns one FrameSpec (addresses, ports, flags, payload) into the bytes
// of an Ethernet frame, optionally 802.1Q-tagged, carrying IPv4 or IPv6 and TCP, UDP, ICMP or
// ICMPv6, with every checksum correct. It is independent of libflowmeter on purpose: the captures
// it makes are the inputs that flowmeterd's decoder is tested and measured against.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace fm::flowgen {

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

inline constexpr std::size_t kEthHeaderLen = 14;
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr std::size_t kIpv4HeaderLen = 20;
inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr std::size_t kTcpHeaderLen = 20;
/// SYN and SYN-ACK carry MSS, window scale and SACK-permitted (12 bytes, Windows layout).
inline constexpr std::size_t kTcpSynOptionsLen = 12;
/// Most option bytes a TCP or IPv4 header holds (data offset / IHL of 15 words).
inline constexpr std::size_t kMaxOptionsLen = 40;
inline constexpr std::size_t kUdpHeaderLen = 8;
inline constexpr std::size_t kIcmpEchoHeaderLen = 8;
/// Frames shorter than this are zero-padded, as a NIC pads them to the 64-byte minimum
/// (60 bytes plus the FCS, which captures do not hold).
inline constexpr std::size_t kMinFrameLen = 60;
/// Largest frame built: 1500-byte IP packet, Ethernet header and one 802.1Q tag.
inline constexpr std::size_t kMaxFrameLen = kEthHeaderLen + kVlanTagLen + 1500;

/// Everything that goes into one frame. Addresses are in network order; an IPv4 address uses
/// bytes 0..3 of the 16-byte array. Fields that do not apply to the protocol are ignored.
struct FrameSpec {
    std::array<std::uint8_t, 6> src_mac{};
    std::array<std::uint8_t, 6> dst_mac{};
    std::array<std::uint8_t, 16> src_ip{};
    std::array<std::uint8_t, 16> dst_ip{};
    const std::uint8_t* payload = nullptr;  ///< payload_len bytes (may be null when 0)
    std::uint32_t payload_len = 0;
    std::uint32_t seq = 0;         ///< TCP
    std::uint32_t ack = 0;         ///< TCP
    std::uint32_t flow_label = 0;  ///< IPv6 (20 bits)
    std::uint16_t src_port = 0;    ///< TCP/UDP
    std::uint16_t dst_port = 0;    ///< TCP/UDP
    std::uint16_t vlan_id = 0;     ///< 802.1Q VLAN identifier; 0 = untagged
    std::uint16_t ip_id = 0;       ///< IPv4 identification
    std::uint16_t window = 0;      ///< TCP window, unscaled
    std::uint16_t icmp_id = 0;     ///< ICMP/ICMPv6 echo identifier
    std::uint16_t icmp_seq = 0;    ///< ICMP/ICMPv6 echo sequence number
    std::uint8_t protocol = kProtoTcp;
    std::uint8_t tcp_flags = 0;
    std::uint8_t icmp_type = 0;
    std::uint8_t ttl = 64;  ///< IPv4 TTL or IPv6 hop limit
    bool ipv6 = false;
    /// TCP options (a multiple of 4 bytes, at most kMaxOptionsLen); when empty and
    /// tcp_syn_options is set, the classic kTcpSynOptionsLen bytes are written.
    const std::uint8_t* tcp_options = nullptr;
    const std::uint8_t* ip_options = nullptr;  ///< IPv4 options (a multiple of 4 bytes)
    std::uint8_t tcp_options_len = 0;
    std::uint8_t ip_options_len = 0;
    bool tcp_syn_options = false;  ///< append kTcpSynOptionsLen bytes of options
    bool dont_fragment = false;    ///< IPv4 DF bit
};

/// Length of the L3+L4 headers a spec produces (IP header plus transport header).
std::size_t headers_len(const FrameSpec& spec) noexcept;

/// Writes the frame described by `spec` to `out`, which must hold kMaxFrameLen bytes, and
/// returns its length. The IP packet must fit 1500 bytes (the caller sizes payloads so).
std::size_t build_frame(const FrameSpec& spec, std::uint8_t* out) noexcept;

/// Adds `len` bytes to a running RFC 1071 sum as big-endian 16-bit words. Pieces other than the
/// last must have an even length.
std::uint64_t checksum_add(std::uint64_t sum, const std::uint8_t* data, std::size_t len) noexcept;

/// Folds a running sum to 16 bits and complements it: the value that goes into the header.
std::uint16_t checksum_finish(std::uint64_t sum) noexcept;

}  // namespace fm::flowgen
