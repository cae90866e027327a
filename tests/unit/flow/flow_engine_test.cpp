// SPDX-License-Identifier: BSD-3-Clause
// FlowEngine against the spec's worked examples (§6 A-G) and every life-cycle quirk of
// features/cic_compat.hpp, with packets built in code. Expected values are the spec's [ran]
// figures, checked as the exact CSV text each profile prints.
#include "flow/flow_engine.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../features/test_packets.hpp"
#include "config/config.hpp"
#include "decode/packet_meta.hpp"

namespace fm::flow {
namespace {

using decode::kAck;
using decode::kCwr;
using decode::kEce;
using decode::kFin;
using decode::kPsh;
using decode::kRst;
using decode::kSyn;
using decode::kUrg;
using test::Endpoint;
using test::kT0;
using test::PrintedRow;
using test::tcp;
using test::udp;

constexpr Endpoint kClient{"192.168.10.5", 40001};
constexpr Endpoint kServer{"10.0.0.80", 80};
constexpr std::uint16_t kCw = 64240;
constexpr std::uint16_t kSw = 65160;

std::vector<PrintedRow> run(Profile profile, const std::vector<decode::PacketMeta>& packets,
                            const char* tz = "UTC") {
    test::VectorSink sink;
    config::FlowConfig cfg;
    cfg.profile = profile;
    FlowEngine engine(cfg, sink, 1024);
    engine.process(packets);
    engine.drain();
    std::vector<features::FeatureRow> rows = sink.rows();
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first_ts_us < b.first_ts_us; });
    std::vector<PrintedRow> out;
    for (const auto& r : rows) {
        out.emplace_back(r, profile, tz);
    }
    return out;
}

/// Handshake and data exchange shared by examples A and B (packets 1 ms apart).
std::vector<decode::PacketMeta> handshake_and_data() {
    const auto t = [](int i) {
        return kT0 + i * 1000;
    };
    return {
        tcp(t(0), kClient, kServer, kSyn, 0, kCw, 40),
        tcp(t(1), kServer, kClient, kSyn | kAck, 0, kSw),
        tcp(t(2), kClient, kServer, kAck, 0, kCw),
        tcp(t(3), kClient, kServer, kPsh | kAck, 100, kCw),
        tcp(t(4), kServer, kClient, kAck, 0, kSw),
        tcp(t(5), kServer, kClient, kPsh | kAck, 1000, kSw),
        tcp(t(6), kClient, kServer, kAck, 0, kCw),
    };
}

/// Example A: the client closes first.
std::vector<decode::PacketMeta> example_a() {
    auto p = handshake_and_data();
    const auto t = [](int i) {
        return kT0 + i * 1000;
    };
    p.push_back(tcp(t(7), kClient, kServer, kFin | kAck, 0, kCw));
    p.push_back(tcp(t(8), kServer, kClient, kAck, 0, kSw));
    p.push_back(tcp(t(9), kServer, kClient, kFin | kAck, 0, kSw));
    p.push_back(tcp(t(10), kClient, kServer, kAck, 0, kCw));
    return p;
}

/// Example B: the server closes first.
std::vector<decode::PacketMeta> example_b() {
    auto p = handshake_and_data();
    const auto t = [](int i) {
        return kT0 + i * 1000;
    };
    p.push_back(tcp(t(7), kServer, kClient, kFin | kAck, 0, kSw));
    p.push_back(tcp(t(8), kClient, kServer, kAck, 0, kCw));
    p.push_back(tcp(t(9), kClient, kServer, kFin | kAck, 0, kCw));
    p.push_back(tcp(t(10), kServer, kClient, kAck, 0, kSw));
    return p;
}

