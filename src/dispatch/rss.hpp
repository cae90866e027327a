// SPDX-License-Identifier: BSD-3-Clause
// Receive-side scaling (RSS) definitions shared by the software dispatcher (flow_hash.hpp) and
// the DPDK port configuration: the Toeplitz hash, the symmetric key both use, and the
// Microsoft verification key the unit tests check the implementation against. One definition
// for both paths, so a flow steered by the NIC lands on the same shard it would in software.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace fm::dispatch {

/// Toeplitz keys are 40 bytes: enough for an IPv6 4-tuple (36 bytes) plus the 32-bit window.
inline constexpr std::size_t kRssKeySize = 40;

using RssKey = std::array<std::uint8_t, kRssKeySize>;

namespace detail {

constexpr RssKey make_repeated_key(std::uint8_t hi, std::uint8_t lo) noexcept {
    RssKey key{};
    for (std::size_t i = 0; i < kRssKeySize; i += 2) {
        key[i] = hi;
        key[i + 1] = lo;
    }
    return key;
}

}  // namespace detail

/// The symmetric key 0x6D5A repeated (Woo & Park, "Scalable TCP Session Monitoring with
/// Symmetric Receive-side Scaling", 2012; also used by ipfixprobe and Retina). Because the key
/// repeats every 16 bits and addresses and ports sit at offsets that are multiples of 16 bits,
/// swapping source and destination does not change the hash: both directions of a flow get the
/// same value, on the NIC and in software.
inline constexpr RssKey kSymmetricRssKey = detail::make_repeated_key(0x6D, 0x5A);

/// The key of Microsoft's "Verifying the RSS Hash Calculation" suite, which is also the default
/// key of many NICs. Used only to check the Toeplitz implementation against published vectors.
inline constexpr RssKey kMicrosoftRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/// Size of the NIC redirection table (RETA) that shard_of() emulates; DPDK's default RETA maps
/// entry i to queue i % nb_queues, and the low 7 bits of the hash index it.
inline constexpr std::uint32_t kRetaSize = 128;

/// Reference Toeplitz hash, bit by bit, as the Microsoft RSS specification defines it: for
/// every set input bit (most significant bit of each byte first) XOR in the 32-bit window of
/// the key that starts at that bit. `input` is in network byte order and at most 36 bytes.
/// Slow (one step per bit); the hot path uses flow_hash.hpp, which the tests check against it.
constexpr std::uint32_t toeplitz_hash(const RssKey& key,
                                      std::span<const std::uint8_t> input) noexcept {
    std::uint32_t result = 0;
    std::uint32_t window = (std::uint32_t{key[0]} << 24) | (std::uint32_t{key[1]} << 16) |
                           (std::uint32_t{key[2]} << 8) | std::uint32_t{key[3]};
    std::size_t next_key_bit = 32;
    for (const std::uint8_t byte : input) {
        for (int bit = 7; bit >= 0; --bit) {
            if (((byte >> bit) & 1U) != 0) {
                result ^= window;
            }
            const std::size_t key_byte = next_key_bit / 8;
            const std::uint32_t incoming =
                key_byte < kRssKeySize ? (key[key_byte] >> (7 - next_key_bit % 8)) & 1U : 0U;
            window = (window << 1) | incoming;
            ++next_key_bit;
        }
    }
    return result;
}

}  // namespace fm::dispatch
