// SPDX-License-Identifier: BSD-3-Clause
// Cost of decoding one frame: Ethernet/IPv4/TCP, Ethernet/IPv6/UDP, 802.1Q-tagged IPv4/TCP and
// malformed frames (truncated at random points, corrupted header bytes). Frames are built with
// flowgen before the timed loop, held in memory and cycled; items processed = packets.
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "flowgen/packet_builder.hpp"

namespace {

enum class Kind { Ipv4Tcp, Ipv6Udp, Vlan, Malformed };

// One capture batch worth of frames (RawBatch::kCapacity): in a real run the frames a decoder
// sees were just written to the reader's arena, so they are cache-warm as they are here.
constexpr std::size_t kFrames = 256;  // power of two: the loop index is masked

struct Corpus {
    std::vector<std::uint8_t> bytes;
    std::vector<fm::capture::RawPacketView> views;
};

Corpus make_corpus(Kind kind) {
    std::mt19937 rng(7);
    std::vector<std::array<std::uint8_t, fm::flowgen::kMaxFrameLen>> frames(kFrames);
    std::vector<std::size_t> lens(kFrames);
    std::array<std::uint8_t, 1400> payload{};
    for (std::size_t i = 0; i < kFrames; ++i) {
        fm::flowgen::FrameSpec spec;
        spec.ipv6 = kind == Kind::Ipv6Udp;
        spec.protocol = kind == Kind::Ipv6Udp ? fm::flowgen::kProtoUdp : fm::flowgen::kProtoTcp;
        spec.src_ip[0] = 10;
        spec.src_ip[3] = static_cast<std::uint8_t>(rng());
        spec.dst_ip[0] = 10;
        spec.dst_ip[3] = static_cast<std::uint8_t>(rng());
        spec.src_port = static_cast<std::uint16_t>(1024 + rng() % 60000);
        spec.dst_port = 443;
        spec.tcp_flags = fm::flowgen::kTcpAck | fm::flowgen::kTcpPsh;
        spec.window = 512;
        spec.payload = payload.data();
        spec.payload_len = static_cast<std::uint32_t>(rng() % 1200);
        spec.vlan_id = kind == Kind::Vlan ? 100 : 0;
        lens[i] = fm::flowgen::build_frame(spec, frames[i].data());
        if (kind == Kind::Malformed) {
            // Half cut inside the headers, half with a corrupted IP or TCP header byte.
            if (i % 2 == 0) {
                lens[i] = rng() % 54;
            } else {
                frames[i][14 + rng() % 40] = static_cast<std::uint8_t>(rng());
            }
        }
    }
    Corpus c;
    c.bytes.reserve(kFrames * fm::flowgen::kMaxFrameLen);
    std::vector<std::size_t> offsets(kFrames);
    for (std::size_t i = 0; i < kFrames; ++i) {
        offsets[i] = c.bytes.size();
        c.bytes.insert(c.bytes.end(), frames[i].begin(), frames[i].begin() + lens[i]);
    }
    c.views.resize(kFrames);
    for (std::size_t i = 0; i < kFrames; ++i) {
        fm::capture::RawPacketView& v = c.views[i];
        v.ts_us = static_cast<fm::Micros>(i);
        v.data = c.bytes.data() + offsets[i];
        v.cap_len = static_cast<std::uint32_t>(lens[i]);
        v.wire_len = v.cap_len;
        v.link_type = 1;  // Ethernet
    }
    return c;
}

void BM_Decode(benchmark::State& state, Kind kind) {
    const Corpus corpus = make_corpus(kind);
    fm::config::DecodeConfig cfg;
    cfg.ipv6 = true;
    fm::decode::Decoder decoder(cfg);
    fm::decode::PacketMeta meta;
    std::size_t i = 0;
    std::uint64_t bytes = 0;
    for (auto _ : state) {
        const fm::capture::RawPacketView& v = corpus.views[i++ & (kFrames - 1)];
        benchmark::DoNotOptimize(decoder.decode(v, meta));
        benchmark::DoNotOptimize(meta);
        bytes += v.cap_len;
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["ok_share"] =
        static_cast<double>(decoder.counters().value(fm::decode::DecodeStatus::Ok)) /
        static_cast<double>(decoder.counters().total());
}
BENCHMARK_CAPTURE(BM_Decode, ipv4_tcp, Kind::Ipv4Tcp);
BENCHMARK_CAPTURE(BM_Decode, ipv6_udp, Kind::Ipv6Udp);
BENCHMARK_CAPTURE(BM_Decode, vlan, Kind::Vlan);
BENCHMARK_CAPTURE(BM_Decode, malformed, Kind::Malformed);

}  // namespace

BENCHMARK_MAIN();