TEST(WorkedExampleA, V4OneRowFinalAckDropped) {
    const auto rows = run(Profile::V4, example_a());
    ASSERT_EQ(rows.size(), 1u);
    const PrintedRow& r = rows[0];
    EXPECT_EQ(r["Flow ID"], "192.168.10.5-10.0.0.80-40001-80-6");
    EXPECT_EQ(r["Timestamp"], "14/07/2017 02:40:00 AM");
    EXPECT_EQ(r["Flow Duration"], "9000");
    EXPECT_EQ(r["Total Fwd Packet"], "5");
    EXPECT_EQ(r["Total Bwd packets"], "5");
    EXPECT_EQ(r["Total Length of Fwd Packet"], "100.0");
    EXPECT_EQ(r["Total Length of Bwd Packet"], "1000.0");
    EXPECT_EQ(r["Fwd Packet Length Mean"], "20.0");
    EXPECT_EQ(r["Fwd Packet Length Std"], "44.721359549995796");
    EXPECT_EQ(r["Flow Bytes/s"], "122222.22222222223");
    EXPECT_EQ(r["Flow Packets/s"], "1111.111111111111");
    EXPECT_EQ(r["Flow IAT Mean"], "1000.0");
    EXPECT_EQ(r["Flow IAT Std"], "0.0");
    EXPECT_EQ(r["Flow IAT Max"], "1000.0");
    EXPECT_EQ(r["Flow IAT Min"], "1000.0");
    EXPECT_EQ(r["Fwd IAT Total"], "7000.0");
    EXPECT_EQ(r["Fwd Header Length"], "120");
    EXPECT_EQ(r["Bwd Header Length"], "100");
    EXPECT_EQ(r["Packet Length Mean"], "100.0");
    EXPECT_EQ(r["Packet Length Std"], "300.0");
    EXPECT_EQ(r["Packet Length Variance"], "90000.0");
    EXPECT_EQ(r["FIN Flag Count"], "2");
    EXPECT_EQ(r["SYN Flag Count"], "2");
    EXPECT_EQ(r["RST Flag Count"], "0");
    EXPECT_EQ(r["PSH Flag Count"], "2");
    EXPECT_EQ(r["ACK Flag Count"], "9");
    EXPECT_EQ(r["Fwd PSH Flags"], "0");
    EXPECT_EQ(r["Bwd PSH Flags"], "0");
    EXPECT_EQ(r["Down/Up Ratio"], "1.0");
    EXPECT_EQ(r["Average Packet Size"], "110.0");
    EXPECT_EQ(r["FWD Init Win Bytes"], "64240");
    EXPECT_EQ(r["Bwd Init Win Bytes"], "65160");
    EXPECT_EQ(r["Fwd Act Data Pkts"], "1");
    EXPECT_EQ(r["Fwd Seg Size Min"], "20");
    for (const char* zero : {"Fwd Bytes/Bulk Avg", "Bwd Bulk Rate Avg", "Subflow Fwd Packets",
                             "Subflow Bwd Bytes", "Active Mean", "Idle Min"}) {
        EXPECT_EQ(r[zero], "0") << zero;
    }
    EXPECT_EQ(r["Label"], "NeedManualLabel");
}

TEST(WorkedExampleA, Cic2018MainFlowAndAppendix) {
    const auto rows = run(Profile::Cic2018, example_a());
    ASSERT_EQ(rows.size(), 2u);
    const PrintedRow& main = rows[0]["Src IP"] == "192.168.10.5" ? rows[0] : rows[1];
    const PrintedRow& appendix = rows[0]["Src IP"] == "192.168.10.5" ? rows[1] : rows[0];
    EXPECT_EQ(main["Flow Duration"], "7000");
    EXPECT_EQ(main["Tot Fwd Pkts"], "5");
    EXPECT_EQ(main["Tot Bwd Pkts"], "3");
    EXPECT_EQ(main["PSH Flag Cnt"], "1");  // holds the SYN count (§4.1)
    EXPECT_EQ(main["SYN Flag Cnt"], "0");
    EXPECT_EQ(main["Subflow Fwd Pkts"], "5");
    EXPECT_EQ(main["Subflow Fwd Byts"], "100");
    EXPECT_EQ(main["Timestamp"], "14/07/2017 02:40:00");
    EXPECT_EQ(main["Label"], "No Label");
    EXPECT_EQ(appendix["Src IP"], "10.0.0.80");
    EXPECT_EQ(appendix["Flow ID"], "192.168.10.5-10.0.0.80-40001-80-6");
    EXPECT_EQ(appendix["Tot Fwd Pkts"], "2");
    EXPECT_EQ(appendix["Tot Bwd Pkts"], "0");
    EXPECT_EQ(appendix["Flow Duration"], "1000");
    EXPECT_EQ(appendix["ACK Flag Cnt"], "1");
    EXPECT_EQ(appendix["Init Bwd Win Byts"], "-1");
    EXPECT_EQ(appendix["Init Fwd Win Byts"], "65160");
}

TEST(WorkedExampleA, FixedOneRowWholeConnection) {
    const auto rows = run(Profile::Fixed, example_a());
    ASSERT_EQ(rows.size(), 1u);
    const PrintedRow& r = rows[0];
    EXPECT_EQ(r["Timestamp"], "2017-07-14 02:40:00");
    EXPECT_EQ(r["Flow Duration"], "10000");
    EXPECT_EQ(r["Total Fwd Packet"], "6");
    EXPECT_EQ(r["Total Bwd packets"], "5");
    EXPECT_EQ(r["Fwd PSH Flags"], "1");
    EXPECT_EQ(r["Bwd PSH Flags"], "1");
    EXPECT_EQ(r["Packet Length Mean"], "100.0");
    EXPECT_EQ(r["Average Packet Size"], "100.0");
    EXPECT_EQ(r["Down/Up Ratio"], "0.8333333333333334");
    EXPECT_EQ(r["Fwd Act Data Pkts"], "1");
    EXPECT_EQ(r["Bwd Act Data Pkts"], "1");
    EXPECT_EQ(r["ICMP Code"], "-1");
    EXPECT_EQ(r["ICMP Type"], "-1");
    EXPECT_EQ(r["Total Connection Flow Time"], "10000");
    EXPECT_EQ(r["Fwd Bytes/Bulk Avg"], "0.0");
    EXPECT_EQ(r["Subflow Fwd Packets"], "0.0");
    EXPECT_EQ(r.field_count(), 94u);
}

