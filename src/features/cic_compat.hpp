// SPDX-License-Identifier: BSD-3-Clause
// The CICFlowMeter profiles as data: every behaviour of a reference build that flowmeterd
// reproduces, bug or fix, is one named field here with the spec section (or bug id of the spec's
// catalogue, §5) that documents it. The flow engine, the feature accumulators and the CSV
// formatter read these switches; no other code asks "which profile is this?".
//
// Sources, named by the profile that reproduces them: v4 = ahlashkari/CICFlowMeter d212d6c;
// cic2018 = the same repository's February 2018 code eaa853d (cic2017 adds jnetpcap 1.3.0's
// decoding); fixed = GintsEngelen/CICFlowMeter 4dd5319. The spec is
// ../shared/spec/cicflowmeter-spec.md.
#pragma once

#include <cstdint>

#include "common/profile.hpp"

namespace fm::features {

/// How the Flow ID column orders the two endpoints (§3.1).
enum class FlowIdOrder : std::uint8_t {
    /// The flow's key as first stored: the first packet's (src, dst), or its reverse when
    /// the profile reverses SYN-ACK-first flows (v4, fixed).
    KeyOrder,
    /// cic2018: lower address first, bytes compared as signed Java bytes (188.x sorts before
    /// 10.x); equal addresses keep the packet's order, which also splits the flow key.
    SignedByteCanonical,
};

/// Which flow life cycle the profile follows (§3.2, §3.3).
enum class Lifecycle : std::uint8_t {
    V4,       ///< first backward FIN closes; forward FIN #2+ dropped; RST closes (§3.2)
    Cic2018,  ///< any FIN closes, RST ordinary (§3.3, bugs E1/E2)
    Fixed,    ///< FIN/FIN/ACK and RST mark the flow; a later SYN or a timeout closes it (§3.3)
};

/// Bulk accounting (§3.7).
enum class BulkMode : std::uint8_t {
    FirstPacketOnly,  ///< cic2018 (#41): only the first packet is seen, all six columns are 0
    AllToBackward,    ///< v4 (F1, #124): reference comparison sends every packet to "Bwd"
    PerDirection,     ///< fixed: address bytes compared, each direction has its own bulks
};

/// Subflow columns (§3.8).
enum class SubflowMode : std::uint8_t {
    Totals,           ///< cic2018: detector ran once with a parenthesis bug, sfCount = 1
    IntegerDivision,  ///< v4: totals ÷ (gaps > 1 s), integer, 0 when no gap
    DoubleDivision,   ///< fixed (F9/F10): same count, printed as doubles
};

/// Timestamp column layout (§1.4).
enum class TimestampFormat : std::uint8_t {
    DmyHms12,        ///< cic2018 `dd/MM/yyyy hh:mm:ss` (12-hour clock, no AM/PM marker)
    DmyHms12AmPm,    ///< v4 `dd/MM/yyyy hh:mm:ss a`
    IsoUtcFraction,  ///< fixed (F5) `yyyy-MM-dd HH:mm:ss[.fff|.ffffff]`, always UTC
};

struct CicCompat {
    // --- How a decoded packet is read (§2, §8) ---------------------------------------------
    /// §2.1/F7: anything but TCP/UDP becomes protocol 0 with ports, payload, header and
    /// window 0 (so all such traffic between two hosts merges into one flow).
    bool other_protocols_as_zero;
    /// F7: ICMP (1), IGMP (2) and SCTP (132, with ports) keep their protocol number.
    bool icmp_igmp_sctp_kept;
    /// §8: an ICMP error quoting IPv4+UDP is read as UDP with the quoted ports, payload 0,
    /// header 8 (jnetpcap finds the quoted UDP header).
    bool icmp_quoting_udp_as_udp;
    /// §2.3/#64: TCP/UDP payload runs to the end of the captured frame (jnetpcap 1.3.0), so
    /// Ethernet padding counts as payload.
    bool count_ethernet_padding;
    /// §2.3/F13: a TCP segment whose IPv4 total length is 0 (TSO capture) is still decoded.
    /// jnetpcap 1.4.r1425 fails on it and the packet becomes protocol 0.
    bool decode_zero_ip_length_tcp;
    /// jnetpcap (1.4 and fixed's r1500) strips the Ethernet trailer only when IPv4 directly
    /// follows the Ethernet header: behind 802.1Q tags the trailing bytes count as payload
    /// (found in the goldens: mpls/mixed-vlan-mpls.pcap, vlan/frag_with_padding.pcap).
    bool vlan_trailer_is_payload;
    /// jnetpcap 1.3.0 loses the TCP segments on which its TCP option walk throws or never ends
    /// (decode/jnetpcap13_tcp_options.hpp, from Tcp.decodeHeader() of jnetpcap-legacy 0d7958ad,
    /// release-1.3.0-1): an option kind >= 64 reached by the walk (ArrayIndexOutOfBounds on the
    /// 64-slot JHeaderMap.optionsOffsets), a read at or past the header bytes present (header
    /// cut by the snapshot length, or a defined kind in the header's last byte), a defined kind
    /// of length 0 (endless loop). CICFlowMeter's PacketReader.getIpv4Info (eaa853d) catches the
    /// exception and returns null. Kinds below 64 that 1.3.0 does not define (MD5 19, MPTCP 30,
    /// TFO 34, ...) end the walk and the segment counts. jnetpcap 1.4.r1425 guards the index
    /// (Tcp.decodeHeader, tag trunk-1.4.r1425), so the other profiles keep these segments.
    bool drop_jnetpcap13_tcp_walk_failure;
    /// fixed loses IPv4 packets without ICMP/TCP/UDP/SCTP header whose protocol number
    /// jnetpcap 1.4.r1425's Ip4.Ip4Type does not name (OSPF 89, EIGRP 88, VRRP 112, ...):
    /// GintsEngelen/CICFlowMeter 4dd5319 PacketReader.getIpv4Info switches on
    /// ipv4.typeEnum(), null for those, and its catch drops the packet
    /// (features/jnetpcap_ip4_type.hpp). Named ones (GRE, AH, IPv6-in-IPv4) become protocol 0.
    bool drop_ip4_type_unnamed;
    /// §2.2: TCP window value of a packet that carries no TCP header, and the initial value
    /// of both Init Win columns (cic2018: −1, #21; later 0).
    std::int32_t window_default;

