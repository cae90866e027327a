// SPDX-License-Identifier: BSD-3-Clause
// FlowFeatures: the per-flow accumulators of CICFlowMeter's BasicFlow, O(1) in memory (no
// packet lists), updated once per packet and finalized into a FeatureRow when the flow ends.
// This file holds what a flow *computes*; when a flow starts, splits or ends is decided by the
// flow engine (flow/flow_engine.cpp), which calls start()/add()/update_active_idle() in the
// order the profile's FlowGenerator does. Every profile difference is a switch of CicCompat.
//
// Worker thread only. Hot functions are inline here; finalize() is in flow_features.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/time.hpp"
#include "decode/packet_meta.hpp"
#include "features/bulk.hpp"
#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"
#include "features/feature_row.hpp"
#include "features/running_stats.hpp"
#include "features/tcp_retrans.hpp"

namespace fm::features {

/// fixed TCP teardown state (§3.3, CIC: TcpFlowState).
enum class TcpState : std::uint8_t { None, FirstFin, SecondFin, ReadyForTermination };

/// Lengths fit in 32 bits; their sum does not necessarily.
struct LengthStats {
    double m1 = 0.0;
    double m2 = 0.0;
    std::int64_t sum = 0;
    std::uint32_t min = 0;
    std::uint32_t max = 0;

