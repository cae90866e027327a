// SPDX-License-Identifier: BSD-3-Clause
// What Decoder::decode() says about one frame. Only DecodeStatus::Ok hands a PacketMeta to the
// flow engine; every other value names why the frame was set aside. Each value has a counter
// (decode.<reason>, see decode_counters.hpp), reported in the final statistics.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fm::decode {

enum class DecodeStatus : std::uint8_t {
    Ok,                   ///< meta filled: an IPv4 or IPv6 packet (transport maybe partial)
    UnsupportedLinkType,  ///< the capture's link type is not one the decoder knows
    TruncatedLink,        ///< link-layer header (incl. VLAN/MPLS/PPPoE/radiotap) cut short
    NotIp,                ///< link layer carries something else (ARP, LLC, LCP, encrypted …)
    FilteredNotIpv4,      ///< IPv4-only mode: IPv6, or IP behind MPLS/PPPoE
    TruncatedIpv4,        ///< fewer bytes than the IPv4 header (20 or IHL×4) needs
    BadIpv4Header,        ///< version nibble is not 4, or IHL < 5
    TruncatedIpv6,        ///< fewer than 40 bytes of IPv6 header
    BadIpv6Header,        ///< version nibble is not 6
    BadIpv6Ext,  ///< extension chain runs past the data, the payload length, or is too long
};

inline constexpr std::size_t kDecodeStatusCount = 10;

/// Counter names, indexed by the enumerator value.
inline constexpr std::array<std::string_view, kDecodeStatusCount> kDecodeStatusNames = {
    "decode.ok",
    "decode.unsupported_link_type",
    "decode.truncated_link",
    "decode.not_ip",
    "decode.filtered_not_ipv4",
    "decode.truncated_ipv4",
    "decode.bad_ipv4_header",
    "decode.truncated_ipv6",
    "decode.bad_ipv6_header",
    "decode.bad_ipv6_ext",
};

constexpr std::string_view to_string(DecodeStatus s) noexcept {
    const auto i = static_cast<std::size_t>(s);
    return i < kDecodeStatusCount ? kDecodeStatusNames[i] : std::string_view{"decode.unknown"};
}

static_assert(static_cast<std::size_t>(DecodeStatus::BadIpv6Ext) + 1 == kDecodeStatusCount);

}  // namespace fm::decode