    // --- Keys and direction (§3.1) ------------------------------------------------------------
    FlowIdOrder flow_id_order;
    /// F12: a flow whose first packet is SYN+ACK is created reversed.
    bool reverse_synack_first;

    // --- Life cycle (§3.2, §3.3) --------------------------------------------------------------
    Lifecycle lifecycle;
    /// F4: flows with a single packet are written (else dropped at timeout and end of input).
    bool emit_single_packet_flows;
    /// E5: the packet that opens a timeout continuation is counted forward whatever its
    /// direction; only then does the flow take over the old flow's (src, dst).
    bool continuation_first_packet_forward;

    // --- Per-packet accumulation (§3.4–§3.8, §4) -----------------------------------------------
    /// F3: the first packet's payload enters the all-packet length statistics twice.
    bool first_payload_counted_twice;
    /// #41: flag counts (and bulk, subflow) only look at the first packet.
    bool flags_first_packet_only;
    /// §4.1: the eight flag-count columns are written in Java HashMap order.
    bool flag_columns_hashmap_order;
    /// E4: per-direction PSH/URG counters only see the first packet.
    bool psh_urg_first_packet_only;
    BulkMode bulk;
    SubflowMode subflow;
    /// F2: Down/Up Ratio is an integer division (printed as a double).
    bool integer_down_up_ratio;
    /// F10: bulk averages and rates are printed as doubles (else integer division).
    bool bulk_as_double;
    /// F11: Bwd Init Win = first non-zero backward window (else the last backward window).
    bool bwd_init_win_first_nonzero;
    /// F15: the first packet counts in Fwd Act Data Pkts (else it is excluded).
    bool act_data_counts_first;
    /// F14: zero-duration rates print int −1 and a NaN flow IAT prints 0.0
    /// (else Infinity/NaN as Java computes them).
    bool zero_duration_rates_minus_one;
    /// §3.3: the packet that closes a flow (cic2017/cic2018: any FIN) gets no active/idle update.
    bool active_idle_on_closing_packet;
    /// fixed columns: Fwd/Bwd RST Flags, Bwd Act Data Pkts, Bwd Seg Size Min, ICMP
    /// Code/Type, TCP retransmission counts, Total Connection Flow Time (§4.3).
    bool fixed_extra_columns;

