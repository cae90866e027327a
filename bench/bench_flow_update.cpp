// SPDX-License-Identifier: BSD-3-Clause
// Per-packet flow update: FlowEngine::process (profile reading, key, table lookup, life cycle,
// all feature accumulators) on synthetic PacketMeta, with 1K, 100K and 1M concurrent flows.
// Packets pick their flow uniformly at random, so large tables are measured at their cache-miss
// worst case. Everything is generated before the timed loop; the loop copies 256 packets into a
// batch (shifting their time stamps so time keeps moving forward pass after pass) and processes
// it. Reports packets/s (items) and the per-flow memory as a counter.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include <benchmark/benchmark.h>

#include "config/config.hpp"
#include "decode/packet_meta.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "flow/flow_tuple.hpp"

namespace {

using fm::Micros;
using fm::decode::PacketMeta;

/// Counts rows; the benchmark measures the flow update, not formatting.
class CountingSink final : public fm::features::RowSink {
public:
    void consume(std::span<const fm::features::FeatureRow> rows) override { rows_ += rows.size(); }
    std::uint64_t rows() const { return rows_; }

private:
    std::uint64_t rows_ = 0;
};

constexpr std::size_t kBatch = 256;
constexpr Micros kStart = 1'500'000'000LL * 1'000'000;

/// `packets` packets over `flows` flows: 70 % TCP (ACK/PSH, payload 0..1460), 30 % UDP, both
/// directions, 2 µs apart (so a pass over 4M packets spans 8 s: no flow times out).
std::vector<PacketMeta> make_packets(std::size_t flows, std::size_t packets) {
    std::mt19937_64 rng(12345);
    std::vector<PacketMeta> out(packets);
    std::uniform_int_distribution<std::size_t> pick(0, flows - 1);
    for (std::size_t i = 0; i < packets; ++i) {
        const std::size_t f = pick(rng);
        PacketMeta& m = out[i];
        m.ts_us = kStart + static_cast<Micros>(i) * 2;
        const bool fwd = (rng() & 3) != 0;
        const auto client = static_cast<std::uint32_t>(0x0A000000u + (f >> 8));
        const auto server = static_cast<std::uint32_t>(0xC0A80000u + (f & 0xFF));
        const std::uint32_t a = fwd ? client : server;
        const std::uint32_t b = fwd ? server : client;
        for (int k = 0; k < 4; ++k) {
            m.src_ip[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(a >> (24 - 8 * k));
            m.dst_ip[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(b >> (24 - 8 * k));
        }
        const auto cport = static_cast<std::uint16_t>(1024 + (f % 60000));
        const std::uint16_t sport = (f % 10 < 7) ? 443 : 53;
        m.src_port = fwd ? cport : sport;
        m.dst_port = fwd ? sport : cport;
        m.flags = fm::decode::kL4Decoded;
        if (f % 10 < 7) {
            m.protocol = 6;
            m.l4_header_len = 32;
            m.tcp_flags = fm::decode::kAck | ((rng() & 7) == 0 ? fm::decode::kPsh : 0);
            m.payload_len = static_cast<std::uint32_t>(rng() % 1461);
            m.window = static_cast<std::uint16_t>(500 + rng() % 60000);
            m.seq = static_cast<std::uint32_t>(rng());
            m.ack = static_cast<std::uint32_t>(rng());
        } else {
            m.protocol = 17;
            m.l4_header_len = 8;
            m.payload_len = static_cast<std::uint32_t>(rng() % 512);
        }
        m.frame_payload_len = m.payload_len;
    }
    return out;
}

/// Args: {concurrent flows, profile (0 = fixed, 1 = v4), hashed}. hashed = 1: the packets carry
/// their flow key hash, as a capture lane hands them to a worker in the pipeline (the worker's
/// own cost); 0: the engine computes it (a worker reading its own NIC queue).
void BM_FlowUpdate(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const fm::Profile profile = state.range(1) == 0 ? fm::Profile::Fixed : fm::Profile::V4;
    const std::size_t packets = std::max<std::size_t>(4 * flows, std::size_t{1} << 21);
    std::vector<PacketMeta> all = make_packets(flows, packets);
    if (state.range(2) != 0) {
        for (PacketMeta& m : all) {
            fm::flow::stamp_key_hash(m, fm::features::compat_for(profile),
                                     fm::flow::ordered_when_same_ip(profile));
        }
    }

    fm::config::FlowConfig cfg;
    cfg.profile = profile;
    CountingSink sink;
    auto engine = std::make_unique<fm::flow::FlowEngine>(cfg, sink, flows + flows / 4);
    // Warm-up pass: every flow exists before timing starts.
    for (std::size_t off = 0; off < all.size(); off += kBatch) {
        const std::size_t n = std::min(kBatch, all.size() - off);
        engine->process(std::span<const PacketMeta>(all.data() + off, n));
    }

    std::vector<PacketMeta> batch(kBatch);
    std::size_t off = 0;
    Micros shift = static_cast<Micros>(packets) * 2;
    std::uint64_t processed = 0;
    for (auto _ : state) {
        const std::size_t n = std::min(kBatch, all.size() - off);
        for (std::size_t i = 0; i < n; ++i) {
            batch[i] = all[off + i];
            batch[i].ts_us += shift;
        }
        engine->process(std::span<const PacketMeta>(batch.data(), n));
        processed += n;
        off += n;
        if (off == all.size()) {
            off = 0;
            shift += static_cast<Micros>(packets) * 2;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(processed));
    state.counters["flows"] = static_cast<double>(engine->active_flows());
    state.counters["bytes_per_flow"] = static_cast<double>(engine->bytes_per_flow());
    benchmark::DoNotOptimize(sink.rows());
}

// Axis 1: concurrent flows (cache-resident, L2/L3-sized, DRAM-sized table).
// Axis 2: profile (fixed keeps the retransmission memory, v4 does not).
// Axis 3: key hash computed by the capture lane (the pipeline) or by the engine.
BENCHMARK(BM_FlowUpdate)
    ->ArgsProduct({{1000, 100'000, 1'000'000}, {0, 1}, {1, 0}})
    ->ArgNames({"flows", "v4", "hashed"})
    ->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
