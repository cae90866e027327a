// SPDX-License-Identifier: BSD-3-Clause
// TCP retransmission memory of one connection (profile `fixed`, spec §4.3; CIC ENG-HEAD:
// BasicFlow.handleTcpRetransmissionFields). The reference keeps a HashSet of every
// (source address, seq, ack, payload length, window) it has seen on the connection and counts a
// packet as a retransmission when its signature is already in the set. flowmeterd keeps a
// bounded memory instead: 32-bit fingerprints of the last kRetransMemory (64) distinct
// signatures of the connection, in a ring (264 bytes). A retransmission is recognised when its
// original is among them; one whose original is older goes uncounted, and a new signature can
// collide with a remembered one with probability <= 64 / 2^32 (documented in docs/features.md;
// the reference captures need at most 48). Memory is fixed per flow slot, allocated once with
// the flow table, and carried over timeout splits as the reference carries its set.
#pragma once

#include <array>
#include <cstdint>

#include "common/time.hpp"

namespace fm::features {

inline constexpr std::uint32_t kRetransMemory = 64;

struct RetransMemory {
    std::array<std::uint32_t, kRetransMemory> fp{};  ///< 32-bit fingerprints
    std::uint32_t next = 0;                          ///< ring position of the next insertion

    void clear() noexcept {
        fp.fill(0);
        next = 0;
    }

    /// Signature fingerprint; `from_src` says whether the packet came from the address the
    /// reference compares (the flow's source), which within one connection names the host.
    static std::uint32_t fingerprint(bool from_src, std::uint32_t seq, std::uint32_t ack,
                                     std::uint32_t payload, std::int32_t window) noexcept {
        const auto mix = [](std::uint64_t x) noexcept {
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDull;
            x ^= x >> 33;
            x *= 0xC4CEB9FE1A85EC53ull;
            x ^= x >> 33;
            return x;
        };
        const std::uint64_t rest = (std::uint64_t{payload} << 32) |
                                   (std::uint64_t{static_cast<std::uint32_t>(window)} << 1) |
                                   (from_src ? 1u : 0u);
        // Never 0, so an unused slot (0) can be scanned like a used one.
        const std::uint64_t h = mix(mix((std::uint64_t{seq} << 32) | ack) ^ rest);
        const auto f = static_cast<std::uint32_t>(h ^ (h >> 32));
        return f == 0 ? 1 : f;
    }

    /// Inserts a signature; returns true when it was already remembered (a retransmission).
    bool seen_before(std::uint32_t f) noexcept {
        // Whole-array scan without early exit: branch-free and vectorisable.
        bool found = false;
        for (std::uint32_t i = 0; i < kRetransMemory; ++i) {
            found |= fp[i] == f;
        }
        if (found) {
            return true;
        }
        fp[next] = f;
        next = (next + 1) % kRetransMemory;
        return false;
    }
};

}  // namespace fm::features