TEST(WorkedExampleB, V4MainFlowAndAppendixWithSameFlowId) {
    const auto rows = run(Profile::V4, example_b());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["Flow Duration"], "7000");
    EXPECT_EQ(rows[0]["Total Fwd Packet"], "4");
    EXPECT_EQ(rows[0]["Total Bwd packets"], "4");
    EXPECT_EQ(rows[1]["Flow ID"], rows[0]["Flow ID"]);
    EXPECT_EQ(rows[1]["Total Fwd Packet"], "2");
    EXPECT_EQ(rows[1]["Total Bwd packets"], "1");
    EXPECT_EQ(rows[1]["Flow Duration"], "2000");
    EXPECT_EQ(rows[1]["FIN Flag Count"], "1");
    EXPECT_EQ(rows[1]["Flow Packets/s"], "1500.0");
}

TEST(WorkedExampleC, UdpPair) {
    const std::vector<decode::PacketMeta> p = {
        udp(kT0, {"192.168.10.5", 53000}, {"8.8.8.8", 53}, 30),
        udp(kT0 + 20000, {"8.8.8.8", 53}, {"192.168.10.5", 53000}, 90),
    };
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    const PrintedRow& r = v4[0];
    EXPECT_EQ(r["Total Fwd Packet"], "1");
    EXPECT_EQ(r["Total Bwd packets"], "1");
    EXPECT_EQ(r["Flow Bytes/s"], "6000.0");
    EXPECT_EQ(r["Flow Packets/s"], "100.0");
    EXPECT_EQ(r["Flow IAT Mean"], "20000.0");
    EXPECT_EQ(r["Flow IAT Std"], "0.0");
    for (const char* c : {"Fwd IAT Total", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max",
                          "Fwd IAT Min", "Bwd IAT Total", "Bwd IAT Min"}) {
        EXPECT_EQ(r[c], "0") << c;
    }
    EXPECT_EQ(r["Fwd Header Length"], "8");
    EXPECT_EQ(r["Bwd Header Length"], "8");
    EXPECT_EQ(r["Packet Length Min"], "30.0");
    EXPECT_EQ(r["Packet Length Max"], "90.0");
    EXPECT_EQ(r["Packet Length Mean"], "50.0");
    EXPECT_EQ(r["Packet Length Std"], "34.64101615137755");
    EXPECT_EQ(r["Packet Length Variance"], "1200.0");
    EXPECT_EQ(r["Average Packet Size"], "75.0");
    EXPECT_EQ(r["FWD Init Win Bytes"], "0");
    EXPECT_EQ(r["Bwd Init Win Bytes"], "0");
    EXPECT_EQ(r["Fwd Seg Size Min"], "8");
    const auto era = run(Profile::Cic2018, p);
    ASSERT_EQ(era.size(), 1u);
    EXPECT_EQ(era[0]["Init Fwd Win Byts"], "-1");
    EXPECT_EQ(era[0]["Init Bwd Win Byts"], "-1");
}

TEST(WorkedExampleD, IcmpEchoIsProtocolZeroInV4AndIcmpInFixed) {
    const std::vector<decode::PacketMeta> p = {
        test::icmp(kT0, "192.168.10.5", "10.0.0.1", 8, 0),
        test::icmp(kT0 + 500, "10.0.0.1", "192.168.10.5", 0, 0),
        test::icmp(kT0 + 1000000, "192.168.10.5", "10.0.0.1", 8, 0),
        test::icmp(kT0 + 1000500, "10.0.0.1", "192.168.10.5", 0, 0),
    };
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Flow ID"], "192.168.10.5-10.0.0.1-0-0-0");
    EXPECT_EQ(v4[0]["Protocol"], "0");
    EXPECT_EQ(v4[0]["Total Length of Fwd Packet"], "0.0");
    EXPECT_EQ(v4[0]["Flow Duration"], "1000500");
    const auto fixed = run(Profile::Fixed, p);
    ASSERT_EQ(fixed.size(), 1u);
    EXPECT_EQ(fixed[0]["Protocol"], "1");
    EXPECT_EQ(fixed[0]["Flow ID"], "192.168.10.5-10.0.0.1-0-0-1");
    EXPECT_EQ(fixed[0]["ICMP Type"], "8");
    EXPECT_EQ(fixed[0]["ICMP Code"], "0");
    EXPECT_EQ(fixed[0]["Total Connection Flow Time"], "0");
}

