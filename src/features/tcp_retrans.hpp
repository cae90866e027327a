// SPDX-License-Identifier: BSD-3-Clause
// TCP retransmission memory of one connection (profile `fixed`, spec §4.3; CIC fixed:
// BasicFlow.handleTcpRetransmissionFields). The reference keeps a HashSet of every
// (source address, seq, ack, payload length, window) it has seen on the connection and counts a
// packet as a retransmission when its signature is already in the set. flowmeterd keeps a
// bounded memory instead: 5 buckets, chosen by the signature's hash, each remembering 32-bit
// fingerprints of the last 15 distinct signatures that fell into it (320 bytes per flow slot,
// 75 signatures; five, not eight, so that a `fixed` flow stays within 1 KiB with its state and
// table slots). A retransmission is recognised when its original is still in its bucket; one
// whose bucket has seen 15 newer signatures since goes uncounted, and a new signature collides
// with a remembered one with probability <= 15 / 2^32. Checking a packet reads one cache line,
// which the flow engine prefetches (the bucket depends on the packet alone). In the reference
// captures no retransmission is missed (the furthest original lies 48 signatures back). The
// memory is allocated once with the flow table and carried over timeout splits as the reference
// carries its set.
#pragma once

#include <array>
#include <cstdint>

namespace fm::features {

inline constexpr std::uint32_t kRetransBuckets = 5;
inline constexpr std::uint32_t kRetransPerBucket = 15;

/// One cache line: 15 fingerprints (0 = unused) and the FIFO position.
struct alignas(64) RetransBucket {
    std::array<std::uint32_t, kRetransPerBucket> fp{};
    std::uint32_t next = 0;
};

struct RetransMemory {
    std::array<RetransBucket, kRetransBuckets> buckets{};

    void clear() noexcept { buckets = {}; }

    /// Hash of a signature without its direction: it picks the bucket, so the engine can
    /// prefetch the bucket before it knows the packet's direction.
    static std::uint64_t signature_hash(std::uint32_t seq, std::uint32_t ack, std::uint32_t payload,
                                        std::int32_t window) noexcept {
        const std::uint64_t rest =
            (std::uint64_t{payload} << 32) | std::uint64_t{static_cast<std::uint32_t>(window)};
        return mix(mix((std::uint64_t{seq} << 32) | ack) ^ rest);
    }

    static std::uint32_t bucket_of(std::uint64_t signature_hash) noexcept {
        // Multiply-shift of the high half: uniform over kRetransBuckets without a division.
        return static_cast<std::uint32_t>(((signature_hash >> 32) * kRetransBuckets) >> 32);
    }

    /// Inserts a signature; returns true when it was already remembered (a retransmission).
    /// `from_src`: the packet came from the flow's source address (the reference's set holds
    /// the address, which within one connection names the host).
    bool seen_before(std::uint64_t signature_hash, bool from_src) noexcept {
        RetransBucket& b = buckets[bucket_of(signature_hash)];
        const std::uint64_t h = mix(signature_hash ^ (from_src ? 0x9E3779B97F4A7C15ull : 0));
        std::uint32_t f = static_cast<std::uint32_t>(h ^ (h >> 32));
        f = f == 0 ? 1 : f;  // 0 marks an unused entry
        // Whole-bucket scan without early exit: branch-free, and the counting reduction turns
        // into SIMD compares.
        std::uint32_t hits = 0;
        for (std::uint32_t i = 0; i < kRetransPerBucket; ++i) {
            hits += b.fp[i] == f ? 1u : 0u;
        }
        if (hits != 0) {
            return true;
        }
        b.fp[b.next] = f;
        b.next = b.next + 1 == kRetransPerBucket ? 0 : b.next + 1;
        return false;
    }

private:
    static std::uint64_t mix(std::uint64_t x) noexcept {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDull;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53ull;
        x ^= x >> 33;
        return x;
    }
};

static_assert(sizeof(RetransBucket) == 64);
static_assert(sizeof(RetransMemory) == kRetransBuckets * 64);

}  // namespace fm::features
