// SPDX-License-Identifier: BSD-3-Clause
// The NIC's symmetric RSS hash in software, and shard selection. With DPDK, the NIC spreads
// packets over its queues with the Toeplitz hash and kSymmetricRssKey over (src ip, dst ip,
// src port, dst port) — 12 bytes for IPv4, 36 for IPv6, protocol not included — and the
// redirection table that shard_of() emulates; flow_hash() computes that same value, so the
// tests can check that the key makes both directions of a flow land on one queue. Software
// steering (flow/capture_lane.hpp) does not use it: it steers by the high half of the flow
// engine's own key hash, computed once per packet and reused by the engine's table, through
// ShardMap.
//
// Why the fast path is correct: the symmetric key repeats every 16 bits, so the key window the
// Toeplitz algorithm XORs in for input bit j depends only on j mod 16. The hash is therefore
// the Toeplitz hash of the XOR of all 16-bit words of the input (a linear "fold"), computed
// with two 256-entry tables. The unit tests check it against the bit-by-bit reference.
// Consequence worth knowing: the value carries only 16 bits of the tuple's entropy. That is
// plenty to spread flows over workers; flow tables must not index by it (they hash the full
// key themselves).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "dispatch/rss.hpp"

namespace fm::dispatch {

namespace detail {

/// kFold[0][b]: hash contribution of byte b at an even input offset; kFold[1][b]: odd offset.
constexpr std::array<std::array<std::uint32_t, 256>, 2> make_fold_tables() noexcept {
    std::array<std::array<std::uint32_t, 256>, 2> t{};
    for (std::size_t b = 0; b < 256; ++b) {
        const std::array<std::uint8_t, 2> even{static_cast<std::uint8_t>(b), 0};
        const std::array<std::uint8_t, 2> odd{0, static_cast<std::uint8_t>(b)};
        t[0][b] = toeplitz_hash(kSymmetricRssKey, even);
        t[1][b] = toeplitz_hash(kSymmetricRssKey, odd);
    }
    return t;
}

inline constexpr auto kFold = make_fold_tables();

constexpr std::uint32_t hash_fold(std::uint32_t fold16) noexcept {
    return kFold[0][(fold16 >> 8) & 0xFF] ^ kFold[1][fold16 & 0xFF];
}

constexpr std::uint32_t fold32(std::uint32_t w) noexcept {
    return (w >> 16) ^ (w & 0xFFFF);
}

}  // namespace detail

/// Symmetric RSS hash of an IPv4 4-tuple. Addresses as numbers (a.b.c.d is a<<24|b<<16|c<<8|d),
/// ports in host order. flow_hash_v4(a, b, p, q) == flow_hash_v4(b, a, q, p).
constexpr std::uint32_t flow_hash_v4(std::uint32_t src_ip, std::uint32_t dst_ip,
                                     std::uint16_t src_port, std::uint16_t dst_port) noexcept {
    return detail::hash_fold(detail::fold32(src_ip ^ dst_ip) ^ src_port ^ dst_port);
}

/// Symmetric RSS hash of a flow tuple as PacketMeta and FeatureRow store it: 16-byte addresses
/// in network order (IPv4 in bytes 0..3), ports in host order, `ipv6` selects the tuple size.
inline std::uint32_t flow_hash(const std::array<std::uint8_t, 16>& src_ip,
                               const std::array<std::uint8_t, 16>& dst_ip, std::uint16_t src_port,
                               std::uint16_t dst_port, bool ipv6) noexcept {
    const ByteSpan s{src_ip};
    const ByteSpan d{dst_ip};
    std::uint32_t w = load_be32(s, 0) ^ load_be32(d, 0);
    if (ipv6) {
        w ^= load_be32(s, 4) ^ load_be32(d, 4) ^ load_be32(s, 8) ^ load_be32(d, 8) ^
             load_be32(s, 12) ^ load_be32(d, 12);
    }
    return detail::hash_fold(detail::fold32(w) ^ src_port ^ dst_port);
}

/// Worker index for a flow hash: the queue a NIC picks with DPDK's default redirection table
/// (entry i -> queue i % shards, indexed by the low 7 bits of the hash). Precondition: shards>0.
constexpr std::uint32_t shard_of(std::uint32_t hash, std::uint32_t shards) noexcept {
    return (hash & (kRetaSize - 1)) % shards;
}

/// shard_of() as a table, built once per pipeline, so the per-packet path does no division.
class ShardMap {
public:
    /// Precondition: 0 < shards <= 65535.
    explicit constexpr ShardMap(std::uint32_t shards) noexcept {
        for (std::uint32_t i = 0; i < kRetaSize; ++i) {
            reta_[i] = static_cast<std::uint16_t>(shard_of(i, shards));
        }
    }

    constexpr std::uint32_t operator()(std::uint32_t hash) const noexcept {
        return reta_[hash & (kRetaSize - 1)];
    }

private:
    std::array<std::uint16_t, kRetaSize> reta_{};
};

}  // namespace fm::dispatch