TEST(WorkedExampleE, ZeroDurationRates) {
    const std::vector<decode::PacketMeta> with_bytes = {
        udp(kT0, {"10.1.1.1", 1000}, {"10.1.1.2", 2000}, 10),
        udp(kT0, {"10.1.1.1", 1000}, {"10.1.1.2", 2000}, 10),
    };
    const std::vector<decode::PacketMeta> empty = {
        udp(kT0, {"10.1.1.1", 1000}, {"10.1.1.2", 2000}, 0),
        udp(kT0, {"10.1.1.1", 1000}, {"10.1.1.2", 2000}, 0),
    };
    const auto a = run(Profile::V4, with_bytes);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0]["Flow Bytes/s"], "Infinity");
    EXPECT_EQ(a[0]["Flow Packets/s"], "Infinity");
    EXPECT_EQ(a[0]["Fwd Packets/s"], "0.0");
    const auto b = run(Profile::V4, empty);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0]["Flow Bytes/s"], "NaN");
    EXPECT_EQ(b[0]["Flow Packets/s"], "Infinity");
    const auto f = run(Profile::Fixed, empty);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0]["Flow Bytes/s"], "-1");
    EXPECT_EQ(f[0]["Flow Packets/s"], "-1");
}

/// Example F: 14 UDP packets over 132 s, alternating directions, 24 B forward, 45 B backward.
std::vector<decode::PacketMeta> example_f() {
    const double gaps[] = {0.5, 0.5, 2, 0.5, 7, 0.5, 0.5, 60, 1.5, 55, 0.5, 3, 0.5};
    std::vector<decode::PacketMeta> p;
    Micros t = kT0;
    for (int i = 0; i < 14; ++i) {
        if (i > 0) {
            t += static_cast<Micros>(gaps[i - 1] * 1e6);
        }
        if (i % 2 == 0) {
            p.push_back(udp(t, {"10.9.0.1", 5000}, {"10.9.0.2", 6000}, 24));
        } else {
            p.push_back(udp(t, {"10.9.0.2", 6000}, {"10.9.0.1", 5000}, 45));
        }
    }
    return p;
}

TEST(WorkedExampleF, LongUdpV4) {
    const auto rows = run(Profile::V4, example_f());
    ASSERT_EQ(rows.size(), 2u);
    const PrintedRow& a = rows[0];
    EXPECT_EQ(a["Flow Duration"], "73000000");
    EXPECT_EQ(a["Subflow Fwd Packets"], "1");
    EXPECT_EQ(a["Subflow Fwd Bytes"], "30");
    EXPECT_EQ(a["Subflow Bwd Packets"], "1");
    EXPECT_EQ(a["Subflow Bwd Bytes"], "56");
    // §3.5: Active = {3.5 s, 1.0 s}, Idle = {7 s, 60 s}.
    EXPECT_EQ(a["Active Mean"], "2250000.0");
    EXPECT_EQ(a["Active Std"], "1767766.9529663688");
    EXPECT_EQ(a["Idle Mean"], "3.35E7");
    EXPECT_EQ(a["Idle Std"], "3.747665940288702E7");
    EXPECT_EQ(a["Idle Max"], "6.0E7");
    EXPECT_EQ(a["Idle Min"], "7000000.0");
    const PrintedRow& b = rows[1];
    EXPECT_EQ(b["Flow Duration"], "4000000");
    EXPECT_EQ(b["Subflow Fwd Packets"], "2");
}

TEST(WorkedExampleF, LongUdpFixed) {
    const auto rows = run(Profile::Fixed, example_f());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["Subflow Fwd Packets"], "1.25");
    EXPECT_EQ(rows[0]["Subflow Bwd Bytes"], "56.25");
    EXPECT_EQ(rows[0]["Total Connection Flow Time"], "73000000");
    EXPECT_EQ(rows[1]["Total Connection Flow Time"], "132000000");
}

/// Example G: A->B, B->A, then 130 s later B->A (30 B), A->B (40 B), B->A (50 B).
std::vector<decode::PacketMeta> example_g() {
    constexpr Endpoint kA{"10.20.0.1", 1000};
    constexpr Endpoint kB{"10.20.0.2", 2000};
    const Micros later = kT0 + 130'000'000;
    return {
        udp(kT0, kA, kB, 10),
        udp(kT0 + 100000, kB, kA, 20),
        udp(later, kB, kA, 30),
        udp(later + 100000, kA, kB, 40),
        udp(later + 200000, kB, kA, 50),
    };
}

