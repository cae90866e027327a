// SPDX-License-Identifier: BSD-3-Clause
// Frame layout and checksums for flowgen (RFC 791, 8200, 793, 768, 792, 4443, 1071). Bytes are
// stored one at a time in network order, so the output does not depend on the host's byte order.
#include "flowgen/packet_builder.hpp"

#include <cstring>

namespace fm::flowgen {

namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;

constexpr std::uint16_t kTcpMss = 1460;
constexpr std::uint8_t kTcpWindowScale = 8;

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

std::size_t l4_header_len(const FrameSpec& spec) noexcept {
    switch (spec.protocol) {
        case kProtoTcp:
            if (spec.tcp_options_len != 0) {
                return kTcpHeaderLen + spec.tcp_options_len;
            }
            return kTcpHeaderLen + (spec.tcp_syn_options ? kTcpSynOptionsLen : 0);
        case kProtoUdp:
            return kUdpHeaderLen;
        default:
            return kIcmpEchoHeaderLen;
    }
}

/// Sum of the IPv4 or IPv6 pseudo-header (RFC 793 §3.1, RFC 8200 §8.1).
std::uint64_t pseudo_header_sum(const FrameSpec& spec, std::uint32_t l4_len) noexcept {
    const std::size_t addr_len = spec.ipv6 ? 16 : 4;
    std::uint64_t sum = checksum_add(0, spec.src_ip.data(), addr_len);
    sum = checksum_add(sum, spec.dst_ip.data(), addr_len);
    return sum + spec.protocol + (l4_len >> 16) + (l4_len & 0xFFFF);
}

std::uint8_t* write_tcp(const FrameSpec& spec, std::uint8_t* p) noexcept {
    const std::size_t hlen = l4_header_len(spec);
    put16(p, spec.src_port);
    put16(p + 2, spec.dst_port);
    put32(p + 4, spec.seq);
    put32(p + 8, spec.ack);
    p[12] = static_cast<std::uint8_t>((hlen / 4) << 4);
    p[13] = spec.tcp_flags;
    put16(p + 14, spec.window);
    put16(p + 16, 0);  // checksum, filled below
    put16(p + 18, 0);  // urgent pointer
    if (spec.tcp_options_len != 0) {
        std::memcpy(p + kTcpHeaderLen, spec.tcp_options, spec.tcp_options_len);
    } else if (spec.tcp_syn_options) {
        std::uint8_t* o = p + kTcpHeaderLen;
        o[0] = 2;  // MSS
        o[1] = 4;
        put16(o + 2, kTcpMss);
        o[4] = 1;  // NOP
        o[5] = 3;  // window scale
        o[6] = 3;
        o[7] = kTcpWindowScale;
        o[8] = 1;   // NOP
        o[9] = 1;   // NOP
        o[10] = 4;  // SACK permitted
        o[11] = 2;
    }
    return p + hlen;
}

std::uint8_t* write_udp(const FrameSpec& spec, std::uint8_t* p) noexcept {
    put16(p, spec.src_port);
    put16(p + 2, spec.dst_port);
    put16(p + 4, static_cast<std::uint16_t>(kUdpHeaderLen + spec.payload_len));
    put16(p + 6, 0);
    return p + kUdpHeaderLen;
}

std::uint8_t* write_icmp_echo(const FrameSpec& spec, std::uint8_t* p) noexcept {
    p[0] = spec.icmp_type;
    p[1] = 0;  // code
    put16(p + 2, 0);
    put16(p + 4, spec.icmp_id);
    put16(p + 6, spec.icmp_seq);
    return p + kIcmpEchoHeaderLen;
}

/// Offset of the checksum field inside the transport header.
std::size_t l4_checksum_offset(std::uint8_t protocol) noexcept {
    switch (protocol) {
        case kProtoTcp:
            return 16;
        case kProtoUdp:
            return 6;
        default:
            return 2;
    }
}

}  // namespace

std::size_t headers_len(const FrameSpec& spec) noexcept {
    return (spec.ipv6 ? kIpv6HeaderLen : kIpv4HeaderLen + spec.ip_options_len) +
           l4_header_len(spec);
}

