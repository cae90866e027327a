// SPDX-License-Identifier: BSD-3-Clause
// Toeplitz implementation against Microsoft's published RSS verification vectors, and the fast
// symmetric flow hash against that reference: symmetry, equality, shard spread.
#include "dispatch/flow_hash.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include "dispatch/rss.hpp"

namespace fm::dispatch {
namespace {

using Ip6 = std::array<std::uint8_t, 16>;

constexpr std::uint32_t ip4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

Ip6 ip6(const char* text) {
    Ip6 out{};
    EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
    return out;
}

Ip6 as_meta_ip(std::uint32_t v4) {
    Ip6 out{};
    out[0] = static_cast<std::uint8_t>(v4 >> 24);
    out[1] = static_cast<std::uint8_t>(v4 >> 16);
    out[2] = static_cast<std::uint8_t>(v4 >> 8);
    out[3] = static_cast<std::uint8_t>(v4);
    return out;
}

/// The RSS input bytes: src ip, dst ip, src port, dst port, network order.
std::vector<std::uint8_t> rss_input(const Ip6& src, const Ip6& dst, std::uint16_t sp,
                                    std::uint16_t dp, bool ipv6, bool with_ports) {
    const std::size_t n = ipv6 ? 16 : 4;
    std::vector<std::uint8_t> in;
    in.reserve(2 * n + 4);
    for (std::size_t i = 0; i < n; ++i) {
        in.push_back(src[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
        in.push_back(dst[i]);
    }
    if (with_ports) {
        in.push_back(static_cast<std::uint8_t>(sp >> 8));
        in.push_back(static_cast<std::uint8_t>(sp));
        in.push_back(static_cast<std::uint8_t>(dp >> 8));
        in.push_back(static_cast<std::uint8_t>(dp));
    }
    return in;
}

struct V4Vector {
    std::uint32_t dst;
    std::uint16_t dst_port;
    std::uint32_t src;
    std::uint16_t src_port;
    std::uint32_t ip_only;
    std::uint32_t with_tcp;
};

// "Verifying the RSS Hash Calculation" (Microsoft NDIS documentation), IPv4 table.
const V4Vector kV4Vectors[] = {
    {ip4(161, 142, 100, 80), 1766, ip4(66, 9, 149, 187), 2794, 0x323e8fc2, 0x51ccc178},
    {ip4(65, 69, 140, 83), 4739, ip4(199, 92, 111, 2), 14230, 0xd718262a, 0xc626b0ea},
    {ip4(12, 22, 207, 184), 38024, ip4(24, 19, 198, 95), 12898, 0xd2d0a5de, 0x5c2b394a},
    {ip4(209, 142, 163, 6), 2217, ip4(38, 27, 205, 30), 48228, 0x82989176, 0xafc7327f},
    {ip4(202, 188, 127, 2), 1303, ip4(153, 39, 163, 191), 44251, 0x5d1809c5, 0x10e828a2},
};

struct V6Vector {
    const char* dst;
    std::uint16_t dst_port;
    const char* src;
    std::uint16_t src_port;
    std::uint32_t ip_only;
    std::uint32_t with_tcp;
};

// Same document, IPv6 table.
const V6Vector kV6Vectors[] = {
    {"3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d},
    {"ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf},
    {"fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985,
     0x02d1feef},
};

TEST(ToeplitzHash, MatchesMicrosoftIpv4Vectors) {
    for (const V4Vector& v : kV4Vectors) {
        const Ip6 src = as_meta_ip(v.src);
        const Ip6 dst = as_meta_ip(v.dst);
        EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey,
                                rss_input(src, dst, v.src_port, v.dst_port, false, false)),
                  v.ip_only);
        EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey,
                                rss_input(src, dst, v.src_port, v.dst_port, false, true)),
                  v.with_tcp);
    }
}

TEST(ToeplitzHash, MatchesMicrosoftIpv6Vectors) {
    for (const V6Vector& v : kV6Vectors) {
        const Ip6 src = ip6(v.src);
        const Ip6 dst = ip6(v.dst);
        EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey,
                                rss_input(src, dst, v.src_port, v.dst_port, true, false)),
                  v.ip_only);
        EXPECT_EQ(toeplitz_hash(kMicrosoftRssKey,
                                rss_input(src, dst, v.src_port, v.dst_port, true, true)),
                  v.with_tcp);
    }
}

TEST(ToeplitzHash, MicrosoftKeyIsNotSymmetric) {
    // The control for the symmetry tests below: with an ordinary key the reverse direction
    // hashes differently, so the symmetric key is what makes both directions meet.
    const V4Vector& v = kV4Vectors[0];
    const Ip6 src = as_meta_ip(v.src);
    const Ip6 dst = as_meta_ip(v.dst);
    EXPECT_NE(
        toeplitz_hash(kMicrosoftRssKey, rss_input(src, dst, v.src_port, v.dst_port, false, true)),
        toeplitz_hash(kMicrosoftRssKey, rss_input(dst, src, v.dst_port, v.src_port, false, true)));
}

