// SPDX-License-Identifier: BSD-3-Clause
// Cost of steering a packet: the symmetric flow hash (fast fold path vs the bit-by-bit Toeplitz
// reference) and the shard lookup. Tuples are generated before the timed loop and cycled.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "dispatch/flow_hash.hpp"
#include "dispatch/rss.hpp"

namespace {

struct Tuple {
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
};

constexpr std::size_t kTuples = 4096;  // power of two: the loop index is masked

std::vector<Tuple> make_tuples(bool ipv6) {
    std::mt19937_64 rng(42);
    std::vector<Tuple> out(kTuples);
    for (Tuple& t : out) {
        for (std::size_t b = 0; b < (ipv6 ? 16U : 4U); ++b) {
            t.src[b] = static_cast<std::uint8_t>(rng());
            t.dst[b] = static_cast<std::uint8_t>(rng());
        }
        t.sport = static_cast<std::uint16_t>(rng());
        t.dport = static_cast<std::uint16_t>(rng());
    }
    return out;
}

/// Arg: 0 = IPv4 tuple, 1 = IPv6 tuple.
void BM_FlowHash(benchmark::State& state) {
    const bool ipv6 = state.range(0) != 0;
    const std::vector<Tuple> tuples = make_tuples(ipv6);
    std::size_t i = 0;
    for (auto _ : state) {
        const Tuple& t = tuples[i++ & (kTuples - 1)];
        benchmark::DoNotOptimize(fm::dispatch::flow_hash(t.src, t.dst, t.sport, t.dport, ipv6));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowHash)->Arg(0)->Arg(1);

/// The bit-by-bit reference over the same tuples, to show what the fold tables save.
void BM_ToeplitzReference(benchmark::State& state) {
    const bool ipv6 = state.range(0) != 0;
    const std::vector<Tuple> tuples = make_tuples(ipv6);
    std::vector<std::array<std::uint8_t, 36>> inputs(kTuples);
    const std::size_t ip_len = ipv6 ? 16 : 4;
    for (std::size_t k = 0; k < kTuples; ++k) {
        const Tuple& t = tuples[k];
        auto& in = inputs[k];
        std::copy_n(t.src.begin(), ip_len, in.begin());
        std::copy_n(t.dst.begin(), ip_len, in.begin() + static_cast<std::ptrdiff_t>(ip_len));
        in[2 * ip_len] = static_cast<std::uint8_t>(t.sport >> 8);
        in[2 * ip_len + 1] = static_cast<std::uint8_t>(t.sport);
        in[2 * ip_len + 2] = static_cast<std::uint8_t>(t.dport >> 8);
        in[2 * ip_len + 3] = static_cast<std::uint8_t>(t.dport);
    }
    const std::size_t len = 2 * ip_len + 4;
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& in = inputs[i++ & (kTuples - 1)];
        benchmark::DoNotOptimize(fm::dispatch::toeplitz_hash(
            fm::dispatch::kSymmetricRssKey, std::span<const std::uint8_t>(in.data(), len)));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ToeplitzReference)->Arg(0)->Arg(1);

/// Hash to worker index through the precomputed redirection table. Arg: workers.
void BM_ShardOf(benchmark::State& state) {
    const auto shards = static_cast<std::uint32_t>(state.range(0));
    const fm::dispatch::ShardMap map(shards);
    std::vector<std::uint32_t> hashes(kTuples);
    std::mt19937 rng(7);
    for (std::uint32_t& h : hashes) {
        h = static_cast<std::uint32_t>(rng());
    }
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(map(hashes[i++ & (kTuples - 1)]));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ShardOf)->Arg(2)->Arg(3)->Arg(8);

}  // namespace

BENCHMARK_MAIN();