std::uint64_t checksum_add(std::uint64_t sum, const std::uint8_t* data, std::size_t len) noexcept {
    std::size_t i = 0;
    // Four bytes per step into a 64-bit accumulator: no carry handling inside the loop.
    for (; i + 4 <= len; i += 4) {
        sum += (std::uint32_t{data[i]} << 8 | data[i + 1]) +
               (std::uint32_t{data[i + 2]} << 8 | data[i + 3]);
    }
    for (; i + 2 <= len; i += 2) {
        sum += std::uint32_t{data[i]} << 8 | data[i + 1];
    }
    if (i < len) {
        sum += std::uint32_t{data[i]} << 8;
    }
    return sum;
}

std::uint16_t checksum_finish(std::uint64_t sum) noexcept {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

std::size_t build_frame(const FrameSpec& spec, std::uint8_t* out) noexcept {
    std::uint8_t* p = out;
    std::memcpy(p, spec.dst_mac.data(), 6);
    std::memcpy(p + 6, spec.src_mac.data(), 6);
    p += 12;
    if (spec.vlan_id != 0) {
        put16(p, kEtherTypeVlan);
        put16(p + 2, static_cast<std::uint16_t>(spec.vlan_id & 0x0FFF));
        p += kVlanTagLen;
    }
    put16(p, spec.ipv6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
    p += 2;

    const std::size_t l4_hlen = l4_header_len(spec);
    const auto l4_len = static_cast<std::uint32_t>(l4_hlen + spec.payload_len);
    std::uint8_t* ip = p;
    if (spec.ipv6) {
        put32(ip, 0x60000000U | (spec.flow_label & 0xFFFFF));
        put16(ip + 4, static_cast<std::uint16_t>(l4_len));
        ip[6] = spec.protocol;
        ip[7] = spec.ttl;
        std::memcpy(ip + 8, spec.src_ip.data(), 16);
        std::memcpy(ip + 24, spec.dst_ip.data(), 16);
        p += kIpv6HeaderLen;
    } else {
        const std::size_t ip_hlen = kIpv4HeaderLen + spec.ip_options_len;
        ip[0] = static_cast<std::uint8_t>(0x40 | (ip_hlen / 4));
        ip[1] = 0;
        put16(ip + 2, static_cast<std::uint16_t>(ip_hlen + l4_len));
        put16(ip + 4, spec.ip_id);
        put16(ip + 6, spec.dont_fragment ? 0x4000 : 0);
        ip[8] = spec.ttl;
        ip[9] = spec.protocol;
        put16(ip + 10, 0);
        std::memcpy(ip + 12, spec.src_ip.data(), 4);
        std::memcpy(ip + 16, spec.dst_ip.data(), 4);
        if (spec.ip_options_len != 0) {
            std::memcpy(ip + kIpv4HeaderLen, spec.ip_options, spec.ip_options_len);
        }
        put16(ip + 10, checksum_finish(checksum_add(0, ip, ip_hlen)));
        p += ip_hlen;
    }

    std::uint8_t* l4 = p;
    switch (spec.protocol) {
        case kProtoTcp:
            p = write_tcp(spec, p);
            break;
        case kProtoUdp:
            p = write_udp(spec, p);
            break;
        default:
            p = write_icmp_echo(spec, p);
            break;
    }
    if (spec.payload_len != 0) {
        std::memcpy(p, spec.payload, spec.payload_len);
        p += spec.payload_len;
    }

    // ICMPv4 has no pseudo-header (RFC 792); TCP, UDP and ICMPv6 (RFC 4443 §2.3) do.
    std::uint64_t sum = spec.protocol == kProtoIcmp ? 0 : pseudo_header_sum(spec, l4_len);
    sum = checksum_add(sum, l4, l4_len);
    std::uint16_t csum = checksum_finish(sum);
    if (spec.protocol == kProtoUdp && csum == 0) {
        csum = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
    }
    put16(l4 + l4_checksum_offset(spec.protocol), csum);

    auto len = static_cast<std::size_t>(p - out);
    if (len < kMinFrameLen) {
        std::memset(p, 0, kMinFrameLen - len);
        len = kMinFrameLen;
    }
    return len;
}

}  // namespace fm::flowgen