TEST(SymmetricKey, IsSixDFiveARepeated) {
    for (std::size_t i = 0; i < kRssKeySize; i += 2) {
        EXPECT_EQ(kSymmetricRssKey[i], 0x6D);
        EXPECT_EQ(kSymmetricRssKey[i + 1], 0x5A);
    }
}

TEST(FlowHash, SymmetricOnMicrosoftTuples) {
    for (const V4Vector& v : kV4Vectors) {
        const Ip6 src = as_meta_ip(v.src);
        const Ip6 dst = as_meta_ip(v.dst);
        const std::uint32_t fwd = toeplitz_hash(
            kSymmetricRssKey, rss_input(src, dst, v.src_port, v.dst_port, false, true));
        const std::uint32_t rev = toeplitz_hash(
            kSymmetricRssKey, rss_input(dst, src, v.dst_port, v.src_port, false, true));
        EXPECT_EQ(fwd, rev);
        EXPECT_EQ(flow_hash(src, dst, v.src_port, v.dst_port, false), fwd);
        EXPECT_EQ(flow_hash(dst, src, v.dst_port, v.src_port, false), fwd);
        EXPECT_EQ(flow_hash_v4(v.src, v.dst, v.src_port, v.dst_port), fwd);
        EXPECT_EQ(flow_hash_v4(v.dst, v.src, v.dst_port, v.src_port), fwd);
    }
    for (const V6Vector& v : kV6Vectors) {
        const Ip6 src = ip6(v.src);
        const Ip6 dst = ip6(v.dst);
        const std::uint32_t fwd = toeplitz_hash(
            kSymmetricRssKey, rss_input(src, dst, v.src_port, v.dst_port, true, true));
        const std::uint32_t rev = toeplitz_hash(
            kSymmetricRssKey, rss_input(dst, src, v.dst_port, v.src_port, true, true));
        EXPECT_EQ(fwd, rev);
        EXPECT_EQ(flow_hash(src, dst, v.src_port, v.dst_port, true), fwd);
        EXPECT_EQ(flow_hash(dst, src, v.dst_port, v.src_port, true), fwd);
    }
}

TEST(FlowHash, FastPathEqualsReferenceOnRandomTuples) {
    std::mt19937_64 rng(20240601);  // fixed seed: deterministic test
    for (int i = 0; i < 20000; ++i) {
        const bool ipv6 = (i % 2) == 1;
        Ip6 src{};
        Ip6 dst{};
        for (std::size_t b = 0; b < (ipv6 ? 16U : 4U); ++b) {
            src[b] = static_cast<std::uint8_t>(rng());
            dst[b] = static_cast<std::uint8_t>(rng());
        }
        const auto sp = static_cast<std::uint16_t>(rng());
        const auto dp = static_cast<std::uint16_t>(rng());
        const std::uint32_t ref =
            toeplitz_hash(kSymmetricRssKey, rss_input(src, dst, sp, dp, ipv6, true));
        ASSERT_EQ(flow_hash(src, dst, sp, dp, ipv6), ref) << "tuple " << i;
        ASSERT_EQ(flow_hash(dst, src, dp, sp, ipv6), ref) << "tuple " << i;
    }
}

TEST(FlowHash, ZeroPortsEqualAddressOnlyHash) {
    // A NIC hashes non-TCP/UDP packets over the addresses only; a tuple with ports 0 (ICMP and
    // others) gives that same value, so hardware and software agree for them too.
    const Ip6 a = as_meta_ip(ip4(10, 0, 0, 1));
    const Ip6 b = as_meta_ip(ip4(192, 168, 7, 9));
    EXPECT_EQ(flow_hash(a, b, 0, 0, false),
              toeplitz_hash(kSymmetricRssKey, rss_input(a, b, 0, 0, false, false)));
}

TEST(ShardOf, EmulatesDefaultRedirectionTable) {
    for (std::uint32_t shards : {1U, 2U, 3U, 4U, 8U}) {
        const ShardMap map(shards);
        for (std::uint32_t h = 0; h < 4096; ++h) {
            const std::uint32_t hash = h * 2654435761U;
            ASSERT_EQ(map(hash), shard_of(hash, shards));
            ASSERT_EQ(shard_of(hash, shards), (hash % kRetaSize) % shards);
            ASSERT_LT(map(hash), shards);
        }
    }
}

TEST(ShardOf, SpreadsClientFlowsEvenly) {
    // Many clients of one server, ephemeral ports: every worker gets a fair share.
    for (std::uint32_t shards : {2U, 3U, 4U, 8U}) {
        const ShardMap map(shards);
        std::vector<std::uint32_t> count(shards, 0);
        const std::uint32_t server = ip4(10, 1, 0, 80);
        std::uint32_t total = 0;
        for (std::uint32_t client = 0; client < 200; ++client) {
            for (std::uint16_t port = 40000; port < 40250; ++port) {
                ++count[map(flow_hash_v4(ip4(172, 16, 0, 0) + client, server, port, 443))];
                ++total;
            }
        }
        for (std::uint32_t s = 0; s < shards; ++s) {
            const double share = static_cast<double>(count[s]) / total;
            EXPECT_NEAR(share, 1.0 / shards, 0.25 / shards) << shards << " shards, shard " << s;
        }
    }
}

}  // namespace
}  // namespace fm::dispatch
