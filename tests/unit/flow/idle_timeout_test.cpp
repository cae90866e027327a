// SPDX-License-Identifier: BSD-3-Clause
// flow.idle_timeout_s in the FlowEngine: off by default, in every profile a silence longer than
// the idle timeout ends the flow (at its next packet or in expire()), counted as
// flow.expired_idle, and the rows never depend on when expire() runs. And how the end of the
// input counts what it ends (open flows apart from torn-down connections).
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../features/test_packets.hpp"
#include "config/config.hpp"
#include "flow/flow_engine.hpp"

namespace fm::flow {
namespace {

using test::kT0;
using test::udp;

std::multiset<std::string> lines(const std::vector<features::FeatureRow>& rows, Profile p) {
    std::multiset<std::string> out;
    for (const auto& r : rows) {
        out.insert(test::PrintedRow(r, p).line());
    }
    return out;
}

/// One UDP conversation of 2 + 2 packets with a 3 s silence in the middle, and one TCP
/// conversation with the same gap; everything well inside the 120 s flow timeout.
std::vector<decode::PacketMeta> conversations_with_gap() {
    constexpr Micros kGap = 3 * kMicrosPerSecond;
    std::vector<decode::PacketMeta> p;
    p.push_back(udp(kT0, {"10.0.0.1", 4000}, {"10.0.0.2", 53}, 10));
    p.push_back(udp(kT0 + 1000, {"10.0.0.2", 53}, {"10.0.0.1", 4000}, 20));
    p.push_back(test::tcp(kT0 + 2000, {"10.0.1.1", 5000}, {"10.0.1.2", 80}, decode::kAck, 1, 100,
                          20, 1, 1));
    p.push_back(test::tcp(kT0 + 3000, {"10.0.1.2", 80}, {"10.0.1.1", 5000}, decode::kAck, 2, 200,
                          20, 2, 2));
    p.push_back(udp(kT0 + kGap, {"10.0.0.2", 53}, {"10.0.0.1", 4000}, 30));
    p.push_back(udp(kT0 + kGap + 1000, {"10.0.0.1", 4000}, {"10.0.0.2", 53}, 40));
    p.push_back(test::tcp(kT0 + kGap + 2000, {"10.0.1.1", 5000}, {"10.0.1.2", 80}, decode::kAck, 3,
                          100, 20, 3, 3));
    p.push_back(test::tcp(kT0 + kGap + 3000, {"10.0.1.2", 80}, {"10.0.1.1", 5000}, decode::kAck, 4,
                          200, 20, 4, 4));
    return p;
}

struct EngineRun {
    std::vector<features::FeatureRow> rows;
    FlowCounters counters;
};

EngineRun run(Profile profile, Micros idle_us, bool expire_every_packet) {
    config::FlowConfig cfg;
    cfg.profile = profile;
    cfg.idle_timeout_us = idle_us;
    test::VectorSink sink;
    FlowEngine engine(cfg, sink, 64);
    for (const auto& m : conversations_with_gap()) {
        if (expire_every_packet) {
            engine.expire(m.ts_us);  // a clock that never runs ahead of the packets
        }
        engine.process(std::span<const decode::PacketMeta>(&m, 1));
    }
    engine.drain();
    return {sink.rows(), engine.counters()};
}

class IdleTimeout : public ::testing::TestWithParam<Profile> {};

TEST_P(IdleTimeout, OffByDefault) {
    EXPECT_EQ(config::FlowConfig{}.idle_timeout_us, 0);
    const EngineRun r = run(GetParam(), 0, true);
    EXPECT_EQ(r.rows.size(), 2u) << "a 3 s silence does not end a flow without idle timeout";
    EXPECT_EQ(r.counters.expired_idle, 0u);
}

TEST_P(IdleTimeout, SilenceLongerThanTheIdleTimeoutEndsTheFlow) {
    const EngineRun r = run(GetParam(), 2 * kMicrosPerSecond, false);
    EXPECT_EQ(r.rows.size(), 4u) << "each conversation splits at its 3 s silence";
    EXPECT_EQ(r.counters.expired_idle, 2u);
    EXPECT_EQ(r.counters.flows_created, 4u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.int_value(features::Column::TotFwdPkts), 1)
            << test::PrintedRow(row, GetParam()).line();
    }
}

TEST_P(IdleTimeout, SilenceShorterThanTheIdleTimeoutKeepsTheFlow) {
    const EngineRun r = run(GetParam(), 4 * kMicrosPerSecond, true);
    EXPECT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.counters.expired_idle, 0u);
}

TEST_P(IdleTimeout, ExpireEndsSilentFlowsWithoutAnotherPacket) {
    config::FlowConfig cfg;
    cfg.profile = GetParam();
    cfg.idle_timeout_us = kMicrosPerSecond;
    test::VectorSink sink;
    FlowEngine engine(cfg, sink, 64);
    const auto packets = conversations_with_gap();
    engine.process(std::span<const decode::PacketMeta>(packets.data(), 4));
    engine.expire(kT0 + kMicrosPerSecond / 2);
    EXPECT_EQ(engine.active_flows(), 2u) << "not silent for long enough yet";
    engine.expire(kT0 + 2 * kMicrosPerSecond);
    EXPECT_EQ(engine.active_flows(), 0u);
    EXPECT_EQ(engine.counters().expired_idle, 2u);
    EXPECT_EQ(sink.rows().size(), 2u) << "rows written at expiry, not at the end of input";
}

TEST_P(IdleTimeout, ExpireNeverChangesTheRows) {
    const Profile profile = GetParam();
    const EngineRun at_packets = run(profile, 2 * kMicrosPerSecond, false);
    const EngineRun with_expire = run(profile, 2 * kMicrosPerSecond, true);
    EXPECT_EQ(lines(at_packets.rows, profile), lines(with_expire.rows, profile));
    EXPECT_EQ(at_packets.counters.expired_idle, with_expire.counters.expired_idle);
}

TEST(EndOfInput, TornDownConnectionsAreNotCountedAsOpen) {
    // fixed keeps a connection after its RST until a new SYN (§3.3): at the end of the input
    // it is written, but "active flows at end of input" (flow.ended_drain) must not count it.
    config::FlowConfig cfg;
    cfg.profile = Profile::Fixed;
    test::VectorSink sink;
    FlowEngine engine(cfg, sink, 64);
    const std::vector<decode::PacketMeta> packets = {
        test::tcp(kT0, {"10.0.2.1", 6000}, {"10.0.2.2", 80}, decode::kSyn, 0, 0, 20, 1, 0),
        test::tcp(kT0 + 10, {"10.0.2.2", 80}, {"10.0.2.1", 6000}, decode::kRst | decode::kAck, 0, 0,
                  20, 1, 2),
        test::tcp(kT0 + 20, {"10.0.3.1", 6001}, {"10.0.3.2", 80}, decode::kSyn, 0, 0, 20, 1, 0),
    };
    engine.process(packets);
    engine.drain();
    EXPECT_EQ(engine.counters().ended_drain, 1u) << "only the second connection was open";
    EXPECT_EQ(engine.counters().ended_drain_torn_down, 1u);
    EXPECT_EQ(sink.rows().size(), 2u) << "both are written";
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, IdleTimeout,
                         ::testing::Values(Profile::Cic2017, Profile::Cic2018, Profile::V4,
                                           Profile::Fixed));

}  // namespace
}  // namespace fm::flow