TEST(WorkedExampleG, TimeoutSplitOpenedByResponder) {
    const auto v4 = run(Profile::V4, example_g());
    ASSERT_EQ(v4.size(), 2u);
    EXPECT_EQ(v4[1]["Src IP"], "10.20.0.1");
    EXPECT_EQ(v4[1]["Total Fwd Packet"], "2");
    EXPECT_EQ(v4[1]["Total Length of Fwd Packet"], "70.0");
    EXPECT_EQ(v4[1]["Total Bwd packets"], "1");
    EXPECT_EQ(v4[1]["Total Length of Bwd Packet"], "50.0");
    EXPECT_EQ(v4[1]["Flow ID"], "10.20.0.1-10.20.0.2-1000-2000-17");
    const auto fixed = run(Profile::Fixed, example_g());
    ASSERT_EQ(fixed.size(), 2u);
    EXPECT_EQ(fixed[1]["Src IP"], "10.20.0.2");
    EXPECT_EQ(fixed[1]["Total Length of Fwd Packet"], "80.0");
    EXPECT_EQ(fixed[1]["Total Length of Bwd Packet"], "40.0");
    // The Flow ID keeps the key's orientation (the first flow's).
    EXPECT_EQ(fixed[1]["Flow ID"], "10.20.0.1-10.20.0.2-1000-2000-17");
    // A new UDP dialogue restarts the connection time.
    EXPECT_EQ(fixed[1]["Total Connection Flow Time"], "200000");
}

TEST(EraQuirks, FlagCountsFirstPacketOnlyInHashMapOrder) {
    // §4.1 (a FIN would close the cic2018 flow at once, so the first packet is S+P+U+E).
    const std::vector<decode::PacketMeta> r = {
        tcp(kT0, kClient, kServer, kPsh | kUrg | kEce | kSyn, 0),
        tcp(kT0 + 10, kClient, kServer, kAck | kRst | kCwr, 0),
    };
    const auto era = run(Profile::Cic2018, r);
    ASSERT_EQ(era.size(), 1u);
    // First packet S+P+U+E: header column <- flag: FIN<-RST 0, SYN<-PSH 1, RST<-ECE 1,
    // PSH<-SYN 1, ACK<-ACK 0, URG<-FIN 0, CWE<-URG 1, ECE<-CWR 0. Second packet ignored.
    EXPECT_EQ(era[0]["FIN Flag Cnt"], "0");
    EXPECT_EQ(era[0]["SYN Flag Cnt"], "1");
    EXPECT_EQ(era[0]["RST Flag Cnt"], "1");
    EXPECT_EQ(era[0]["PSH Flag Cnt"], "1");
    EXPECT_EQ(era[0]["ACK Flag Cnt"], "0");
    EXPECT_EQ(era[0]["URG Flag Cnt"], "0");
    EXPECT_EQ(era[0]["CWE Flag Count"], "1");
    EXPECT_EQ(era[0]["ECE Flag Cnt"], "0");
    EXPECT_EQ(era[0]["Fwd PSH Flags"], "1");
    EXPECT_EQ(era[0]["Fwd URG Flags"], "1");
    const auto v4 = run(Profile::V4, r);
    ASSERT_EQ(v4.size(), 1u);  // the RST closes the flow
    EXPECT_EQ(v4[0]["SYN Flag Count"], "1");
    EXPECT_EQ(v4[0]["RST Flag Count"], "1");
    EXPECT_EQ(v4[0]["CWR Flag Count"], "1");
    EXPECT_EQ(v4[0]["ECE Flag Count"], "1");
    EXPECT_EQ(v4[0]["ACK Flag Count"], "1");
}

TEST(EraQuirks, CanonicalFlowIdUsesSignedBytes) {
    // 188.x sorts before 10.x (188 is -68 as a signed byte).
    const std::vector<decode::PacketMeta> p = {
        tcp(kT0, {"10.200.2.252", 61559}, {"188.120.225.17", 8080}, kSyn, 0),
        tcp(kT0 + 10, {"188.120.225.17", 8080}, {"10.200.2.252", 61559}, kSyn | kAck, 0),
    };
    const auto era = run(Profile::Cic2017, p);
    ASSERT_EQ(era.size(), 1u);
    EXPECT_EQ(era[0]["Flow ID"], "188.120.225.17-10.200.2.252-8080-61559-6");
    EXPECT_EQ(era[0]["Source IP"], "10.200.2.252");
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Flow ID"], "10.200.2.252-188.120.225.17-61559-8080-6");
    const std::vector<decode::PacketMeta> q = {
        udp(kT0, {"100.1.1.1", 1}, {"200.1.1.1", 2}, 1),
        udp(kT0 + 10, {"200.1.1.1", 2}, {"100.1.1.1", 1}, 1),
    };
    const auto era2 = run(Profile::Cic2018, q);
    ASSERT_EQ(era2.size(), 1u);
    EXPECT_EQ(era2[0]["Flow ID"], "200.1.1.1-100.1.1.1-2-1-17");
}

