// SPDX-License-Identifier: BSD-3-Clause
// Per-decoder counters: one per DecodeStatus (every frame lands in exactly one of those) and one
// per DecodeEvent, a fact noticed on a frame that was still decoded (truncated TCP header,
// fragment, TSO zero length, …). Written by the decoder's thread only; read by the stats
// reporter with relaxed loads, hence atomics even though there is a single writer.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cacheline.hpp"
#include "decode/decode_status.hpp"

namespace fm::decode {

/// Things counted on frames that may still be returned with DecodeStatus::Ok.
enum class DecodeEvent : std::uint8_t {
    TruncatedTcp,            ///< fewer than 20 bytes of TCP header: port-less packet
    BadTcpOffset,            ///< TCP data offset < 5: port-less packet
    TruncatedUdp,            ///< fewer than 8 bytes of UDP header
    TruncatedIcmp,           ///< fewer than 8 bytes of ICMP/ICMPv6 header
    TruncatedSctp,           ///< fewer than 12 bytes of SCTP common header
    Ipv4Fragment,            ///< any IPv4 fragment (first or later)
    Ipv6Fragment,            ///< IPv6 fragment header seen
    ZeroIpLength,            ///< IPv4 total length 0 (TSO) or IPv6 payload length 0 w/o jumbo
    IpLengthBeyondCap,       ///< IP length larger than the captured bytes (snaplen)
    BadIpv4TotalLength,      ///< IPv4 total length smaller than the header: no payload
    Ipv6Jumbogram,           ///< jumbo payload option used for the length
    IcmpQuotedTransport,     ///< ICMP error with a quoted IPv4 UDP/TCP header: ports taken
    TunnelDecapsulated,      ///< inner packet reported (decode.tunnels)
    TunnelInnerUndecodable,  ///< tunnel payload unusable: the outer packet was reported
    RadiotapFcsRemoved,      ///< 802.11 FCS announced by radiotap cut from the frame
};

inline constexpr std::size_t kDecodeEventCount = 15;

inline constexpr std::array<std::string_view, kDecodeEventCount> kDecodeEventNames = {
    "decode.truncated_tcp",        "decode.bad_tcp_offset",
    "decode.truncated_udp",        "decode.truncated_icmp",
    "decode.truncated_sctp",       "decode.ipv4_fragment",
    "decode.ipv6_fragment",        "decode.zero_ip_length",
    "decode.ip_length_beyond_cap", "decode.bad_ipv4_total_length",
    "decode.ipv6_jumbogram",       "decode.icmp_quoted_transport",
    "decode.tunnel_decapsulated",  "decode.tunnel_inner_undecodable",
    "decode.radiotap_fcs_removed",
};

static_assert(static_cast<std::size_t>(DecodeEvent::RadiotapFcsRemoved) + 1 == kDecodeEventCount);

constexpr std::string_view to_string(DecodeEvent e) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return i < kDecodeEventCount ? kDecodeEventNames[i] : std::string_view{"decode.unknown"};
}

/// Counter block of one decoder. Cache-line aligned so that the owner's increments do not share
/// a line with a neighbouring thread's data (STYLE 4.5.6).
class alignas(kCacheLine) DecodeCounters {
public:
    /// Decoder thread only: single writer, so a relaxed load+store is enough (no RMW needed).
    void count(DecodeStatus s) noexcept { bump(status_[static_cast<std::size_t>(s)]); }
    void count(DecodeEvent e) noexcept { bump(event_[static_cast<std::size_t>(e)]); }

    /// Any thread.
    std::uint64_t value(DecodeStatus s) const noexcept {
        return status_[static_cast<std::size_t>(s)].load(std::memory_order_relaxed);
    }
    std::uint64_t value(DecodeEvent e) const noexcept {
        return event_[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
    }

    /// Frames seen (sum over all statuses).
    std::uint64_t total() const noexcept {
        std::uint64_t sum = 0;
        for (const auto& c : status_) {
            sum += c.load(std::memory_order_relaxed);
        }
        return sum;
    }

    /// Calls fn(name, value) for every status counter, then every event counter, in enum order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < kDecodeStatusCount; ++i) {
            fn(kDecodeStatusNames[i], status_[i].load(std::memory_order_relaxed));
        }
        for (std::size_t i = 0; i < kDecodeEventCount; ++i) {
            fn(kDecodeEventNames[i], event_[i].load(std::memory_order_relaxed));
        }
    }

    /// (name, value) pairs for the final statistics; cold path (allocates).
    std::vector<std::pair<std::string_view, std::uint64_t>> entries() const {
        std::vector<std::pair<std::string_view, std::uint64_t>> out;
        out.reserve(kDecodeStatusCount + kDecodeEventCount);
        for_each([&out](std::string_view n, std::uint64_t v) { out.emplace_back(n, v); });
        return out;
    }

    void reset() noexcept {
        for (auto& c : status_) {
            c.store(0, std::memory_order_relaxed);
        }
        for (auto& c : event_) {
            c.store(0, std::memory_order_relaxed);
        }
    }

private:
    static void bump(std::atomic<std::uint64_t>& c) noexcept {
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    std::array<std::atomic<std::uint64_t>, kDecodeStatusCount> status_{};
    std::array<std::atomic<std::uint64_t>, kDecodeEventCount> event_{};
};

}  // namespace fm::decode
