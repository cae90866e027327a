// SPDX-License-Identifier: BSD-3-Clause
// FlowFeatures on its own (no engine, no table): packet sequences fed to start() and add(), then
// the fields finalize() writes, as the profile prints them.
#include "features/flow_features.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../features/test_packets.hpp"
#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"
#include "features/feature_row.hpp"

namespace fm::features {
namespace {

using test::kT0;
using test::PrintedRow;

constexpr Micros kActivityTimeout = 5'000'000;

/// Starts a flow with the first packet (in `mode`), adds the rest, and prints the row.
PrintedRow run(Profile profile, const std::vector<decode::PacketMeta>& packets,
               StartMode mode = StartMode::OwnDirection) {
    const CicCompat& c = compat_for(profile);
    FlowFeatures f;
    f.start(read_packet(packets.front(), c), c, mode, nullptr);
    for (std::size_t i = 1; i < packets.size(); ++i) {
        f.add(read_packet(packets[i], c), c, kActivityTimeout, nullptr);
    }
    FeatureRow row;
    f.finalize(profile, row);
    return PrintedRow(row, profile);
}

const test::Endpoint kClient{"10.0.0.1", 40000};
const test::Endpoint kServer{"10.0.0.2", 53};

TEST(FlowFeatures, DirectionsCountsAndDuration) {
    const PrintedRow r = run(Profile::Fixed, {
                                                 test::udp(kT0, kClient, kServer, 10),
                                                 test::udp(kT0 + 1000, kServer, kClient, 30),
                                                 test::udp(kT0 + 3000, kClient, kServer, 20),
                                             });
    EXPECT_EQ(r["Src IP"], "10.0.0.1");
    EXPECT_EQ(r["Dst IP"], "10.0.0.2");
    EXPECT_EQ(r["Src Port"], "40000");
    EXPECT_EQ(r["Dst Port"], "53");
    EXPECT_EQ(r["Protocol"], "17");
    EXPECT_EQ(r["Flow Duration"], "3000");
    EXPECT_EQ(r["Total Fwd Packet"], "2");
    EXPECT_EQ(r["Total Bwd packets"], "1");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "30.0");
    EXPECT_EQ(r["Total Length of Bwd Packet"], "30.0");
    EXPECT_EQ(r["Fwd Packet Length Max"], "20.0");
    EXPECT_EQ(r["Fwd Packet Length Min"], "10.0");
    EXPECT_EQ(r["Flow IAT Max"], "2000.0");
    EXPECT_EQ(r["Flow IAT Min"], "1000.0");
    EXPECT_EQ(r["Fwd IAT Total"], "3000.0");
}

TEST(FlowFeatures, ReversedStartMakesTheDestinationTheSource) {
    const PrintedRow r = run(Profile::Fixed,
                             {
                                 test::udp(kT0, kServer, kClient, 30),
                                 test::udp(kT0 + 500, kClient, kServer, 10),
                             },
                             StartMode::Reversed);
    EXPECT_EQ(r["Src IP"], "10.0.0.1");
    EXPECT_EQ(r["Src Port"], "40000");
    EXPECT_EQ(r["Total Fwd Packet"], "1");
    EXPECT_EQ(r["Total Bwd packets"], "1");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "10.0");
    EXPECT_EQ(r["Total Length of Bwd Packet"], "30.0");
    EXPECT_EQ(r["Flow Duration"], "500");
}

TEST(FlowFeatures, SinglePacketFlow) {
    const PrintedRow r = run(Profile::Fixed, {test::udp(kT0, kClient, kServer, 12)});
    EXPECT_EQ(r["Flow Duration"], "0");
    EXPECT_EQ(r["Total Fwd Packet"], "1");
    EXPECT_EQ(r["Total Bwd packets"], "0");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "12.0");
    EXPECT_EQ(r["Total Length of Bwd Packet"], "0.0");
}

TEST(FlowFeatures, TcpFlagsAreCounted) {
    const PrintedRow r =
        run(Profile::Fixed,
            {
                test::tcp(kT0, kClient, kServer, decode::kSyn, 0, 64240),
                test::tcp(kT0 + 100, kServer, kClient, decode::kSyn | decode::kAck, 0, 65160),
                test::tcp(kT0 + 200, kClient, kServer, decode::kAck, 0, 502),
                test::tcp(kT0 + 300, kClient, kServer, decode::kPsh | decode::kAck, 40, 502),
            });
    EXPECT_EQ(r["Protocol"], "6");
    EXPECT_EQ(r["SYN Flag Count"], "2");
    EXPECT_EQ(r["ACK Flag Count"], "3");
    EXPECT_EQ(r["PSH Flag Count"], "1");
    EXPECT_EQ(r["FIN Flag Count"], "0");
    EXPECT_EQ(r["RST Flag Count"], "0");
    EXPECT_EQ(r["FWD Init Win Bytes"], "64240");
    EXPECT_EQ(r["Bwd Init Win Bytes"], "65160");
    EXPECT_EQ(r["Total Fwd Packet"], "3");
    EXPECT_EQ(r["Total Bwd packets"], "1");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "40.0");
}

TEST(FlowFeatures, StartResetsEverythingOfAnEarlierFlow) {
    const CicCompat& c = compat_for(Profile::Fixed);
    FlowFeatures f;
    f.start(read_packet(test::udp(kT0, kClient, kServer, 100), c), c, StartMode::OwnDirection,
            nullptr);
    f.add(read_packet(test::udp(kT0 + 10, kServer, kClient, 200), c), c, kActivityTimeout, nullptr);
    f.start(read_packet(test::udp(kT0 + 50, kClient, kServer, 7), c), c, StartMode::OwnDirection,
            nullptr);
    EXPECT_EQ(f.total_packets(), 1U);
    EXPECT_EQ(f.duration(), 0);
    FeatureRow row;
    f.finalize(Profile::Fixed, row);
    const PrintedRow r(row, Profile::Fixed);
    EXPECT_EQ(r["Total Bwd packets"], "0");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "7.0");
}

}  // namespace
}  // namespace fm::features
