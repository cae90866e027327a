// SPDX-License-Identifier: BSD-3-Clause
// The tuple a CICFlowMeter profile keys its flows on, as a pure function of one packet.
//
// Every profile keys flows on (address, address, port, port, protocol) after its own reading
// of the packet (features/cic_packet.hpp: ICMP is protocol 0 with ports 0 in v4, ...). v4
// and fixed look a packet up under its forward and its backward key, so a flow is found by
// the unordered tuple; cic2018 keys on a canonical string that orders the two addresses and,
// when they are equal, keeps the packet's own order (so 127.0.0.1:1->:2 and :2->:1 are two
// flows there). FlowKey stores that identity canonically, so equal keys <=> same flow.
//
// The capture lane (flow/capture_lane.hpp) computes key_hash(make_key()) once per packet and
// shards by its high half; since all packets of one reference flow have the same key they meet
// in one worker, whose table looks the flow up by the same hash.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/profile.hpp"
#include "decode/packet_meta.hpp"
#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"

namespace fm::flow {

/// cic2017/cic2018 key on a string that orders the two addresses only: with equal addresses
/// the packet's own order is kept (make_key's `ordered_when_same_ip`).
constexpr bool ordered_when_same_ip(Profile profile) noexcept {
    return features::compat_for(profile).flow_id_order ==
           features::FlowIdOrder::SignedByteCanonical;
}

/// Flow identity inside one flow table: endpoints in canonical order, hashable as words.
struct FlowKey {
    std::array<std::uint8_t, 16> ip_a{};
    std::array<std::uint8_t, 16> ip_b{};
    std::uint16_t port_a = 0;
    std::uint16_t port_b = 0;
    std::uint8_t protocol = 0;
    std::uint8_t ipv6 = 0;
    std::uint16_t pad = 0;  ///< always zero, so the key compares and hashes as raw bytes

    friend bool operator==(const FlowKey& x, const FlowKey& y) noexcept {
        return std::memcmp(&x, &y, sizeof(FlowKey)) == 0;
    }
};

static_assert(std::is_trivially_copyable_v<FlowKey>);
static_assert(sizeof(FlowKey) == 40);

/// Builds the key of a packet. `packet_order` is true when (ip_a, port_a) is the packet's
/// source. `ordered_when_same_ip`: cic2018 keeps the packet's order when both addresses are
/// equal (its key is a string that only orders the addresses).
inline FlowKey make_key(const features::CicPacket& p, bool ordered_when_same_ip,
                        bool* packet_order) noexcept {
    FlowKey k;
    // Byte-wise order of the two addresses: compare them as big-endian 64-bit halves.
    std::uint64_t s[2];
    std::uint64_t d[2];
    std::memcpy(s, p.src_ip.data(), 16);
    std::memcpy(d, p.dst_ip.data(), 16);
    const std::uint64_t s0 = __builtin_bswap64(s[0]);
    const std::uint64_t d0 = __builtin_bswap64(d[0]);
    const std::uint64_t s1 = __builtin_bswap64(s[1]);
    const std::uint64_t d1 = __builtin_bswap64(d[1]);
    const int ip_cmp = s0 != d0 ? (s0 < d0 ? -1 : 1) : (s1 != d1 ? (s1 < d1 ? -1 : 1) : 0);
    const bool src_first =
        ip_cmp < 0 || (ip_cmp == 0 && (ordered_when_same_ip || p.src_port <= p.dst_port));
    if (src_first) {
        k.ip_a = p.src_ip;
        k.ip_b = p.dst_ip;
        k.port_a = p.src_port;
        k.port_b = p.dst_port;
    } else {
        k.ip_a = p.dst_ip;
        k.ip_b = p.src_ip;
        k.port_a = p.dst_port;
        k.port_b = p.src_port;
    }
    k.protocol = p.protocol;
    k.ipv6 = p.ipv6 ? 1 : 0;
    if (packet_order != nullptr) {
        *packet_order = src_first;
    }
    return k;
}

/// 64-bit hash of a key for the flow table (not the dispatcher's shard hash).
inline std::uint64_t key_hash(const FlowKey& k) noexcept {
    std::uint64_t w[5];
    static_assert(sizeof(w) == sizeof(FlowKey));
    std::memcpy(w, &k, sizeof(FlowKey));
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (std::uint64_t x : w) {
        h ^= x;
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h;
}

/// What a capture lane does to each packet it steers: computes the profile's flow key hash once
/// and keeps it (and which endpoint the packet's source is) in the packet, where the engine
/// reads it instead of computing it again (decode::kKeyHashed). Returns the hash.
inline std::uint64_t stamp_key_hash(decode::PacketMeta& meta, const features::CicCompat& compat,
                                    bool ordered_same_ip) noexcept {
    bool packet_first = false;
    meta.key_hash =
        key_hash(make_key(features::read_packet(meta, compat), ordered_same_ip, &packet_first));
    meta.flags |= decode::kKeyHashed;
    if (packet_first) {
        meta.flags |= decode::kKeyPacketFirst;
    }
    return meta.key_hash;
}

}  // namespace fm::flow