    // --- Output (§1) --------------------------------------------------------------------------
    TimestampFormat timestamp;
    /// §1.4: fixed prints UTC whatever the configured time zone.
    bool timestamp_always_utc;
};

namespace detail {

inline constexpr CicCompat kCic2018{
    .other_protocols_as_zero = true,
    .icmp_igmp_sctp_kept = false,
    .icmp_quoting_udp_as_udp = true,
    .count_ethernet_padding = false,
    .decode_zero_ip_length_tcp = false,
    .vlan_trailer_is_payload = true,
    .drop_jnetpcap13_tcp_walk_failure = false,
    .drop_ip4_type_unnamed = false,
    .window_default = -1,
    .flow_id_order = FlowIdOrder::SignedByteCanonical,
    .reverse_synack_first = false,
    .lifecycle = Lifecycle::Cic2018,
    .emit_single_packet_flows = false,
    .continuation_first_packet_forward = true,
    .first_payload_counted_twice = true,
    .flags_first_packet_only = true,
    .flag_columns_hashmap_order = true,
    .psh_urg_first_packet_only = true,
    .bulk = BulkMode::FirstPacketOnly,
    .subflow = SubflowMode::Totals,
    .integer_down_up_ratio = true,
    .bulk_as_double = false,
    .bwd_init_win_first_nonzero = false,
    .act_data_counts_first = false,
    .zero_duration_rates_minus_one = false,
    .active_idle_on_closing_packet = false,
    .fixed_extra_columns = false,
    .timestamp = TimestampFormat::DmyHms12,
    .timestamp_always_utc = false,
};

/// cic2017: the cic2018 algorithm on jnetpcap 1.3.0 (§2.3, §8): padding counted and
/// zero-IP-length TCP decoded.
inline constexpr CicCompat kCic2017 = [] {
    CicCompat c = kCic2018;
    c.count_ethernet_padding = true;
    c.decode_zero_ip_length_tcp = true;
    c.drop_jnetpcap13_tcp_walk_failure = true;
    return c;
}();

inline constexpr CicCompat kV4{
    .other_protocols_as_zero = true,
    .icmp_igmp_sctp_kept = false,
    .icmp_quoting_udp_as_udp = true,
    .count_ethernet_padding = false,
    .decode_zero_ip_length_tcp = false,
    .vlan_trailer_is_payload = true,
    .drop_jnetpcap13_tcp_walk_failure = false,
    .drop_ip4_type_unnamed = false,
    .window_default = 0,
    .flow_id_order = FlowIdOrder::KeyOrder,
    .reverse_synack_first = false,
    .lifecycle = Lifecycle::V4,
    .emit_single_packet_flows = false,
    .continuation_first_packet_forward = true,
    .first_payload_counted_twice = true,
    .flags_first_packet_only = false,
    .flag_columns_hashmap_order = false,
    .psh_urg_first_packet_only = true,
    .bulk = BulkMode::AllToBackward,
    .subflow = SubflowMode::IntegerDivision,
    .integer_down_up_ratio = true,
    .bulk_as_double = false,
    .bwd_init_win_first_nonzero = false,
    .act_data_counts_first = false,
    .zero_duration_rates_minus_one = false,
    .active_idle_on_closing_packet = true,
    .fixed_extra_columns = false,
    .timestamp = TimestampFormat::DmyHms12AmPm,
    .timestamp_always_utc = false,
};

inline constexpr CicCompat kFixed{
    .other_protocols_as_zero = false,
    .icmp_igmp_sctp_kept = true,
    .icmp_quoting_udp_as_udp = false,
    .count_ethernet_padding = false,
    .decode_zero_ip_length_tcp = true,
    .vlan_trailer_is_payload = true,
    .drop_jnetpcap13_tcp_walk_failure = false,
    .drop_ip4_type_unnamed = true,
    .window_default = 0,
    .flow_id_order = FlowIdOrder::KeyOrder,
    .reverse_synack_first = true,
    .lifecycle = Lifecycle::Fixed,
    .emit_single_packet_flows = true,
    .continuation_first_packet_forward = false,
    .first_payload_counted_twice = false,
    .flags_first_packet_only = false,
    .flag_columns_hashmap_order = false,
    .psh_urg_first_packet_only = false,
    .bulk = BulkMode::PerDirection,
    .subflow = SubflowMode::DoubleDivision,
    .integer_down_up_ratio = false,
    .bulk_as_double = true,
    .bwd_init_win_first_nonzero = true,
    .act_data_counts_first = true,
    .zero_duration_rates_minus_one = true,
    .active_idle_on_closing_packet = true,
    .fixed_extra_columns = true,
    .timestamp = TimestampFormat::IsoUtcFraction,
    .timestamp_always_utc = true,
};

}  // namespace detail

/// The switches of one profile.
constexpr const CicCompat& compat_for(Profile p) noexcept {
    switch (p) {
        case Profile::Cic2017:
            return detail::kCic2017;
        case Profile::Cic2018:
            return detail::kCic2018;
        case Profile::V4:
            return detail::kV4;
        case Profile::Fixed:
            return detail::kFixed;
    }
    return detail::kFixed;
}

}  // namespace fm::features
