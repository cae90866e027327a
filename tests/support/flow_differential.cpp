// SPDX-License-Identifier: BSD-3-Clause
// How rows are matched to packets without re-implementing the life cycle: the engine holds at
// most one flow per key (unordered address pair, ports, protocol as the profile reads them) at
// a time, so the rows of one key come out in the order their flows began, and each describes a
// contiguous run of that key's packets in arrival order. Packets between two runs belong to
// flows the profile does not write (one-packet flows, v4's repeated FINs), which the engine
// counts; the accounting check below makes sure that every packet is either in a row or in one
// of those counters. A row matches the first run, at or after the end of the previous one,
// that starts at the row's first packet time and whose reference features equal the row's.
#include "flow_differential.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include <fmt/format.h>

#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"
#include "features/columns.hpp"
#include "features/feature_row.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "reference_features.hpp"

namespace fm::test_support {

namespace {

using decode::PacketMeta;
using features::CellKind;
using features::CicPacket;
using features::Column;
using features::FeatureRow;

constexpr Micros kFlowTimeoutUs = 120'000'000;
constexpr std::size_t kHostPairs = 4;

std::uint16_t le16(const std::uint8_t* b) {
    return static_cast<std::uint16_t>(b[0] | b[1] << 8);
}

Micros time_step(std::uint8_t mode, std::uint16_t amount) {
    switch (mode & 7U) {
        case 0:
            return 0;  // same time stamp
        case 1:
            return amount;  // µs apart
        case 2:
            return -static_cast<Micros>(amount) * 1000;  // backwards, up to 65 s
        case 3:
            return kFlowTimeoutUs + amount;  // just past the active timeout
        case 4:
            return static_cast<Micros>(amount % 8000) * 1000;  // 0..8 s: activity timeout
        case 5:
            return Micros{1} << 32;  // a 2^32 µs jump
        case 6:
            return kFlowTimeoutUs - static_cast<Micros>(amount % 3);  // at the timeout edge
        default:
            return static_cast<Micros>(amount) * 17;
    }
}

struct ReadPacket {
    CicPacket p;
    std::size_t key = 0;  ///< index into the key list of the run
};

using Key = std::tuple<std::array<std::uint8_t, 16>, std::uint16_t, std::array<std::uint8_t, 16>,
                       std::uint16_t, std::uint8_t>;

/// The same key for both directions, except that cic2017/cic2018 key a flow on a string that
/// orders the two addresses only: with equal addresses the two directions are two flows.
Key key_of(Profile profile, const std::array<std::uint8_t, 16>& a, std::uint16_t pa,
           const std::array<std::uint8_t, 16>& b, std::uint16_t pb, std::uint8_t proto) {
    const bool by_address_only = profile == Profile::Cic2017 || profile == Profile::Cic2018;
    if ((by_address_only && a == b) || std::tie(a, pa) < std::tie(b, pb)) {
        return {a, pa, b, pb, proto};
    }
    return {b, pb, a, pa, proto};
}

class CollectingSink final : public features::RowSink {
public:
    void consume(std::span<const FeatureRow> batch) override {
        rows.insert(rows.end(), batch.begin(), batch.end());
    }
    std::vector<FeatureRow> rows;
};

double number(const FeatureRow& r, Column c) {
    switch (r.kind(c)) {
        case CellKind::Int:
            return static_cast<double>(r.int_value(c));
        case CellKind::Double:
            return r.double_value(c);
        case CellKind::None:
            break;
    }
    return 0;
}

bool close_to(double got, double want) {
    if (std::isnan(got) || std::isnan(want)) {
        return std::isnan(got) && std::isnan(want);
    }
    const double scale = std::max({1.0, std::fabs(got), std::fabs(want)});
    return std::fabs(got - want) <= 1e-9 * scale;
}

std::string row_text(const FeatureRow& r) {
    std::string s;
    for (std::size_t i = 0; i < features::kColumnCount; ++i) {
        const Column c = static_cast<Column>(i);
        if (r.kind(c) != CellKind::None) {
            s += fmt::format(" {}={}", features::kColumnNames[i].fixed_v4, number(r, c));
        }
    }
    return s;
}

/// The rounding a one-pass standard deviation of `s`'s values may carry. The reference tool's
/// updating formulas subtract values of the data's magnitude M, so the result is off by a few
/// ulp(M) per value whatever the deviation: gaps of -49858000 µs whose deviation is 1/3 come out
/// as 0.33333333463 (a finding of fuzz_flow_engine). The two-pass value is exact; 4·n·ε·M allows
/// that rounding and stays far below any error of formula (n against n - 1 is 5 % at n = 10).
double one_pass_std_rounding(const PlainStats& s) {
    return 4.0 * static_cast<double>(s.count) * std::numeric_limits<double>::epsilon() *
           std::max(std::fabs(s.min), std::fabs(s.max));
}

/// The columns computed by reference_features(); empty when they match.
std::string compare(Profile profile, const FeatureRow& r, const ReferenceFeatures& ref) {
    std::string bad;
    // `rounding`: an absolute difference allowed besides close_to()'s relative one.
    auto expect = [&](Column c, double want, double rounding = 0) {
        const double got = number(r, c);
        if (r.kind(c) == CellKind::None ||
            !(close_to(got, want) || std::fabs(got - want) <= rounding)) {
            bad += fmt::format(" {}: got {} want {}{};", features::kColumnNames[index(c)].fixed_v4,
                               got, want,
                               rounding > 0 ? fmt::format(" (rounding allowed {})", rounding) : "");
        }
    };
    expect(Column::FlowDuration, static_cast<double>(ref.duration_us));
    if (!close_to(number(r, Column::TotLenFwd) + number(r, Column::TotLenBwd), ref.payload_bytes)) {
        bad += fmt::format(" payload bytes: got {} want {};",
                           number(r, Column::TotLenFwd) + number(r, Column::TotLenBwd),
                           ref.payload_bytes);
    }
    if (r.int_value(Column::FwdHeaderLen) + r.int_value(Column::BwdHeaderLen) != ref.header_bytes) {
        bad += fmt::format(" header bytes: got {} want {};",
                           r.int_value(Column::FwdHeaderLen) + r.int_value(Column::BwdHeaderLen),
                           ref.header_bytes);
    }
    if (ref.iat.count > 0) {
        expect(Column::FlowIatMean, ref.iat.mean);
        expect(Column::FlowIatStd, std::sqrt(ref.iat.variance), one_pass_std_rounding(ref.iat));
        expect(Column::FlowIatMax, ref.iat.max);
        expect(Column::FlowIatMin, ref.iat.min);
    }
    expect(Column::PktLenMin, ref.lengths.min);
    expect(Column::PktLenMax, ref.lengths.max);
    expect(Column::PktLenMean, ref.lengths.mean);
    const double length_std = std::sqrt(ref.lengths.variance);
    const double length_rounding = one_pass_std_rounding(ref.lengths);
    expect(Column::PktLenStd, length_std, length_rounding);
    // The variance's share of the same rounding: (σ + δ)² - σ².
    expect(Column::PktLenVar, ref.lengths.variance,
           2 * length_std * length_rounding + length_rounding * length_rounding);
    expect(Column::AvgPktSize, ref.average_packet_size);
    // cic2017/cic2018 look at the first packet only and permute the columns (§4.1): a quirk.
    if (profile == Profile::V4 || profile == Profile::Fixed) {
        constexpr Column kFlagColumns[8] = {Column::FinCount, Column::SynCount, Column::RstCount,
                                            Column::PshCount, Column::AckCount, Column::UrgCount,
                                            Column::EceCount, Column::CwrCount};
        for (unsigned bit = 0; bit < 8; ++bit) {
            expect(kFlagColumns[bit], static_cast<double>(ref.flag_packets[bit]));
        }
    }
    return bad;
}

/// Invariants every row holds whatever its packets; empty when they hold.
std::string invariants(const FeatureRow& r) {
    std::string bad;
    auto fail = [&](std::string_view what) {
        bad += fmt::format(" {};", what);
    };
    auto has = [&](Column c) {
        return r.kind(c) != CellKind::None;
    };
    auto v = [&](Column c) {
        return number(r, c);
    };

    const double fwd = v(Column::TotFwdPkts);
    const double bwd = v(Column::TotBwdPkts);
    if (r.kind(Column::TotFwdPkts) != CellKind::Int ||
        r.kind(Column::TotBwdPkts) != CellKind::Int) {
        fail("packet counts are not integers");
    }
    if (fwd < 0 || bwd < 0 || fwd + bwd < 1) {
        fail("packet counts negative or zero");
    }
    for (Column c : {Column::FwdPshFlags,    Column::BwdPshFlags,     Column::FwdUrgFlags,
                     Column::BwdUrgFlags,    Column::FwdRstFlags,     Column::BwdRstFlags,
                     Column::FinCount,       Column::SynCount,        Column::RstCount,
                     Column::PshCount,       Column::AckCount,        Column::UrgCount,
                     Column::CwrCount,       Column::EceCount,        Column::FwdActDataPkts,
                     Column::BwdActDataPkts, Column::FwdRetrans,      Column::BwdRetrans,
                     Column::TotalRetrans,   Column::FwdHeaderLen,    Column::BwdHeaderLen,
                     Column::TotLenFwd,      Column::TotLenBwd,       Column::SubflowFwdPkts,
                     Column::SubflowBwdPkts, Column::SubflowFwdBytes, Column::SubflowBwdBytes,
                     Column::FwdSegSizeMin,  Column::BwdSegSizeMin}) {
        if (has(c) && !(v(c) >= 0)) {
            fail(fmt::format("{} negative", features::kColumnNames[index(c)].fixed_v4));
        }
        if (has(c) && v(c) > fwd + bwd &&
            (c == Column::FinCount || c == Column::SynCount || c == Column::AckCount ||
             c == Column::FwdActDataPkts || c == Column::BwdActDataPkts ||
             c == Column::TotalRetrans)) {
            fail(fmt::format("{} exceeds the packets", features::kColumnNames[index(c)].fixed_v4));
        }
    }
    if (has(Column::FwdActDataPkts) && v(Column::FwdActDataPkts) > fwd) {
        fail("Fwd Act Data Pkts > forward packets");
    }
    if (has(Column::BwdActDataPkts) && v(Column::BwdActDataPkts) > bwd) {
        fail("Bwd Act Data Pkts > backward packets");
    }
    if (has(Column::TotalRetrans) &&
        v(Column::TotalRetrans) != v(Column::FwdRetrans) + v(Column::BwdRetrans)) {
        fail("retransmissions do not add up");
    }
    // min <= mean <= max, std >= 0, for every statistics group printed as doubles.
    struct Group {
        Column min, mean, max, std;
    };
    for (const Group& g :
         {Group{Column::FwdPktLenMin, Column::FwdPktLenMean, Column::FwdPktLenMax,
                Column::FwdPktLenStd},
          Group{Column::BwdPktLenMin, Column::BwdPktLenMean, Column::BwdPktLenMax,
                Column::BwdPktLenStd},
          Group{Column::FlowIatMin, Column::FlowIatMean, Column::FlowIatMax, Column::FlowIatStd},
          Group{Column::FwdIatMin, Column::FwdIatMean, Column::FwdIatMax, Column::FwdIatStd},
          Group{Column::BwdIatMin, Column::BwdIatMean, Column::BwdIatMax, Column::BwdIatStd},
          Group{Column::PktLenMin, Column::PktLenMean, Column::PktLenMax, Column::PktLenStd},
          Group{Column::ActiveMin, Column::ActiveMean, Column::ActiveMax, Column::ActiveStd},
          Group{Column::IdleMin, Column::IdleMean, Column::IdleMax, Column::IdleStd}}) {
        if (r.kind(g.mean) != CellKind::Double) {
            continue;
        }
        const double lo = v(g.min), mean = v(g.mean), hi = v(g.max), sd = v(g.std);
        const double slack = 1e-9 * std::max({1.0, std::fabs(lo), std::fabs(hi)});
        if (std::isnan(mean)) {
            continue;  // a statistic of no value (printed NaN by the reference)
        }
        if (!(lo <= hi) || mean < lo - slack || mean > hi + slack) {
            fail(fmt::format("{} not between min and max",
                             features::kColumnNames[index(g.mean)].fixed_v4));
        }
        if (!(sd >= 0)) {
            fail(fmt::format("{} negative or NaN", features::kColumnNames[index(g.std)].fixed_v4));
        }
    }
    for (Column c : {Column::FwdPktLenMin, Column::BwdPktLenMin, Column::PktLenMin,
                     Column::ActiveMin, Column::IdleMin}) {
        if (has(c) && !(v(c) >= 0)) {
            fail(fmt::format("{} negative", features::kColumnNames[index(c)].fixed_v4));
        }
    }
    if (has(Column::PktLenVar) &&
        !close_to(v(Column::PktLenVar), v(Column::PktLenStd) * v(Column::PktLenStd))) {
        fail("Packet Length Variance != Std^2");
    }
    // Durations: the flow's gaps telescope to its duration, each direction's to its IAT total.
    const double n = fwd + bwd;
    if (n >= 2 && r.kind(Column::FlowIatMean) == CellKind::Double &&
        !close_to(v(Column::FlowIatMean) * (n - 1), v(Column::FlowDuration))) {
        fail("Flow IAT Mean x (packets - 1) != Flow Duration");
    }
    if (r.kind(Column::FwdIatMean) == CellKind::Double && fwd >= 2 &&
        !close_to(v(Column::FwdIatMean) * (fwd - 1), v(Column::FwdIatTotal))) {
        fail("Fwd IAT Mean x (packets - 1) != Fwd IAT Total");
    }
    if (r.kind(Column::BwdIatMean) == CellKind::Double && bwd >= 2 &&
        !close_to(v(Column::BwdIatMean) * (bwd - 1), v(Column::BwdIatTotal))) {
        fail("Bwd IAT Mean x (packets - 1) != Bwd IAT Total");
    }
    return bad;
}

}  // namespace

std::vector<PacketMeta> packets_from_bytes(std::span<const std::uint8_t> bytes) {
    std::vector<PacketMeta> out;
    Micros ts = 1'500'000'000'000'000;  // 2017-07-14, an ordinary capture time
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    for (std::size_t at = 0; at + kDifferentialBytesPerPacket <= bytes.size();
         at += kDifferentialBytesPerPacket) {
        const std::uint8_t* b = bytes.data() + at;
        if ((b[0] & 0xE0U) == 0xE0U && !out.empty()) {
            out.push_back(out.back());  // a duplicate, time stamp included
            continue;
        }
        ts += time_step(b[2], le16(b + 3));
        PacketMeta m;
        m.ts_us = ts;
        const std::size_t pair = b[0] % kHostPairs;
        const bool reverse = (b[0] & 0x04U) != 0;
        const unsigned proto_pick = (b[0] >> 3) & 3U;
        std::array<std::uint8_t, 16> a{10, 0, 0, static_cast<std::uint8_t>(1 + pair)};
        std::array<std::uint8_t, 16> z{192, 168, 1, static_cast<std::uint8_t>(1 + pair / 2)};
        std::uint16_t pa = static_cast<std::uint16_t>(40000 + pair);
        std::uint16_t pz = pair == 3 ? 40003 : 443;  // pair 3: same ports both sides
        if (pair == 2) {
            z = a;  // both ends on one host: every packet is forward
            pz = 8080;
        }
        if (reverse) {
            std::swap(a, z);
            std::swap(pa, pz);
        }
        m.src_ip = a;
        m.dst_ip = z;
        m.flags = decode::kL4Decoded;
        const std::uint32_t payload = le16(b + 5) & ((b[7] & 0x80U) != 0 ? 0xFFFFU : 0x7FFU);
        m.payload_len = payload;
        m.frame_payload_len = payload;
        m.wire_len = payload + 54;
        if (proto_pick == 2) {
            m.protocol = features::kProtoUdp;
            m.src_port = pa;
            m.dst_port = pz;
            m.l4_header_len = 8;
        } else if (proto_pick == 3 && (b[1] & 0x80U) != 0) {
            m.protocol = features::kProtoIcmp;
            m.icmp_type = b[1] & 3U ? 8 : 0;
            m.icmp_code = (b[1] >> 2) & 1U;
            m.l4_header_len = 8;
        } else {
            m.protocol = features::kProtoTcp;
            m.src_port = pa;
            m.dst_port = pz;
            m.tcp_flags = b[1];
            m.l4_header_len = static_cast<std::uint16_t>(20 + 4 * ((b[7] & 0x7FU) % 11));
            // Sequence numbers: small steps, or a jump that wraps around 2^32.
            seq += (b[8] & 1U) != 0 ? 0xFFFFFF00U + b[9] : payload;
            ack += (b[8] & 2U) != 0 ? 0xFFFFFFF0U : b[10];
            m.seq = seq;
            m.ack = ack;
            m.window = static_cast<std::uint16_t>(b[11] << 8 | b[10]);
        }
        out.push_back(m);
    }
    return out;
}

std::string check_flow_engine(Profile profile, std::span<const PacketMeta> input) {
    // v4's FIN rules (a flow's second and later forward FINs dropped uncounted, the direction a
    // timeout continuation inherits deciding which FIN is "forward") decide which packets a
    // row holds in a way the plain computation would have to re-implement: v4 gets the same
    // sequences without FIN bits; its teardown is covered by the conformance suite.
    std::vector<PacketMeta> v4_packets;
    if (profile == Profile::V4) {
        v4_packets.assign(input.begin(), input.end());
        for (PacketMeta& m : v4_packets) {
            m.tcp_flags &= static_cast<std::uint8_t>(~decode::kFin);
        }
    }
    const std::span<const PacketMeta> packets = profile == Profile::V4 ? v4_packets : input;
    // One engine per profile and thread, reused across calls: drain() must leave it as good as
    // new (a fresh engine per sequence would also spend most of the time mapping its table).
    struct Bench {
        explicit Bench(Profile p) : engine(config_for(p), sink, 256) {}
        static config::FlowConfig config_for(Profile p) {
            config::FlowConfig cfg;
            cfg.profile = p;
            cfg.flow_timeout_us = kFlowTimeoutUs;
            return cfg;
        }
        CollectingSink sink;
        flow::FlowEngine engine;  // room for every key the generator makes: no eviction
    };
    thread_local std::array<std::unique_ptr<Bench>, 4> benches;
    std::unique_ptr<Bench>& bench = benches[static_cast<std::size_t>(profile)];
    if (!bench) {
        bench = std::make_unique<Bench>(profile);
    }
    CollectingSink& sink = bench->sink;
    flow::FlowEngine& engine = bench->engine;
    sink.rows.clear();
    const flow::FlowCounters before = engine.counters();
    // Batches of varying size, as capture lanes deliver them.
    for (std::size_t at = 0; at < packets.size();) {
        const std::size_t n = std::min<std::size_t>(1 + (at * 7) % 97, packets.size() - at);
        engine.process(packets.subspan(at, n));
        at += n;
    }
    engine.drain();
    flow::FlowCounters k = engine.counters();
    k.packets_in -= before.packets_in;
    k.packets_ignored -= before.packets_ignored;
    k.dropped_single_packet -= before.dropped_single_packet;
    k.dropped_fin_repeat -= before.dropped_fin_repeat;
    k.rows_emitted -= before.rows_emitted;
    k.evicted_table_full -= before.evicted_table_full;
    auto where = [&] {
        return fmt::format("profile {}: ", to_string(profile));
    };
    if (k.evicted_table_full != 0) {
        return where() + "unexpected eviction";
    }

    // The packets as the profile reads them, grouped by key in arrival order.
    const features::CicCompat& compat = features::compat_for(profile);
    std::map<Key, std::vector<CicPacket>> by_key;
    std::uint64_t ignored = 0;
    for (const PacketMeta& m : packets) {
        const CicPacket p = features::read_packet(m, compat);
        if (p.ignored) {
            ++ignored;
            continue;
        }
        by_key[key_of(profile, p.src_ip, p.src_port, p.dst_ip, p.dst_port, p.protocol)].push_back(
            p);
    }
    if (k.packets_in != packets.size() || k.packets_ignored != ignored) {
        return where() + fmt::format("packets_in {} ignored {}, want {} and {}", k.packets_in,
                                     k.packets_ignored, packets.size(), ignored);
    }

    std::map<Key, std::size_t> cursor;
    std::uint64_t in_rows = 0;
    for (std::size_t i = 0; i < sink.rows.size(); ++i) {
        const FeatureRow& r = sink.rows[i];
        if (std::string bad = invariants(r); !bad.empty()) {
            return where() +
                   fmt::format("row {} breaks invariants:{}\n  row:{}", i, bad, row_text(r));
        }
        const auto n = static_cast<std::size_t>(r.int_value(Column::TotFwdPkts) +
                                                r.int_value(Column::TotBwdPkts));
        in_rows += n;
        const Key key = key_of(profile, r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.protocol);
        const auto it = by_key.find(key);
        if (it == by_key.end()) {
            return where() + fmt::format("row {} has a key no packet has:{}", i, row_text(r));
        }
        const std::vector<CicPacket>& list = it->second;
        std::size_t& from = cursor[key];
        bool matched = false;
        std::size_t first_candidate = list.size();
        for (std::size_t s = from; s + n <= list.size(); ++s) {
            if (list[s].ts_us != r.first_ts_us) {
                continue;
            }
            first_candidate = std::min(first_candidate, s);
            const std::span<const CicPacket> run(list.data() + s, n);
            if (compare(profile, r, reference_features(profile, run)).empty()) {
                from = s + n;
                matched = true;
                break;
            }
        }
        if (!matched) {
            return where() +
                   fmt::format(
                       "row {} ({} packets) matches no run of its key's {} "
                       "packets from {}; first candidate {}\n  row:{}",
                       i, n, list.size(), from,
                       first_candidate + n <= list.size()
                           ? fmt::format(
                                 "run at {}:{}", first_candidate,
                                 compare(profile, r,
                                         reference_features(profile,
                                                            std::span<const CicPacket>(
                                                                list.data() + first_candidate, n))))
                           : std::string("none"),
                       row_text(r));
        }
    }
    // Every packet is in a row, ignored, or in a flow the profile does not write.
    const std::uint64_t accounted =
        in_rows + k.packets_ignored + k.dropped_single_packet + k.dropped_fin_repeat;
    if (accounted != packets.size() || k.rows_emitted != sink.rows.size()) {
        return where() + fmt::format(
                             "{} packets, {} in rows, {} ignored, {} in one-packet flows, "
                             "{} repeated FINs; {} rows counted, {} received",
                             packets.size(), in_rows, k.packets_ignored, k.dropped_single_packet,
                             k.dropped_fin_repeat, k.rows_emitted, sink.rows.size());
    }
    return {};
}

}  // namespace fm::test_support
