// SPDX-License-Identifier: BSD-3-Clause
// The traffic model of flowgen: N flows, of which about C are active at once, laid out over a
// chosen duration. TCP flows do the 3-way handshake, exchange request/response rounds and end
// with a FIN exchange or a RST; UDP flows are request/response pairs; ICMP flows are echo
// request/reply pairs; any flow may be IPv6 and/or VLAN-tagged. Packets come out in time order,
// one at a time, built into a reused buffer (no allocation per packet). The same configuration
// always gives the same packets. Every flow has its own (client, server) address pair, so each
// one is exactly one flow for any flow meter that keys on the 5-tuple or on the address pair.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flowgen/option_mix.hpp"
#include "flowgen/packet_builder.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/rng.hpp"

namespace fm::flowgen {

/// Frame sizes of data-carrying packets, as Ethernet frame length on the wire with FCS
/// (RFC 2544 convention). Handshake, ACK and teardown packets are always minimum size.
enum class SizeMix {
    Min64,  ///< every frame 64 bytes (data packets grow only where headers need it)
    Imix,   ///< simple IMIX: 64, 594, 1518 bytes in the ratio 7:4:1
    Mtu,    ///< 1518-byte frames (1500-byte IP packets)
};

std::optional<SizeMix> parse_size_mix(std::string_view s) noexcept;
std::string_view to_string(SizeMix mix) noexcept;

/// 2024-01-01T00:00:00Z, the default time of the first packet.
inline constexpr std::int64_t kDefaultStartNs = 1'704'067'200'000'000'000;

struct TrafficConfig {
    std::uint64_t flows = 1000;       ///< flows in the capture (exactly)
    std::uint32_t concurrency = 100;  ///< flows active at once (at most)
    SizeMix size_mix = SizeMix::Imix;
    double duration_s = 60.0;  ///< time from the first to about the last packet
    std::uint64_t seed = 1;
    double ipv6_share = 0.1;  ///< share of flows over IPv6
    double vlan_share = 0.1;  ///< share of flows with an 802.1Q tag
    double tcp_share = 0.7;   ///< share of TCP flows
    double udp_share = 0.2;   ///< share of UDP flows; ICMP takes the rest
    std::int64_t start_ns = kDefaultStartNs;
    OptionMix option_mix = OptionMix::Classic;  ///< TCP/IPv4 options (option_mix.hpp)
    double ipv4_option_share = 0.1;             ///< realistic mix: IPv4 flows with IP options
};

/// Empty when the configuration is usable, else what is wrong with it.
std::string validate(const TrafficConfig& config);

enum class FlowClose : std::uint8_t {
    None,  ///< UDP and ICMP
    Fin3,  ///< FIN+ACK, FIN+ACK, ACK
    Fin4,  ///< FIN+ACK, ACK, FIN+ACK, ACK
    Rst,   ///< one RST+ACK
};

std::string_view to_string(FlowClose close) noexcept;

/// Ground truth about one generated flow. "Forward" is the client (first packet's sender).
struct FlowRecord {
    std::uint64_t index = 0;  ///< 0-based flow number
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::array<std::uint8_t, 16> client_ip{};
    std::array<std::uint8_t, 16> server_ip{};
    std::uint64_t fwd_payload_bytes = 0;
    std::uint64_t bwd_payload_bytes = 0;
    std::uint64_t fwd_padding_bytes = 0;  ///< Ethernet padding added to reach 60 bytes
    std::uint64_t bwd_padding_bytes = 0;
    std::uint32_t fwd_packets = 0;
    std::uint32_t bwd_packets = 0;
    std::uint16_t client_port = 0;  ///< 0 for ICMP
    std::uint16_t server_port = 0;  ///< 0 for ICMP
    std::uint16_t vlan_id = 0;      ///< 0 = untagged
    std::uint8_t protocol = 0;      ///< kProtoTcp, kProtoUdp, kProtoIcmp or kProtoIcmpv6
    FlowClose close = FlowClose::None;
    bool ipv6 = false;
    TcpStack tcp_stack = TcpStack::Windows;     ///< realistic option mix, TCP flows
    Ipv4Option ipv4_option = Ipv4Option::None;  ///< realistic option mix, IPv4 flows
    /// Packets (client / server) carrying an experimental TCP option kind (253/254).
    std::uint32_t fwd_experimental_option_packets = 0;
    std::uint32_t bwd_experimental_option_packets = 0;
};

struct TrafficStats {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;  ///< frame bytes as captured
    std::uint64_t flows = 0;  ///< finished flows
    std::uint64_t tcp_flows = 0;
    std::uint64_t udp_flows = 0;
    std::uint64_t icmp_flows = 0;  ///< ICMP and ICMPv6
    std::uint64_t ipv6_flows = 0;
    std::uint64_t vlan_flows = 0;
    std::uint64_t tcp_packets = 0;
    std::uint64_t udp_packets = 0;
    std::uint64_t icmp_packets = 0;
    std::uint64_t ipv6_packets = 0;
    std::uint64_t vlan_packets = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
};

/// One generated packet. `data` points into the generator and is valid until the next call
/// to next(); so is `finished`.
struct GeneratedPacket {
    std::int64_t ts_ns = 0;
    const std::uint8_t* data = nullptr;
    std::uint32_t len = 0;
    std::uint64_t flow_index = 0;
    const FlowRecord* finished = nullptr;  ///< set on a flow's last packet
};

class TrafficGenerator {
public:
    /// Throws std::invalid_argument when validate(config) reports a problem.
    explicit TrafficGenerator(const TrafficConfig& config);