    void add(std::uint32_t x, std::uint64_t n) noexcept {
        Moments m{m1, m2, min, max};
        m.add(x, n);
        m1 = m.m1;
        m2 = m.m2;
        min = static_cast<std::uint32_t>(m.min);
        max = static_cast<std::uint32_t>(m.max);
        sum = n == 1 ? x : sum + x;
    }
    Moments moments() const noexcept { return Moments{m1, m2, min, max}; }
};

/// The reference's `(Δ / (double) 1000000) > 1.0` (subflow and bulk gaps). For integer Δ the
/// quotient is correctly rounded and 1.000001 is far from 1.0, so this is exactly Δ > 10^6.
constexpr bool more_than_one_second(Micros delta) noexcept {
    return delta > 1'000'000;
}

/// Address equality as two 64-bit compares (a memcmp call per packet shows in profiles).
inline bool same_ip(const std::array<std::uint8_t, 16>& a,
                    const std::array<std::uint8_t, 16>& b) noexcept {
    std::uint64_t x[2];
    std::uint64_t y[2];
    std::memcpy(x, a.data(), 16);
    std::memcpy(y, b.data(), 16);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/// How a flow's first packet sets the flow's forward tuple.
enum class StartMode : std::uint8_t {
    OwnDirection,  ///< source = the packet's source
    Reversed,      ///< source = the packet's destination (F12, SYN-ACK first)
    Inherit,       ///< source = the previous flow's source (timeout continuation)
};

/// The accumulators of one direction (forward or backward).
struct DirectionStats {
    Micros last_seen = 0;      ///< last packet of this direction
    std::uint64_t count = 0;   ///< packets; also the sample count of `len`
    LengthStats len;           ///< payloads
    SummedMoments iat;         ///< gaps between this direction's packets (count - 1)
    std::uint64_t header = 0;  ///< sum of L4 header lengths
    BulkState bulk;
    std::uint32_t psh = 0;
    std::uint32_t urg = 0;
    std::uint32_t rst = 0;
    std::uint32_t act_data = 0;  ///< packets with payload >= 1
    std::int32_t init_win = 0;
    std::uint16_t min_seg = 0;  ///< smallest L4 header length
    std::uint8_t fin = 0;       ///< FIN packets, saturating (life cycle)
};

/// Layout: the forward block, the fields every packet touches, the backward block, then what
/// only starts, ends and idle gaps touch. A forward packet thus reads and writes bytes
/// [0, 360), a backward one [168, 528): six or seven cache lines, which the flow engine
/// prefetches (FlowEngine::process).
struct FlowFeatures {
    DirectionStats fwd;

    // --- Every packet ---
    // Identity: the forward tuple (Src IP .. Protocol columns).
    std::array<std::uint8_t, 16> src_ip{};
    std::array<std::uint8_t, 16> dst_ip{};
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t protocol = 0;
    bool ipv6 = false;
    bool flow_id_reversed = false;  ///< the key (Flow ID) lists dst first (KeyOrder profiles)
    TcpState tcp_state = TcpState::None;
    Micros flow_start = 0;
    Micros last_seen = 0;
    Micros start_active = 0;
    Micros end_active = 0;
    Micros fwd_bulk_last = 0;  ///< BulkState::update's `last` of each direction
    Micros bwd_bulk_last = 0;
    LengthStats all_len;  ///< L: all payloads (first one twice, F3)
    Moments flow_iat;
    /// Flag counts in TcpFlag bit order: FIN SYN RST PSH ACK URG ECE CWR.
    std::array<std::uint32_t, 8> flag_counts{};
    std::uint32_t sf_count = 0;  ///< gaps > 1 s seen by the subflow detector (§3.8)

    DirectionStats bwd;

    // --- Rarely ---
    Moments active;
    Moments idle;
    std::uint32_t active_n = 0;
    std::uint32_t idle_n = 0;
    Micros cumulative = 0;  ///< fixed Total Connection Flow Time carried so far
    std::uint32_t fwd_retrans = 0;
    std::uint32_t bwd_retrans = 0;
    std::int16_t icmp_type = -1;
    std::int16_t icmp_code = -1;

    std::uint64_t total_packets() const noexcept { return fwd.count + bwd.count; }
    Micros duration() const noexcept { return last_seen - flow_start; }
    bool is_forward(const CicPacket& p) const noexcept { return same_ip(src_ip, p.src_ip); }

    /// CIC: BasicFlow constructor + firstPacket. `retrans` is this flow slot's retransmission
    /// memory (fixed TCP only; may be null otherwise). For StartMode::Inherit the identity
    /// fields must already hold the previous flow's tuple.
    void start(const CicPacket& p, const CicCompat& c, StartMode mode,
               RetransMemory* retrans) noexcept;

    /// CIC: BasicFlow.addPacket.
    void add(const CicPacket& p, const CicCompat& c, Micros activity_timeout,
             RetransMemory* retrans) noexcept;

    /// CIC: BasicFlow.updateActiveIdleTime (§3.5).
    void update_active_idle(Micros t, Micros threshold) noexcept {
        if (t - end_active > threshold) {
            if (end_active - start_active > 0) {
                active.add(end_active - start_active, ++active_n);
            }
            idle.add(t - end_active, ++idle_n);
            start_active = t;
            end_active = t;
        } else {
            end_active = t;
        }
    }

    /// Writes the finished flow as a row of profile `profile` (cold path).
    void finalize(Profile profile, FeatureRow& row) const noexcept;

private:
    void count_flags(const CicPacket& p) noexcept {
        for (unsigned bit = 0; bit < 8; ++bit) {
            flag_counts[bit] += (p.tcp_flags >> bit) & 1u;
        }
    }
    static void count_direction_flags(const CicPacket& p, DirectionStats& d,
                                      const CicCompat& c) noexcept {
        d.psh += p.has(decode::kPsh) ? 1 : 0;
        d.urg += p.has(decode::kUrg) ? 1 : 0;
        d.rst += p.has(decode::kRst) ? 1 : 0;
        if (c.lifecycle == Lifecycle::Fixed && p.has(decode::kFin)) {
            d.fin = d.fin == 255 ? d.fin : static_cast<std::uint8_t>(d.fin + 1);
        }
    }
    void update_bulk(const CicPacket& p, bool is_fwd, const CicCompat& c) noexcept {
        switch (c.bulk) {
            case BulkMode::FirstPacketOnly:
                // cic2018 ran the detector on the first packet only: never 4 packets.
                return;
            case BulkMode::AllToBackward: {
                // v4 (F1): the forward state is never fed, so its `last` stays 0.
                bwd.bulk.update(p.ts_us, p.payload, 0, bwd_bulk_last);
                return;
            }
            case BulkMode::PerDirection:
                if (is_fwd) {
                    fwd.bulk.update(p.ts_us, p.payload, bwd_bulk_last, fwd_bulk_last);
                } else {
                    bwd.bulk.update(p.ts_us, p.payload, fwd_bulk_last, bwd_bulk_last);
                }
                return;
        }
    }
    void track_retransmission(const CicPacket& p, bool is_fwd, RetransMemory* retrans) noexcept {
        if (retrans == nullptr || protocol != kProtoTcp) {
            return;
        }
        const std::uint64_t h = RetransMemory::signature_hash(p.seq, p.ack, p.payload, p.window);
        if (retrans->seen_before(h, is_fwd)) {
            if (is_fwd) {
                ++fwd_retrans;
            } else {
                ++bwd_retrans;
            }
        }
    }
};

inline void FlowFeatures::start(const CicPacket& p, const CicCompat& c, StartMode mode,
                                RetransMemory* retrans) noexcept {
    // Keep what a continuation inherits, reset everything else.
    const auto old_src = src_ip;
    const auto old_dst = dst_ip;
    const std::uint16_t old_sport = src_port;
    const std::uint16_t old_dport = dst_port;
    const bool old_reversed = flow_id_reversed;
    *this = FlowFeatures{};

    switch (mode) {
        case StartMode::OwnDirection:
            src_ip = p.src_ip;
            dst_ip = p.dst_ip;
            src_port = p.src_port;
            dst_port = p.dst_port;
            break;
        case StartMode::Reversed:
            src_ip = p.dst_ip;
            dst_ip = p.src_ip;
            src_port = p.dst_port;
            dst_port = p.src_port;
            break;
        case StartMode::Inherit:
            src_ip = old_src;
            dst_ip = old_dst;
            src_port = old_sport;
            dst_port = old_dport;
            break;
    }
    flow_id_reversed = old_reversed;
    protocol = p.protocol;
    ipv6 = p.ipv6;
    const Micros t = p.ts_us;

    // E5: the reference processes the packet before it copies the old flow's tuple, so the
    // packet that opens a continuation is forward whatever its direction.
    const bool is_fwd =
        (mode == StartMode::Inherit && c.continuation_first_packet_forward) ? true : is_forward(p);

    update_bulk(p, is_fwd, c);
    count_flags(p);
    flow_start = t;
    last_seen = t;
    start_active = t;
    end_active = t;
    // §3.8: the detector's first call only remembers the time. cic2018's parenthesis bug
    // tests `t - (t / 1e6) > 1.0` there, true for any real time stamp, so its sfCount is 1
    // (and 0 only for a capture stamped at the epoch).
    if (c.subflow == SubflowMode::Totals) {
        const double td = static_cast<double>(t);
        sf_count = td - td / 1000000.0 > 1.0 ? 1 : 0;
    } else {
        sf_count = 0;
    }

    all_len.add(p.payload, 1);
    if (c.first_payload_counted_twice) {
        all_len.add(p.payload, 2);
    }

    // cic2018 (#21): both Init Win fields start at -1; the first packet's own value (-1 for
    // non-TCP) overwrites only its direction's field.
    fwd.init_win = c.window_default;
    bwd.init_win = c.window_default;
    DirectionStats& d = is_fwd ? fwd : bwd;
    d.count = 1;
    d.min_seg = p.header;
    d.init_win = p.window;
    d.len.add(p.payload, 1);
    d.header = p.header;
    d.last_seen = t;
    if (c.act_data_counts_first && p.payload >= 1) {
        d.act_data = 1;
    }
    count_direction_flags(p, d, c);
    icmp_type = p.icmp_type;
    icmp_code = p.icmp_code;
    track_retransmission(p, is_fwd, retrans);
}

inline void FlowFeatures::add(const CicPacket& p, const CicCompat& c, Micros activity_timeout,
                              RetransMemory* retrans) noexcept {
    const bool is_fwd = is_forward(p);
    const Micros t = p.ts_us;
    if (!c.flags_first_packet_only) {
        update_bulk(p, is_fwd, c);
        // Subflow detector (§3.8): a gap > 1 s counts and also runs the active/idle update.
        if (more_than_one_second(t - last_seen)) {
            ++sf_count;
            update_active_idle(t, activity_timeout);
        }
        count_flags(p);
    }
    track_retransmission(p, is_fwd, retrans);

    const std::uint64_t all_n = total_packets() + (c.first_payload_counted_twice ? 2 : 1);
    all_len.add(p.payload, all_n);

    DirectionStats& d = is_fwd ? fwd : bwd;
    if (p.payload >= 1) {
        ++d.act_data;
    }
    ++d.count;
    d.len.add(p.payload, d.count);
    d.header += p.header;
    if (d.count > 1) {
        d.iat.add(t - d.last_seen, d.count - 1);
    }
    d.last_seen = t;
    d.min_seg = p.header < d.min_seg ? p.header : d.min_seg;
    if (!is_fwd) {
        // v4/cic2017/cic2018 keep overwriting it (the *last* backward window, F11); fixed keeps the
        // first non-zero one.
        if (!c.bwd_init_win_first_nonzero || d.init_win == 0) {
            d.init_win = p.window;
        }
    }
    if (!c.psh_urg_first_packet_only) {
        count_direction_flags(p, d, c);
    }
    flow_iat.add(t - last_seen, total_packets() - 1);
    last_seen = t;
}

}  // namespace fm::features
