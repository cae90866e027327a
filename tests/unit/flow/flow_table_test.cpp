// SPDX-License-Identifier: BSD-3-Clause
// FlowTable (insert/find/erase under collisions, full table) and the FlowEngine's table-level
// behaviour: eviction when full, expire() leaving the set of rows unchanged, drain, shard
// independence, batching of rows, and the per-flow memory bound.
#include "flow/flow_table.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../features/test_packets.hpp"
#include "config/config.hpp"
#include "features/flow_features.hpp"
#include "flow/flow_engine.hpp"
#include "flow/flow_tuple.hpp"

namespace fm::flow {
namespace {

using test::kT0;
using test::udp;

TEST(FlowTable, InsertFindEraseWithCollidingHashes) {
    FlowTable table(8);
    std::map<std::uint32_t, int> owner;  // pool index -> logical key
    // All hashes share the home slot: one long probe cluster.
    const auto hash = [](int key) {
        return (std::uint64_t{static_cast<unsigned>(key)} << 40) | 5u;
    };
    std::vector<std::uint32_t> idx;
    for (int k = 0; k < 8; ++k) {
        idx.push_back(table.insert(hash(k)));
        owner[idx.back()] = k;
    }
    EXPECT_TRUE(table.full());
    for (int k = 0; k < 8; ++k) {
        const auto found = table.find(hash(k), [&](std::uint32_t i) { return owner[i] == k; });
        EXPECT_EQ(found, idx[static_cast<std::size_t>(k)]);
    }
    table.erase(idx[3], hash(3));
    table.erase(idx[0], hash(0));
    EXPECT_EQ(table.size(), 6u);
    for (int k = 0; k < 8; ++k) {
        const auto found = table.find(hash(k), [&](std::uint32_t i) { return owner[i] == k; });
        if (k == 3 || k == 0) {
            EXPECT_EQ(found, FlowTable::kNone);
        } else {
            EXPECT_EQ(found, idx[static_cast<std::size_t>(k)]);
        }
    }
}

TEST(FlowTable, RandomChurnMatchesReferenceMap) {
    FlowTable table(64);
    std::mt19937_64 rng(42);
    std::map<std::uint64_t, std::uint32_t> live;  // hash -> index
    std::map<std::uint32_t, std::uint64_t> by_index;
    for (int step = 0; step < 20000; ++step) {
        const std::uint64_t h = rng() % 97 * 0x1000193u;  // few distinct keys, many collisions
        const auto found = table.find(h, [&](std::uint32_t i) { return by_index.at(i) == h; });
        const auto it = live.find(h);
        ASSERT_EQ(found == FlowTable::kNone, it == live.end());
        if (it != live.end()) {
            ASSERT_EQ(found, it->second);
            if (rng() % 2 == 0) {
                table.erase(found, h);
                by_index.erase(found);
                live.erase(it);
            }
        } else if (!table.full()) {
            const auto i = table.insert(h);
            live[h] = i;
            by_index[i] = h;
        }
    }
}

TEST(FlowKey, BothDirectionsHashTheSameAndKnowTheirEndpoint) {
    for (Profile p : {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed}) {
        auto a = udp(kT0, {"10.0.0.1", 1234}, {"10.0.0.2", 53}, 10);
        auto b = udp(kT0, {"10.0.0.2", 53}, {"10.0.0.1", 1234}, 10);
        const features::CicCompat& c = features::compat_for(p);
        const bool ordered = ordered_when_same_ip(p);
        EXPECT_EQ(stamp_key_hash(a, c, ordered), stamp_key_hash(b, c, ordered));
        EXPECT_TRUE(a.has(decode::kKeyHashed) && b.has(decode::kKeyHashed));
        EXPECT_NE(a.has(decode::kKeyPacketFirst), b.has(decode::kKeyPacketFirst));
        auto other = udp(kT0, {"10.0.0.1", 1235}, {"10.0.0.2", 53}, 10);
        EXPECT_NE(stamp_key_hash(other, c, ordered), a.key_hash);
    }
    // ICMP is read as protocol 0 in v4 and 1 in fixed, so the keys (and hashes) differ.
    auto e4 = test::icmp(kT0, "10.0.0.1", "10.0.0.2", 8, 0);
    auto ef = e4;
    EXPECT_NE(stamp_key_hash(e4, features::compat_for(Profile::V4), false),
              stamp_key_hash(ef, features::compat_for(Profile::Fixed), false));
}

TEST(FlowState, PerFlowMemoryBound) {
    static_assert(sizeof(features::FlowFeatures) <= 640);
    test::VectorSink sink;
    config::FlowConfig cfg;
    cfg.profile = Profile::V4;
    FlowEngine v4(cfg, sink, 16);
    EXPECT_LE(v4.bytes_per_flow(), 640u + 16u);
}

std::vector<decode::PacketMeta> many_udp_flows(int flows, int packets_each, Micros spacing) {
    std::vector<decode::PacketMeta> p;
    for (int k = 0; k < packets_each; ++k) {
        for (int f = 0; f < flows; ++f) {
            const auto port = static_cast<std::uint16_t>(1000 + f);
            const Micros t = kT0 + (k * flows + f) * spacing;
            if (k % 2 == 0) {
                p.push_back(udp(t, {"10.1.0.1", port}, {"10.2.0.1", 53}, 10 + k));
            } else {
                p.push_back(udp(t, {"10.2.0.1", 53}, {"10.1.0.1", port}, 20 + k));
            }
        }
    }
    return p;
}

std::multiset<std::string> lines(const std::vector<features::FeatureRow>& rows, Profile p) {
    std::multiset<std::string> out;
    for (const auto& r : rows) {
        out.insert(test::PrintedRow(r, p).line());
    }
    return out;
}

TEST(FlowEngine, TableFullEvictsAndCounts) {
    test::VectorSink sink;
    config::FlowConfig cfg;
    cfg.profile = Profile::Fixed;
    FlowEngine engine(cfg, sink, 4);
    const auto packets = many_udp_flows(10, 1, 1000);
    engine.process(packets);
    EXPECT_EQ(engine.counters().evicted_table_full, 6u);
    EXPECT_EQ(engine.active_flows(), 4u);
    engine.drain();
    // Nothing is lost: every flow is written (fixed writes single-packet flows).
    EXPECT_EQ(sink.rows().size(), 10u);
    EXPECT_EQ(engine.counters().rows_emitted, 10u);
    EXPECT_EQ(engine.active_flows(), 0u);
}

TEST(FlowEngine, RowsHandedOverInBatches) {
    test::VectorSink sink;
    config::FlowConfig cfg;
    cfg.profile = Profile::Fixed;
    FlowEngine engine(cfg, sink, 1024);
    engine.process(many_udp_flows(200, 1, 10));
    engine.drain();
    EXPECT_EQ(sink.rows().size(), 200u);
    EXPECT_LE(sink.batches(), 200u / FlowEngine::kRowBatch + 1);
}

class ExpireInvariance : public ::testing::TestWithParam<Profile> {};

TEST_P(ExpireInvariance, ExpireNeverChangesTheRows) {
    const Profile profile = GetParam();
    // Flows that go quiet for longer than the flow timeout and then talk again, in both
    // directions, so the continuation's inherited direction matters.
    std::vector<decode::PacketMeta> packets;
    for (int f = 0; f < 20; ++f) {
        const auto port = static_cast<std::uint16_t>(2000 + f);
        const Micros base = kT0 + f * 1000;
        packets.push_back(udp(base, {"10.1.0.1", port}, {"10.2.0.1", 53}, 10));
        packets.push_back(udp(base + 500, {"10.2.0.1", 53}, {"10.1.0.1", port}, 30));
        const Micros later = base + 200'000'000;
        packets.push_back(udp(later, {"10.2.0.1", 53}, {"10.1.0.1", port}, 40));
        packets.push_back(udp(later + 700, {"10.1.0.1", port}, {"10.2.0.1", 53}, 50));
        packets.push_back(
            test::tcp(base, {"10.3.0.1", port}, {"10.4.0.1", 80}, decode::kAck, 5, 100, 20, 1, 1));
        packets.push_back(test::tcp(later + 900, {"10.4.0.1", 80}, {"10.3.0.1", port}, decode::kAck,
                                    6, 200, 20, 2, 2));
        packets.push_back(test::tcp(later + 950, {"10.3.0.1", port}, {"10.4.0.1", 80}, decode::kAck,
                                    7, 100, 20, 3, 3));
    }
    std::stable_sort(packets.begin(), packets.end(),
                     [](const auto& a, const auto& b) { return a.ts_us < b.ts_us; });
    config::FlowConfig cfg;
    cfg.profile = profile;

    test::VectorSink plain_sink;
    FlowEngine plain(cfg, plain_sink, 256);
    plain.process(packets);
    plain.drain();

    test::VectorSink expiring_sink;
    FlowEngine expiring(cfg, expiring_sink, 256);
    for (const auto& m : packets) {
        expiring.expire(m.ts_us);  // a clock that never runs ahead of the packets
        expiring.process(std::span<const decode::PacketMeta>(&m, 1));
    }
    expiring.drain();
    EXPECT_GT(expiring.counters().expired_timeout, 0u);
    EXPECT_EQ(expiring.counters().expired_idle, 0u) << "no idle timeout is set";
    EXPECT_EQ(lines(plain_sink.rows(), profile), lines(expiring_sink.rows(), profile));
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, ExpireInvariance,
                         ::testing::Values(Profile::Cic2017, Profile::Cic2018, Profile::V4,
                                           Profile::Fixed));

TEST(FlowEngine, ShardingByTupleGivesSameRows) {
    const auto packets = many_udp_flows(50, 6, 100);
    for (Profile profile : {Profile::V4, Profile::Fixed, Profile::Cic2018}) {
        config::FlowConfig cfg;
        cfg.profile = profile;
        test::VectorSink one_sink;
        FlowEngine one(cfg, one_sink, 1024);
        one.process(packets);
        one.drain();

        test::VectorSink shard_sink[3];
        std::vector<std::unique_ptr<FlowEngine>> shards;
        for (auto& s : shard_sink) {
            shards.push_back(std::make_unique<FlowEngine>(cfg, s, 1024));
        }
        for (decode::PacketMeta m : packets) {
            // Steered as a capture lane steers: by the flow key hash, which the engine reuses.
            const std::uint64_t hash =
                stamp_key_hash(m, features::compat_for(profile), ordered_when_same_ip(profile));
            shards[(hash >> 32) % 3]->process(std::span<const decode::PacketMeta>(&m, 1));
        }
        std::vector<features::FeatureRow> all;
        for (std::size_t i = 0; i < 3; ++i) {
            shards[i]->drain();
            all.insert(all.end(), shard_sink[i].rows().begin(), shard_sink[i].rows().end());
        }
        EXPECT_EQ(lines(one_sink.rows(), profile), lines(all, profile));
    }
}

TEST(FlowEngine, DrainEmitsAndResets) {
    test::VectorSink sink;
    config::FlowConfig cfg;
    cfg.profile = Profile::V4;
    FlowEngine engine(cfg, sink, 64);
    engine.process(many_udp_flows(5, 2, 100));
    EXPECT_EQ(engine.active_flows(), 5u);
    engine.drain();
    EXPECT_EQ(sink.rows().size(), 5u);
    EXPECT_EQ(engine.active_flows(), 0u);
    engine.process(many_udp_flows(5, 1, 100));
    engine.drain();
    EXPECT_EQ(engine.counters().dropped_single_packet, 5u);
    EXPECT_EQ(sink.rows().size(), 5u);
}

}  // namespace
}  // namespace fm::flow
