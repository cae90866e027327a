// SPDX-License-Identifier: BSD-3-Clause
// FlowFeatures::finalize: turns a finished flow into a FeatureRow, deciding for every column the
// value *and* the Java type the reference prints it with (spec §1.3, §4): the same column can be
// an integer 0 in one branch and a computed double in another (CIC: dumpFlowBasedFeaturesEx).
#include "features/flow_features.hpp"

#include <cstdint>

namespace fm::features {

namespace {

constexpr double kMicrosPerSecondD = 1000000.0;

/// The column `i` places after `first` (a block of columns is contiguous in columns.def).
Column column_after(Column first, int i) {
    return static_cast<Column>(static_cast<std::uint8_t>(first) + i);
}

/// `count` columns from `first` as the int 0 the reference prints for an empty statistic.
void put_int_zeros(FeatureRow& row, Column first, int count) {
    for (int i = 0; i < count; ++i) {
        row.set_int(column_after(first, i), 0);
    }
}

/// The four columns max, min, mean, std of a length statistic, or four int 0 (no packet).
void put_length_block(FeatureRow& row, Column first, const LengthStats& s, std::uint64_t n) {
    const auto col = [first](int i) {
        return column_after(first, i);
    };
    if (n == 0) {
        put_int_zeros(row, first, 4);
        return;
    }
    const Moments m = s.moments();
    row.set_double(col(0), m.max_value(n));
    row.set_double(col(1), m.min_value(n));
    row.set_double(col(2), m.mean(n));
    row.set_double(col(3), m.stddev(n));
}

/// Fwd/Bwd IAT Total, Mean, Std, Max, Min: int 0 ×5 unless the direction has >= 2 packets.
void put_iat_block(FeatureRow& row, Column first, const SummedMoments& s, std::uint64_t packets) {
    const auto col = [first](int i) {
        return column_after(first, i);
    };
    if (packets <= 1) {
        put_int_zeros(row, first, 5);
        return;
    }
    const std::uint64_t n = packets - 1;
    row.set_double(col(0), s.sum_value());
    row.set_double(col(1), s.mean(n));
    row.set_double(col(2), s.stddev(n));
    row.set_double(col(3), s.max_value(n));
    row.set_double(col(4), s.min_value(n));
}

/// Active or Idle Mean, Std, Max, Min: int 0 ×4 when nothing was recorded.
void put_period_block(FeatureRow& row, Column first, const Moments& s, std::uint64_t n) {
    const auto col = [first](int i) {
        return column_after(first, i);
    };
    if (n == 0) {
        put_int_zeros(row, first, 4);
        return;
    }
    row.set_double(col(0), s.mean(n));
    row.set_double(col(1), s.stddev(n));
    row.set_double(col(2), s.max_value(n));
    row.set_double(col(3), s.min_value(n));
}

/// fixed prints `Double.isNaN(x) ? 0 : x`, a double expression in Java: NaN becomes 0.0.
double nan_to_zero(double x) {
    return x != x ? 0.0 : x;
}

/// Java `(long) d`: truncation, NaN -> 0, saturating.
std::int64_t java_long(double d) {
    if (d != d) {
        return 0;
    }
    if (d >= 9.2233720368547758e18) {
        return INT64_MAX;
    }
    if (d <= -9.2233720368547758e18) {
        return INT64_MIN;
    }
    return static_cast<std::int64_t>(d);
}

void put_bulk(FeatureRow& row, Column bytes, Column packets, Column rate, const BulkState& b,
              bool as_double) {
    if (as_double) {
        row.set_double(bytes, b.bulks != 0 ? static_cast<double>(b.total_bytes) / b.bulks : 0.0);
        row.set_double(packets,
                       b.bulks != 0 ? static_cast<double>(b.total_packets) / b.bulks : 0.0);
        row.set_double(rate, b.total_duration != 0
                                 ? static_cast<double>(b.total_bytes) /
                                       (static_cast<double>(b.total_duration) / kMicrosPerSecondD)
                                 : 0.0);
        return;
    }
    row.set_int(bytes, b.bulks != 0 ? b.total_bytes / b.bulks : 0);
    row.set_int(packets, b.bulks != 0 ? static_cast<std::int64_t>(b.total_packets / b.bulks) : 0);
    row.set_int(rate, b.total_duration != 0
                          ? java_long(static_cast<double>(b.total_bytes) /
                                      (static_cast<double>(b.total_duration) / kMicrosPerSecondD))
                          : 0);
}

}  // namespace

void FlowFeatures::finalize(Profile profile, FeatureRow& row) const noexcept {
    const CicCompat& c = compat_for(profile);
    row = FeatureRow{};
    row.profile = profile;
    row.src_ip = src_ip;
    row.dst_ip = dst_ip;
    row.src_port = src_port;
    row.dst_port = dst_port;
    row.protocol = protocol;
    row.ipv6 = ipv6;
    row.first_ts_us = flow_start;
    if (c.flow_id_order == FlowIdOrder::SignedByteCanonical) {
        // BasicPacketInfo.generateFlowId: first differing byte, compared as signed bytes.
        bool reversed = false;
        for (std::size_t i = 0; i < 16; ++i) {
            if (src_ip[i] != dst_ip[i]) {
                reversed =
                    static_cast<std::int8_t>(src_ip[i]) > static_cast<std::int8_t>(dst_ip[i]);
                break;
            }
        }
        row.flow_id_reversed = reversed;
    } else {
        row.flow_id_reversed = flow_id_reversed;
    }

    const std::uint64_t total = total_packets();
    const Micros dur = duration();
    const double dur_s = static_cast<double>(dur) / kMicrosPerSecondD;
    row.set_int(Column::FlowDuration, dur);
    row.set_int(Column::TotFwdPkts, static_cast<std::int64_t>(fwd.count));
    row.set_int(Column::TotBwdPkts, static_cast<std::int64_t>(bwd.count));
    row.set_double(Column::TotLenFwd, fwd.count != 0 ? static_cast<double>(fwd.len.sum) : 0.0);
    row.set_double(Column::TotLenBwd, bwd.count != 0 ? static_cast<double>(bwd.len.sum) : 0.0);
    put_length_block(row, Column::FwdPktLenMax, fwd.len, fwd.count);
    put_length_block(row, Column::BwdPktLenMax, bwd.len, bwd.count);

    const double bytes =
        static_cast<double>(fwd.len.sum * (fwd.count != 0) + bwd.len.sum * (bwd.count != 0));
    if (c.zero_duration_rates_minus_one && dur == 0) {
        row.set_int(Column::FlowBytesPerSec, -1);
        row.set_int(Column::FlowPktsPerSec, -1);
    } else {
        row.set_double(Column::FlowBytesPerSec, bytes / dur_s);
        row.set_double(Column::FlowPktsPerSec, static_cast<double>(total) / dur_s);
    }

    const std::uint64_t iat_n = total - 1;
    double iat[4] = {flow_iat.mean(iat_n), flow_iat.stddev(iat_n), flow_iat.max_value(iat_n),
                     flow_iat.min_value(iat_n)};
    for (int i = 0; i < 4; ++i) {
        const double v = c.zero_duration_rates_minus_one ? nan_to_zero(iat[i]) : iat[i];
        row.set_double(static_cast<Column>(static_cast<std::uint8_t>(Column::FlowIatMean) + i), v);
    }
    put_iat_block(row, Column::FwdIatTotal, fwd.iat, fwd.count);
    put_iat_block(row, Column::BwdIatTotal, bwd.iat, bwd.count);

    row.set_int(Column::FwdPshFlags, fwd.psh);
    row.set_int(Column::BwdPshFlags, bwd.psh);
    row.set_int(Column::FwdUrgFlags, fwd.urg);
    row.set_int(Column::BwdUrgFlags, bwd.urg);
    row.set_int(Column::FwdHeaderLen, static_cast<std::int64_t>(fwd.header));
    row.set_int(Column::BwdHeaderLen, static_cast<std::int64_t>(bwd.header));
    row.set_double(Column::FwdPktsPerSec, dur > 0 ? static_cast<double>(fwd.count) / dur_s : 0.0);
    row.set_double(Column::BwdPktsPerSec, dur > 0 ? static_cast<double>(bwd.count) / dur_s : 0.0);

    const std::uint64_t all_n = total + (c.first_payload_counted_twice ? 1 : 0);
    const Moments all = all_len.moments();
    row.set_double(Column::PktLenMin, all.min_value(all_n));
    row.set_double(Column::PktLenMax, all.max_value(all_n));
    row.set_double(Column::PktLenMean, all.mean(all_n));
    row.set_double(Column::PktLenStd, all.stddev(all_n));
    row.set_double(Column::PktLenVar, all.variance(all_n));

    // Flag counts, header order FIN SYN RST PSH ACK URG CWR ECE. cic2018 wrote them in Java
    // HashMap iteration order (§4.1): the header's FIN..ECE columns hold RST PSH ECE SYN ACK
    // FIN URG CWR. Bit indexes are TcpFlag positions: FIN0 SYN1 RST2 PSH3 ACK4 URG5 ECE6 CWR7.
    static constexpr std::array<int, 8> kHeaderOrder{0, 1, 2, 3, 4, 5, 7, 6};
    static constexpr std::array<int, 8> kHashMapOrder{2, 3, 6, 1, 4, 0, 5, 7};
    const auto& order = c.flag_columns_hashmap_order ? kHashMapOrder : kHeaderOrder;
    for (int i = 0; i < 8; ++i) {
        row.set_int(static_cast<Column>(static_cast<std::uint8_t>(Column::FinCount) + i),
                    flag_counts[order[i]]);
    }

    if (fwd.count > 0) {
        if (c.integer_down_up_ratio) {
            row.set_double(Column::DownUpRatio, static_cast<double>(bwd.count / fwd.count));
        } else {
            row.set_double(Column::DownUpRatio,
                           static_cast<double>(bwd.count) / static_cast<double>(fwd.count));
        }
    } else {
        row.set_double(Column::DownUpRatio, 0.0);
    }
    row.set_double(Column::AvgPktSize,
                   total > 0 ? static_cast<double>(all_len.sum) / static_cast<double>(total) : 0.0);
    row.set_double(
        Column::FwdSegSizeAvg,
        fwd.count != 0 ? static_cast<double>(fwd.len.sum) / static_cast<double>(fwd.count) : 0.0);
    row.set_double(
        Column::BwdSegSizeAvg,
        bwd.count != 0 ? static_cast<double>(bwd.len.sum) / static_cast<double>(bwd.count) : 0.0);
    row.set_int(Column::FwdHeaderLenDup, static_cast<std::int64_t>(fwd.header));

    put_bulk(row, Column::FwdBytesPerBulk, Column::FwdPktsPerBulk, Column::FwdBulkRate, fwd.bulk,
             c.bulk_as_double);
    put_bulk(row, Column::BwdBytesPerBulk, Column::BwdPktsPerBulk, Column::BwdBulkRate, bwd.bulk,
             c.bulk_as_double);

    const std::int64_t fwd_bytes = fwd.count != 0 ? fwd.len.sum : 0;
    const std::int64_t bwd_bytes = bwd.count != 0 ? bwd.len.sum : 0;
    if (c.subflow == SubflowMode::DoubleDivision) {
        const auto per = [&](double v) {
            return sf_count > 0 ? v / sf_count : 0.0;
        };
        row.set_double(Column::SubflowFwdPkts, per(static_cast<double>(fwd.count)));
        row.set_double(Column::SubflowFwdBytes, per(static_cast<double>(fwd_bytes)));
        row.set_double(Column::SubflowBwdPkts, per(static_cast<double>(bwd.count)));
        row.set_double(Column::SubflowBwdBytes, per(static_cast<double>(bwd_bytes)));
    } else {
        const auto per = [&](std::int64_t v) -> std::int64_t {
            return sf_count > 0 ? v / static_cast<std::int64_t>(sf_count) : 0;
        };
        row.set_int(Column::SubflowFwdPkts, per(static_cast<std::int64_t>(fwd.count)));
        row.set_int(Column::SubflowFwdBytes, per(fwd_bytes));
        row.set_int(Column::SubflowBwdPkts, per(static_cast<std::int64_t>(bwd.count)));
        row.set_int(Column::SubflowBwdBytes, per(bwd_bytes));
    }

    row.set_int(Column::FwdInitWin, fwd.init_win);
    row.set_int(Column::BwdInitWin, bwd.init_win);
    row.set_int(Column::FwdActDataPkts, fwd.act_data);
    row.set_int(Column::FwdSegSizeMin, fwd.min_seg);
    put_period_block(row, Column::ActiveMean, active, active_n);
    put_period_block(row, Column::IdleMean, idle, idle_n);

    if (c.fixed_extra_columns) {
        row.set_int(Column::FwdRstFlags, fwd.rst);
        row.set_int(Column::BwdRstFlags, bwd.rst);
        row.set_int(Column::BwdActDataPkts, bwd.act_data);
        row.set_int(Column::BwdSegSizeMin, bwd.min_seg);
        row.set_int(Column::IcmpCode, icmp_code);
        row.set_int(Column::IcmpType, icmp_type);
        row.set_int(Column::FwdRetrans, fwd_retrans);
        row.set_int(Column::BwdRetrans, bwd_retrans);
        row.set_int(Column::TotalRetrans, fwd_retrans + bwd_retrans);
        const bool connection = protocol == kProtoTcp || protocol == kProtoUdp;
        row.set_int(Column::TotalConnFlowTime, connection ? cumulative + dur : 0);
    }
}

}  // namespace fm::features