TEST(EraQuirks, EqualAddressesSplitByPortOrder) {
    const std::vector<decode::PacketMeta> p = {
        udp(kT0, {"127.0.0.1", 1}, {"127.0.0.1", 2}, 1),
        udp(kT0 + 10, {"127.0.0.1", 2}, {"127.0.0.1", 1}, 1),
        udp(kT0 + 20, {"127.0.0.1", 1}, {"127.0.0.1", 2}, 1),
        udp(kT0 + 30, {"127.0.0.1", 2}, {"127.0.0.1", 1}, 1),
    };
    EXPECT_EQ(run(Profile::Cic2018, p).size(), 2u);
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    // Direction is decided by the address only: every packet is forward.
    EXPECT_EQ(v4[0]["Total Fwd Packet"], "4");
}

TEST(V4Quirks, RepeatedForwardFinIsDroppedAndBackwardFinCloses) {
    const std::vector<decode::PacketMeta> p = {
        tcp(kT0, kClient, kServer, kAck, 10),
        tcp(kT0 + 1000, kClient, kServer, kFin | kAck, 0),
        tcp(kT0 + 2000, kClient, kServer, kFin | kAck, 0),  // dropped silently
        tcp(kT0 + 3000, kServer, kClient, kAck, 0),
        tcp(kT0 + 4000, kServer, kClient, kFin | kAck, 0),  // closes
    };
    const auto rows = run(Profile::V4, p);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["Total Fwd Packet"], "2");
    EXPECT_EQ(rows[0]["Total Bwd packets"], "2");
    EXPECT_EQ(rows[0]["FIN Flag Count"], "2");
}

TEST(V4Quirks, BulkLumpedIntoBackward) {
    // §3.7: 4 client packets of 200 B then 8 server packets of 1448 B, 2 ms apart.
    std::vector<decode::PacketMeta> p;
    Micros t = kT0;
    for (int i = 0; i < 4; ++i, t += 2000) {
        p.push_back(tcp(t, kClient, kServer, kAck, 200));
    }
    for (int i = 0; i < 8; ++i, t += 2000) {
        p.push_back(tcp(t, kServer, kClient, kAck, 1448));
    }
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Fwd Bytes/Bulk Avg"], "0");
    EXPECT_EQ(v4[0]["Bwd Bytes/Bulk Avg"], "12384");
    EXPECT_EQ(v4[0]["Bwd Packet/Bulk Avg"], "12");
    EXPECT_EQ(v4[0]["Bwd Bulk Rate Avg"], "562909");
    const auto fixed = run(Profile::Fixed, p);
    ASSERT_EQ(fixed.size(), 1u);
    EXPECT_EQ(fixed[0]["Fwd Bytes/Bulk Avg"], "800.0");
    EXPECT_EQ(fixed[0]["Fwd Packet/Bulk Avg"], "4.0");
    EXPECT_EQ(fixed[0]["Fwd Bulk Rate Avg"], "133333.33333333334");
    EXPECT_EQ(fixed[0]["Bwd Bytes/Bulk Avg"], "11584.0");
    EXPECT_EQ(fixed[0]["Bwd Packet/Bulk Avg"], "8.0");
    // The spec quotes it as 827428.57...: 11584 B over 14 ms.
    EXPECT_EQ(fixed[0]["Bwd Bulk Rate Avg"].rfind("827428.57", 0), 0u);
}

TEST(FixedQuirks, SynAckFirstIsReversed) {
    const std::vector<decode::PacketMeta> p = {
        tcp(kT0, kServer, kClient, kSyn | kAck, 0, kSw, 32),
        tcp(kT0 + 1000, kClient, kServer, kAck, 0, kCw),
        tcp(kT0 + 2000, kClient, kServer, kPsh | kAck, 50, kCw),
    };
    const auto rows = run(Profile::Fixed, p);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["Src IP"], "192.168.10.5");
    EXPECT_EQ(rows[0]["Flow ID"], "192.168.10.5-10.0.0.80-40001-80-6");
    EXPECT_EQ(rows[0]["Total Fwd Packet"], "2");
    EXPECT_EQ(rows[0]["Total Bwd packets"], "1");
    EXPECT_EQ(rows[0]["Bwd Seg Size Min"], "32");
    EXPECT_EQ(rows[0]["Fwd Seg Size Min"], "0");  // never set: the first packet was backward
    EXPECT_EQ(rows[0]["FWD Init Win Bytes"], "0");
    EXPECT_EQ(rows[0]["Bwd Init Win Bytes"], "65160");
    // v4 keeps the SYN-ACK sender as the source.
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Src IP"], "10.0.0.80");
}