    /// Builds the next packet in time order; false once every flow has ended.
    bool next(GeneratedPacket& out) noexcept;

    const TrafficStats& stats() const noexcept { return stats_; }

private:
    /// One of the C concurrency slots: runs its share of the flows one after another. Holds the
    /// state of the flow it runs now (about 150 bytes), so memory grows with C, not with N.
    struct Slot {
        FlowRecord rec;                ///< identity and running totals of the current flow
        SplitMix64 rng;                ///< the current flow's own random stream
        std::int64_t next_ns = 0;      ///< time of the flow's next packet
        double rtt_ns = 0;             ///< unit of round-trip gaps
        double think_ns = 0;           ///< unit of application think-time gaps
        std::uint64_t started = 0;     ///< flows this slot has started
        std::uint64_t total = 0;       ///< flows this slot runs
        std::uint32_t step = 0;        ///< index of the next packet within the flow
        std::uint32_t steps = 0;       ///< packets in the flow
        std::uint32_t host = 0;        ///< client host number (addresses, MAC)
        std::uint32_t client_seq = 0;  ///< TCP: next sequence number of each side
        std::uint32_t server_seq = 0;
        std::uint32_t client_flow_label = 0;
        std::uint32_t server_flow_label = 0;
        std::uint32_t echo_len = 0;  ///< ICMP: payload of the request the reply mirrors
        std::uint16_t client_ip_id = 0;
        std::uint16_t server_ip_id = 0;
        std::uint16_t client_window = 0;
        std::uint16_t server_window = 0;
        std::uint16_t icmp_id = 0;
        std::uint8_t rounds = 0;    ///< TCP request/response rounds, UDP/ICMP pairs
        std::uint8_t segments = 0;  ///< TCP: segments per response
        std::uint8_t client_ttl = 64;
        std::uint8_t server_ttl = 64;
        bool server_closes = false;  ///< TCP: the server sends the first FIN or the RST
    };

    struct HeapItem {
        std::int64_t ts_ns;
        std::uint32_t slot;
    };

    void start_flow(Slot& slot, std::uint32_t slot_index, std::int64_t earliest_ns) noexcept;
    std::uint32_t build_packet(Slot& slot) noexcept;
    void push(std::int64_t ts_ns, std::uint32_t slot) noexcept;

    TrafficConfig config_;
    std::uint64_t kind_offset_ = 0;
    std::uint64_t ipv6_offset_ = 0;
    std::uint64_t vlan_offset_ = 0;
    std::uint64_t tcp_threshold_ = 0;
    std::uint64_t tcp_udp_threshold_ = 0;
    std::uint64_t ipv6_threshold_ = 0;
    std::uint64_t vlan_threshold_ = 0;
    std::int64_t end_ns_ = 0;
    std::vector<Slot> slots_;
    std::vector<HeapItem> heap_;
    std::vector<std::uint8_t> payload_pattern_;
    std::array<std::uint8_t, kMaxFrameLen> frame_{};
    OptionBytes tcp_options_{};  ///< options of the packet being built (FrameSpec points here)
    OptionBytes ip_options_{};
    FlowRecord finished_{};
    TrafficStats stats_{};
};

/// Runs a whole configuration into an in-memory classic pcap (for benchmarks and tests).
std::vector<std::uint8_t> generate_pcap(const TrafficConfig& config, TsPrecision precision,
                                        TrafficStats* stats = nullptr);

}  // namespace fm::flowgen