TEST(FixedQuirks, TeardownThenSynStartsNewFlow) {
    auto p = example_a();
    const Micros t = kT0 + 20000;
    p.push_back(tcp(t, kClient, kServer, kAck, 0, kCw));  // late ACK: absorbed
    p.push_back(tcp(t + 1000, kClient, kServer, kSyn, 0, kCw, 40));
    p.push_back(tcp(t + 2000, kServer, kClient, kSyn | kAck, 0, kSw));
    const auto rows = run(Profile::Fixed, p);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["Total Fwd Packet"], "7");
    EXPECT_EQ(rows[1]["Total Fwd Packet"], "1");
    EXPECT_EQ(rows[1]["Total Bwd packets"], "1");
    EXPECT_EQ(rows[1]["Total Connection Flow Time"], "1000");
}

TEST(FixedQuirks, RstMarksFlowButKeepsAbsorbing) {
    const std::vector<decode::PacketMeta> p = {
        tcp(kT0, kClient, kServer, kSyn, 0, kCw),
        tcp(kT0 + 1000, kServer, kClient, kRst | kAck, 0, 0),
        tcp(kT0 + 2000, kClient, kServer, kAck, 0, kCw),
    };
    const auto rows = run(Profile::Fixed, p);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["Total Fwd Packet"], "2");
    EXPECT_EQ(rows[0]["Bwd RST Flags"], "1");
    EXPECT_EQ(rows[0]["Fwd RST Flags"], "0");
}

TEST(FixedQuirks, IcmpNewFlowWhenTypeAndCodeBothDiffer) {
    const std::vector<decode::PacketMeta> p = {
        test::icmp(kT0, "10.0.0.1", "10.0.0.2", 8, 0),
        test::icmp(kT0 + 10, "10.0.0.2", "10.0.0.1", 0, 0),  // code equal: same flow
        test::icmp(kT0 + 20, "10.0.0.2", "10.0.0.1", 3, 3),  // both differ: new flow
    };
    const auto rows = run(Profile::Fixed, p);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["Total Bwd packets"], "1");
    EXPECT_EQ(rows[1]["Src IP"], "10.0.0.2");
    EXPECT_EQ(rows[1]["ICMP Type"], "3");
    EXPECT_EQ(rows[1]["Flow ID"], "10.0.0.1-10.0.0.2-0-0-1");
}

TEST(FixedQuirks, RetransmissionsCountedPerDirection) {
    const std::vector<decode::PacketMeta> p = {
        tcp(kT0, kClient, kServer, kAck | kPsh, 100, kCw, 20, 1000, 5000),
        tcp(kT0 + 10, kClient, kServer, kAck | kPsh, 100, kCw, 20, 1000, 5000),
        tcp(kT0 + 20, kServer, kClient, kAck, 0, kSw, 20, 5000, 1100),
        tcp(kT0 + 30, kServer, kClient, kAck, 0, kSw, 20, 5000, 1100),
        tcp(kT0 + 40, kServer, kClient, kAck, 0, kSw, 20, 5000, 1100),
    };
    const auto rows = run(Profile::Fixed, p);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["Fwd TCP Retrans. Count"], "1");
    EXPECT_EQ(rows[0]["Bwd TCP Retrans. Count"], "2");
    EXPECT_EQ(rows[0]["Total TCP Retrans. Count"], "3");
}

TEST(FixedQuirks, SinglePacketFlowsEmitted) {
    const std::vector<decode::PacketMeta> p = {udp(kT0, {"1.1.1.1", 1}, {"2.2.2.2", 2}, 5)};
    EXPECT_EQ(run(Profile::Fixed, p).size(), 1u);
    EXPECT_EQ(run(Profile::V4, p).size(), 0u);
    EXPECT_EQ(run(Profile::Cic2018, p).size(), 0u);
    const auto rows = run(Profile::Fixed, p);
    EXPECT_EQ(rows[0]["Flow IAT Mean"], "0.0");  // NaN printed as 0.0 (F14)
    EXPECT_EQ(rows[0]["Bwd Packet Length Max"], "0");
}

TEST(Cic2017, PaddingCountedAndDuplicateColumn) {
    auto m = tcp(kT0, kClient, kServer, kAck, 0);
    m.frame_payload_len = 6;  // 60-byte frame: 6 bytes of Ethernet padding
    auto n = tcp(kT0 + 10, kServer, kClient, kAck, 0);
    n.frame_payload_len = 6;
    const std::vector<decode::PacketMeta> p = {m, n};
    const auto rows17 = run(Profile::Cic2017, p);
    ASSERT_EQ(rows17.size(), 1u);
    EXPECT_EQ(rows17[0]["Total Length of Fwd Packets"], "6.0");
    EXPECT_EQ(rows17[0].field_count(), 85u);
    const auto rows18 = run(Profile::Cic2018, p);
    ASSERT_EQ(rows18.size(), 1u);
    EXPECT_EQ(rows18[0]["TotLen Fwd Pkts"], "0.0");
}

TEST(ProfileReading, ZeroIpLengthTcpIsProtocolZeroInV4) {
    auto m = tcp(kT0, kClient, kServer, kAck, 100);
    m.flags |= decode::kZeroIpLength;
    auto n = tcp(kT0 + 10, kClient, kServer, kAck, 100);
    n.flags |= decode::kZeroIpLength;
    const std::vector<decode::PacketMeta> p = {m, n};
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Protocol"], "0");
    const auto c17 = run(Profile::Cic2017, p);
    ASSERT_EQ(c17.size(), 1u);
    EXPECT_EQ(c17[0]["Protocol"], "6");
}

TEST(ProfileReading, IcmpUnreachableQuotingUdpIsUdpInOldProfiles) {
    auto m = test::icmp(kT0, "10.0.0.9", "10.0.0.1", 3, 3, 20 + 8 + 37);
    m.flags |= decode::kIcmpQuotesUdp;
    m.quoted_payload_len = 37;
    m.quoted_frame_payload_len = 37;
    m.quoted_src_port = 5060;
    m.quoted_dst_port = 5061;
    auto n = m;
    n.ts_us += 10;
    const std::vector<decode::PacketMeta> p = {m, n};
    const auto v4 = run(Profile::V4, p);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0]["Flow ID"], "10.0.0.9-10.0.0.1-5060-5061-17");
    EXPECT_EQ(v4[0]["Total Length of Fwd Packet"], "74.0");
    EXPECT_EQ(v4[0]["Fwd Header Length"], "16");
    const auto fixed = run(Profile::Fixed, p);
    ASSERT_EQ(fixed.size(), 1u);
    EXPECT_EQ(fixed[0]["Protocol"], "1");
}

TEST(ProfileReading, TrailerBehindVlanCountsAsPayload) {
    auto m = tcp(kT0, kClient, kServer, kAck, 0);
    m.frame_payload_len = 22;  // 22 trailing bytes after the IPv4 datagram
    auto n = tcp(kT0 + 10, kServer, kClient, kAck, 0);
    n.frame_payload_len = 22;
    const std::vector<decode::PacketMeta> untagged = {m, n};
    EXPECT_EQ(run(Profile::V4, untagged)[0]["Total Length of Fwd Packet"], "0.0");
    m.flags |= decode::kBehindVlan;
    n.flags |= decode::kBehindVlan;
    const std::vector<decode::PacketMeta> tagged = {m, n};
    EXPECT_EQ(run(Profile::V4, tagged)[0]["Total Length of Fwd Packet"], "22.0");
    EXPECT_EQ(run(Profile::Fixed, tagged)[0]["Total Length of Fwd Packet"], "22.0");
}

TEST(ProfileReading, Jnetpcap13TcpWalkFailureLosesThePacketInCic2017Only) {
    auto m = tcp(kT0, kClient, kServer, kSyn, 0);
    m.flags |= decode::kJnetpcap13TcpWalkFails;
    const std::vector<decode::PacketMeta> p = {m, tcp(kT0 + 10, kServer, kClient, kSyn | kAck, 0),
                                               tcp(kT0 + 20, kClient, kServer, kAck, 0)};
    const auto c17 = run(Profile::Cic2017, p);
    ASSERT_EQ(c17.size(), 1u);
    EXPECT_EQ(c17[0]["Source IP"], "10.0.0.80");
    const auto c18 = run(Profile::Cic2018, p);
    ASSERT_EQ(c18.size(), 1u);
    EXPECT_EQ(c18[0]["Src IP"], "192.168.10.5");
}

TEST(Timestamps, HalifaxTwelveHourClock) {
    const std::vector<decode::PacketMeta> p = {
        udp(kT0 + 12 * 3600 * 1'000'000LL, {"1.1.1.1", 1}, {"2.2.2.2", 2}, 5),
        udp(kT0 + 12 * 3600 * 1'000'000LL + 5, {"2.2.2.2", 2}, {"1.1.1.1", 1}, 5),
    };
    // 14:40 UTC = 11:40 ADT (UTC-3 in July).
    EXPECT_EQ(run(Profile::V4, p, "America/Halifax")[0]["Timestamp"], "14/07/2017 11:40:00 AM");
    EXPECT_EQ(run(Profile::V4, p, "UTC")[0]["Timestamp"], "14/07/2017 02:40:00 PM");
    EXPECT_EQ(run(Profile::Cic2018, p, "UTC")[0]["Timestamp"], "14/07/2017 02:40:00");
    // fixed ignores the zone.
    EXPECT_EQ(run(Profile::Fixed, p, "America/Halifax")[0]["Timestamp"], "2017-07-14 14:40:00");
}

}  // namespace
}  // namespace fm::flow
