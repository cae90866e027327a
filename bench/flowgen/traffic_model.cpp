// SPDX-License-Identifier: BSD-3-Clause
// How flowgen lays flows out in time and what packets each flow sends.
//
// Time: C slots each run their share of the N flows back to back, so about C flows are active
// at once, and each flow gets a target lifetime of (time left in the run) / (flows left in its
// slot), capped at kMaxLifetime so that a flow meter's 120 s active timeout never splits it. A
// flow's gaps are "round trips" (a few per exchange) and "think time" (between exchanges);
// their units are set so the gaps add up to the target lifetime, and each gap is jittered.
// Flows without think gaps (one UDP or ICMP exchange) end after one round trip and leave the
// rest of their share to the next flow of the slot. A min-heap of the slots' next packet times
// merges the slots into one time-ordered stream; ties go to the lower slot, so the order is a
// strict function of the configuration.
//
// Addresses: flow i belongs to client host i / 8 (10.0.0.0/8 or 2001:db8:1::/64), which talks
// to eight different servers (198.51.100.0/24, 203.0.113.0/24 or 2001:db8:ff::/64), so no two
// flows share an address pair. Hosts wrap after 254 * 65536 (16.6 million); runs of more than
// 133 million flows therefore reuse address pairs.
#include "flowgen/traffic_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fm::flowgen {

namespace {

constexpr double kNsPerSecond = 1e9;
/// Longest target lifetime: 60 s plus at most 25 % jitter stays below CICFlowMeter's 120 s.
constexpr double kMaxLifetimeNs = 60.0 * kNsPerSecond;
constexpr double kJitterLow = 0.75;
constexpr double kJitterHigh = 1.25;
/// Round-trip times are drawn as 0.2 ms + 80 ms * u^2: mostly LAN/metro, a tail of WAN.
constexpr double kMinRttNs = 0.2e6;
constexpr double kRttSpreadNs = 80e6;
/// Gap between segments sent back to back, and between an ACK and the request that follows
/// it, in round-trip units.
constexpr double kBurstGap = 0.02;
constexpr double kImmediateGap = 0.05;
constexpr std::int64_t kMinGapNs = 1000;

constexpr std::uint32_t kFlowsPerHost = 8;
/// Seed tweak of the realistic option mix's own per-flow random stream.
constexpr std::uint64_t kOptionStream = 0x0b71'0e5a'11ce'5eedULL;
constexpr std::uint32_t kServers = 64;
constexpr std::uint32_t kHostsPerSlash16 = 254 * 256;

constexpr std::size_t kPatternSpan = 4096;
constexpr std::uint64_t kPatternSeed = 0x666C6F7767656EULL;  // "flowgen"

constexpr std::array<std::uint8_t, 6> kGatewayMac{0x02, 0xFE, 0x00, 0x00, 0x00, 0x01};

enum class Role : std::uint8_t {
    Syn,
    SynAck,
    HandshakeAck,
    Request,
    Response,
    LastResponse,
    ClientAck,
    CloserFin,
    PeerAck,
    PeerFin,
    CloserAck,
    Rst,
    UdpRequest,
    UdpResponse,
    EchoRequest,
    EchoReply,
};

enum class Gap : std::uint8_t {
    None,
    Rtt,
    Burst,
    Immediate,
    Think,
};

struct Step {
    Role role;
    Gap gap;  ///< gap before this packet
};

std::uint32_t tcp_close_len(FlowClose close) noexcept {
    switch (close) {
        case FlowClose::Fin3:
            return 3;
        case FlowClose::Fin4:
            return 4;
        case FlowClose::Rst:
            return 1;
        case FlowClose::None:
            break;
    }
    return 0;
}

/// What packet `s` of a TCP flow is. Handshake, then `rounds` times (request, `segments`
/// response segments, client ACK), then the teardown.
Step tcp_step(std::uint32_t rounds, std::uint32_t segments, FlowClose close,
              std::uint32_t s) noexcept {
    if (s == 0) {
        return {Role::Syn, Gap::None};
    }
    if (s < 3) {
        return {s == 1 ? Role::SynAck : Role::HandshakeAck, Gap::Rtt};
    }
    s -= 3;
    const std::uint32_t per_round = segments + 2;
    if (s < rounds * per_round) {
        const std::uint32_t pos = s % per_round;
        if (pos == 0) {
            return {Role::Request, s == 0 ? Gap::Immediate : Gap::Think};
        }
        if (pos <= segments) {
            return {pos == segments ? Role::LastResponse : Role::Response,
                    pos == 1 ? Gap::Rtt : Gap::Burst};
        }
        return {Role::ClientAck, Gap::Immediate};
    }
    const std::uint32_t t = s - rounds * per_round;
    if (close == FlowClose::Rst) {
        return {Role::Rst, Gap::Think};
    }
    if (t == 0) {
        return {Role::CloserFin, Gap::Think};
    }
    if (close == FlowClose::Fin3) {
        return t == 1 ? Step{Role::PeerFin, Gap::Rtt} : Step{Role::CloserAck, Gap::Rtt};
    }
    switch (t) {
        case 1:
            return {Role::PeerAck, Gap::Rtt};
        case 2:
            return {Role::PeerFin, Gap::Burst};
        default:
            return {Role::CloserAck, Gap::Rtt};
    }
}

/// Request/reply pairs of UDP and ICMP flows.
Step pair_step(std::uint8_t protocol, std::uint32_t s) noexcept {
    const bool udp = protocol == kProtoUdp;
    if (s % 2 == 0) {
        return {udp ? Role::UdpRequest : Role::EchoRequest, s == 0 ? Gap::None : Gap::Think};
    }
    return {udp ? Role::UdpResponse : Role::EchoReply, Gap::Rtt};
}

Step step_of(const FlowRecord& rec, std::uint32_t rounds, std::uint32_t segments,
             std::uint32_t s) noexcept {
    if (rec.protocol == kProtoTcp) {
        return tcp_step(rounds, segments, rec.close, s);
    }
    return pair_step(rec.protocol, s);
}

/// Wire frame size (with FCS) of a data-carrying packet.
std::uint32_t pick_frame_size(SizeMix mix, SplitMix64& rng) noexcept {
    switch (mix) {
        case SizeMix::Min64:
            return 64;
        case SizeMix::Mtu:
            return 1518;
        case SizeMix::Imix:
            break;
    }
    const std::uint32_t r = rng.below(12);
    return r < 7 ? 64 : (r < 11 ? 594 : 1518);
}

std::uint16_t pick_tcp_server_port(SplitMix64& rng) noexcept {
    const std::uint32_t r = rng.below(20);
    if (r < 12) {
        return 443;
    }
    if (r < 17) {
        return 80;
    }
    constexpr std::array<std::uint16_t, 3> kOther{22, 25, 8080};
    return kOther[r - 17];
}

std::uint16_t pick_udp_server_port(SplitMix64& rng) noexcept {
    constexpr std::array<std::uint16_t, 8> kPorts{53, 53, 53, 53, 123, 443, 443, 1194};
    return kPorts[rng.below(kPorts.size())];
}

std::uint16_t ephemeral_port(SplitMix64& rng) noexcept {
    return static_cast<std::uint16_t>(32768 + rng.below(28232));  // Linux 32768..60999
}

void set_addresses(FlowRecord& rec, std::uint32_t host, std::uint32_t server) noexcept {
    rec.client_ip.fill(0);
    rec.server_ip.fill(0);
    if (rec.ipv6) {
        const std::array<std::uint8_t, 6> client_prefix{0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01};
        const std::array<std::uint8_t, 6> server_prefix{0x20, 0x01, 0x0D, 0xB8, 0x00, 0xFF};
        std::copy(client_prefix.begin(), client_prefix.end(), rec.client_ip.begin());
        std::copy(server_prefix.begin(), server_prefix.end(), rec.server_ip.begin());
        const std::uint32_t h = host + 1;
        rec.client_ip[12] = static_cast<std::uint8_t>(h >> 24);
        rec.client_ip[13] = static_cast<std::uint8_t>(h >> 16);
        rec.client_ip[14] = static_cast<std::uint8_t>(h >> 8);
        rec.client_ip[15] = static_cast<std::uint8_t>(h);
        rec.server_ip[15] = static_cast<std::uint8_t>(server + 1);
        return;
    }
    const std::uint32_t h = host % (kHostsPerSlash16 * 256);
    rec.client_ip[0] = 10;
    rec.client_ip[1] = static_cast<std::uint8_t>(h / kHostsPerSlash16);
    rec.client_ip[2] = static_cast<std::uint8_t>((h % kHostsPerSlash16) / 254);
    rec.client_ip[3] = static_cast<std::uint8_t>(h % 254 + 1);
    const bool second_net = server >= kServers / 2;
    rec.server_ip[0] = second_net ? 203 : 198;
    rec.server_ip[1] = second_net ? 0 : 51;
    rec.server_ip[2] = second_net ? 113 : 100;
    rec.server_ip[3] = static_cast<std::uint8_t>(server % (kServers / 2) + 1);
}

std::array<std::uint8_t, 6> client_mac(std::uint32_t host) noexcept {
    return {0x02,
            0x00,
            static_cast<std::uint8_t>(host >> 24),
            static_cast<std::uint8_t>(host >> 16),
            static_cast<std::uint8_t>(host >> 8),
            static_cast<std::uint8_t>(host)};
}

bool valid_share(double v) noexcept {
    return std::isfinite(v) && v >= 0.0 && v <= 1.0;
}

}  // namespace

std::optional<SizeMix> parse_size_mix(std::string_view s) noexcept {
    for (SizeMix m : {SizeMix::Min64, SizeMix::Imix, SizeMix::Mtu}) {
        if (s == to_string(m)) {
            return m;
        }
    }
    return std::nullopt;
}

std::string_view to_string(SizeMix mix) noexcept {
    switch (mix) {
        case SizeMix::Min64:
            return "64";
        case SizeMix::Imix:
            return "imix";
        case SizeMix::Mtu:
            return "mtu";
    }
    return "imix";
}

std::string_view to_string(FlowClose close) noexcept {
    switch (close) {
        case FlowClose::None:
            return "none";
        case FlowClose::Fin3:
            return "fin3";
        case FlowClose::Fin4:
            return "fin4";
        case FlowClose::Rst:
            return "rst";
    }
    return "none";
}

std::string validate(const TrafficConfig& c) {
    constexpr std::uint64_t kMaxFlows = std::uint64_t{1} << 40;
    constexpr std::uint32_t kMaxConcurrency = 1'000'000;
    constexpr double kMaxDurationS = 10.0 * 365 * 86400;
    // Classic pcap stores 32-bit seconds.
    constexpr double kLastPcapSecond = 4294967295.0;
    if (c.flows == 0 || c.flows > kMaxFlows) {
        return "flows: must be between 1 and 2^40";
    }
    if (c.concurrency == 0 || c.concurrency > kMaxConcurrency) {
        return "concurrency: must be between 1 and 1000000";
    }
    if (!std::isfinite(c.duration_s) || c.duration_s <= 0.0 || c.duration_s > kMaxDurationS) {
        return "duration: must be > 0 and at most ten years";
    }
    if (!valid_share(c.ipv6_share)) {
        return "ipv6-share: must be between 0 and 1";
    }
    if (!valid_share(c.vlan_share)) {
        return "vlan-share: must be between 0 and 1";
    }
    if (!valid_share(c.ipv4_option_share)) {
        return "ipv4-option-share: must be between 0 and 1";
    }
    if (!valid_share(c.tcp_share) || !valid_share(c.udp_share) ||
        c.tcp_share + c.udp_share > 1.0 + 1e-9) {
        return "tcp-share, udp-share: must be between 0 and 1 with a sum of at most 1";
    }
    if (c.start_ns < 0 ||
        static_cast<double>(c.start_ns) / kNsPerSecond + 2 * c.duration_s > kLastPcapSecond) {
        return "start: must be after 1970 and leave the run inside 32-bit pcap seconds";
    }
    return {};
}

TrafficGenerator::TrafficGenerator(const TrafficConfig& config) : config_(config) {
    if (const std::string err = validate(config); !err.empty()) {
        throw std::invalid_argument(err);
    }
    kind_offset_ = mix_seed(config.seed, 0xF10'0001);
    ipv6_offset_ = mix_seed(config.seed, 0xF10'0002);
    vlan_offset_ = mix_seed(config.seed, 0xF10'0003);
    tcp_threshold_ = share_threshold(config.tcp_share);
    tcp_udp_threshold_ = share_threshold(config.tcp_share + config.udp_share);
    ipv6_threshold_ = share_threshold(config.ipv6_share);
    vlan_threshold_ = share_threshold(config.vlan_share);
    end_ns_ = config.start_ns + static_cast<std::int64_t>(config.duration_s * kNsPerSecond);

    payload_pattern_.resize(kPatternSpan + kMaxFrameLen);
    SplitMix64 pattern_rng(kPatternSeed);
    for (auto& b : payload_pattern_) {
        b = static_cast<std::uint8_t>(pattern_rng.next() >> 56);
    }

    const auto n_slots =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(config.concurrency, config.flows));
    slots_.resize(n_slots);
    heap_.reserve(n_slots);
    for (std::uint32_t s = 0; s < n_slots; ++s) {
        slots_[s].total = (config.flows - s + n_slots - 1) / n_slots;
        start_flow(slots_[s], s, config.start_ns);
    }
}

void TrafficGenerator::push(std::int64_t ts_ns, std::uint32_t slot) noexcept {
    heap_.push_back({ts_ns, slot});
    std::push_heap(heap_.begin(), heap_.end(), [](const HeapItem& a, const HeapItem& b) {
        return a.ts_ns != b.ts_ns ? a.ts_ns > b.ts_ns : a.slot > b.slot;
    });
}

void TrafficGenerator::start_flow(Slot& f, std::uint32_t slot_index,
                                  std::int64_t earliest_ns) noexcept {
    const std::uint64_t i = f.started * slots_.size() + slot_index;
    const std::uint64_t flows_left = f.total - f.started;
    ++f.started;

    FlowRecord& rec = f.rec;
    rec = FlowRecord{};
    rec.index = i;
    f.rng = SplitMix64(mix_seed(config_.seed, i));
    SplitMix64& rng = f.rng;

    const std::uint64_t kind = weyl(kind_offset_, kWeylSqrt2, i);
    rec.ipv6 = in_share(weyl(ipv6_offset_, kWeylSqrt3, i), ipv6_threshold_);
    if (in_share(kind, tcp_threshold_)) {
        rec.protocol = kProtoTcp;
    } else if (in_share(kind, tcp_udp_threshold_)) {
        rec.protocol = kProtoUdp;
    } else {
        rec.protocol = rec.ipv6 ? kProtoIcmpv6 : kProtoIcmp;
    }
    if (in_share(weyl(vlan_offset_, kWeylSqrt5, i), vlan_threshold_)) {
        constexpr std::array<std::uint16_t, 5> kVlans{10, 20, 30, 100, 200};
        rec.vlan_id = kVlans[rng.below(kVlans.size())];
    }

    if (config_.option_mix == OptionMix::Realistic) {
        // A stream of its own, so that the realistic mix changes options only: every other
        // choice of the flow is the one the classic mix makes.
        SplitMix64 orng(mix_seed(config_.seed ^ kOptionStream, i));
        rec.tcp_stack = static_cast<TcpStack>(orng.below(kTcpStackCount));
        if (!rec.ipv6 && orng.uniform() < config_.ipv4_option_share) {
            rec.ipv4_option = static_cast<Ipv4Option>(1 + orng.below(4));
        }
    }

    f.host = static_cast<std::uint32_t>(i / kFlowsPerHost);
    const auto server =
        static_cast<std::uint32_t>((std::uint64_t{f.host} * 7 + i % kFlowsPerHost) % kServers);
    set_addresses(rec, f.host, server);

    f.client_ttl = 64;
    f.server_ttl = static_cast<std::uint8_t>((rng.below(2) == 0 ? 64 : 128) - 4 - rng.below(16));
    f.client_ip_id = static_cast<std::uint16_t>(rng.next());
    f.server_ip_id = static_cast<std::uint16_t>(rng.next());
    f.client_flow_label = static_cast<std::uint32_t>(rng.next()) & 0xFFFFF;
    f.server_flow_label = static_cast<std::uint32_t>(rng.next()) & 0xFFFFF;
    f.step = 0;
    f.segments = 0;
    f.server_closes = false;

    switch (rec.protocol) {
        case kProtoTcp: {
            rec.client_port = ephemeral_port(rng);
            rec.server_port = pick_tcp_server_port(rng);
            f.client_seq = static_cast<std::uint32_t>(rng.next());
            f.server_seq = static_cast<std::uint32_t>(rng.next());
            f.client_window = static_cast<std::uint16_t>(128 + rng.below(3968));
            f.server_window = static_cast<std::uint16_t>(128 + rng.below(3968));
            // Mostly short conversations, a few long ones: 1..3 rounds, sometimes up to 8.
            f.rounds = static_cast<std::uint8_t>(1 + rng.below(3) +
                                                 (rng.below(4) == 0 ? rng.below(6) : 0));
            f.segments = static_cast<std::uint8_t>(1 + rng.below(4));
            const std::uint32_t c = rng.below(20);
            rec.close = c < 11 ? FlowClose::Fin3 : (c < 17 ? FlowClose::Fin4 : FlowClose::Rst);
            f.server_closes = rng.below(4) == 0;
            f.steps = 3 + f.rounds * (f.segments + 2U) + tcp_close_len(rec.close);
            break;
        }
        case kProtoUdp:
            rec.client_port = ephemeral_port(rng);
            rec.server_port = pick_udp_server_port(rng);
            f.rounds = static_cast<std::uint8_t>(1 + rng.below(3));
            f.steps = 2U * f.rounds;
            break;
        default:
            f.icmp_id = static_cast<std::uint16_t>(rng.next());
            f.rounds = static_cast<std::uint8_t>(1 + rng.below(4));
            f.steps = 2U * f.rounds;
            break;
    }

    // Target lifetime: this flow's share of the time the slot has left.
    const double left_ns = std::max(static_cast<double>(end_ns_ - earliest_ns), 1e6);
    const double window_ns = left_ns / static_cast<double>(flows_left);
    const double lifetime_ns = std::min(window_ns * rng.uniform(0.85, 1.0), kMaxLifetimeNs);
    const double offset_ns = rng.uniform() * std::max(window_ns - lifetime_ns, 0.0);

    double rtt_weight = 0;
    double think_weight = 0;
    for (std::uint32_t s = 1; s < f.steps; ++s) {
        switch (step_of(rec, f.rounds, f.segments, s).gap) {
            case Gap::Rtt:
                rtt_weight += 1.0;
                break;
            case Gap::Burst:
                rtt_weight += kBurstGap;
                break;
            case Gap::Immediate:
                rtt_weight += kImmediateGap;
                break;
            case Gap::Think:
                think_weight += 1.0;
                break;
            case Gap::None:
                break;
        }
    }
    const double u = rng.uniform();
    f.rtt_ns = std::min(kMinRttNs + kRttSpreadNs * u * u, lifetime_ns / rtt_weight);
    f.think_ns = think_weight > 0 ? (lifetime_ns - f.rtt_ns * rtt_weight) / think_weight : 0.0;

    f.next_ns = earliest_ns + static_cast<std::int64_t>(offset_ns);
    rec.first_ns = f.next_ns;
    push(f.next_ns, slot_index);
}

std::uint32_t TrafficGenerator::build_packet(Slot& f) noexcept {
    FlowRecord& rec = f.rec;
    const Step step = step_of(rec, f.rounds, f.segments, f.step);

    bool from_client = true;
    std::uint8_t flags = 0;
    std::uint32_t payload = 0;
    bool data = false;
    bool syn_options = false;
    std::uint8_t icmp_type = 0;
    switch (step.role) {
        case Role::Syn:
            flags = kTcpSyn;
            syn_options = true;
            break;
        case Role::SynAck:
            from_client = false;
            flags = kTcpSyn | kTcpAck;
            syn_options = true;
            break;
        case Role::HandshakeAck:
        case Role::ClientAck:
            flags = kTcpAck;
            break;
        case Role::Request:
            flags = kTcpPsh | kTcpAck;
            data = true;
            break;
        case Role::Response:
            from_client = false;
            flags = kTcpAck;
            data = true;
            break;
        case Role::LastResponse:
            from_client = false;
            flags = kTcpPsh | kTcpAck;
            data = true;
            break;
        case Role::CloserFin:
            from_client = !f.server_closes;
            flags = kTcpFin | kTcpAck;
            break;
        case Role::PeerAck:
            from_client = f.server_closes;
            flags = kTcpAck;
            break;
        case Role::PeerFin:
            from_client = f.server_closes;
            flags = kTcpFin | kTcpAck;
            break;
        case Role::CloserAck:
            from_client = !f.server_closes;
            flags = kTcpAck;
            break;
        case Role::Rst:
            from_client = !f.server_closes;
            flags = kTcpRst | kTcpAck;
            break;
        case Role::UdpRequest:
            data = true;
            break;
        case Role::UdpResponse:
            from_client = false;
            data = true;
            break;
        case Role::EchoRequest:
            icmp_type = rec.ipv6 ? 128 : 8;
            data = true;
            break;
        case Role::EchoReply:
            from_client = false;
            icmp_type = rec.ipv6 ? 129 : 0;
            break;
    }

    FrameSpec sp;
    sp.protocol = rec.protocol;
    sp.ipv6 = rec.ipv6;
    sp.vlan_id = rec.vlan_id;
    sp.tcp_syn_options = syn_options;
    if (config_.option_mix == OptionMix::Realistic) {
        if (rec.protocol == kProtoTcp) {
            const SegmentKind kind =
                step.role == Role::Syn      ? SegmentKind::Syn
                : step.role == Role::SynAck ? SegmentKind::SynAck
                : (step.role == Role::HandshakeAck || step.role == Role::ClientAck)
                    ? SegmentKind::ClientAck
                    : SegmentKind::Later;
            // Timestamps in milliseconds of capture time; the echo lags by one RTT unit.
            const auto tsval = static_cast<std::uint32_t>(f.next_ns / 1'000'000);
            const auto tsecr = tsval - static_cast<std::uint32_t>(f.rtt_ns / 1e6) - 1;
            tcp_options_ = tcp_options(rec.tcp_stack, kind, tsval, tsecr, f.server_seq);
            sp.tcp_options = tcp_options_.bytes.data();
            sp.tcp_options_len = tcp_options_.len;
            sp.tcp_syn_options = false;
            if (carries_experimental_kind(rec.tcp_stack, kind)) {
                ++(from_client ? rec.fwd_experimental_option_packets
                               : rec.bwd_experimental_option_packets);
            }
        }
        if (rec.ipv4_option != Ipv4Option::None) {
            ip_options_ = ipv4_options(rec.ipv4_option);
            sp.ip_options = ip_options_.bytes.data();
            sp.ip_options_len = ip_options_.len;
        }
    }
    if (step.role == Role::EchoReply) {
        payload = f.echo_len;
    } else if (data) {
        const std::size_t headers = headers_len(sp);
        // Frame size with FCS -> IP packet size: minus 14 bytes of Ethernet header and 4 of FCS.
        const std::uint32_t ip_len = pick_frame_size(config_.size_mix, f.rng) - 18;
        payload = ip_len > headers ? static_cast<std::uint32_t>(ip_len - headers) : 1;
        if (step.role == Role::EchoRequest) {
            f.echo_len = payload;
        }
    }

    if (from_client) {
        sp.src_mac = client_mac(f.host);
        sp.dst_mac = kGatewayMac;
        sp.src_ip = rec.client_ip;
        sp.dst_ip = rec.server_ip;
        sp.src_port = rec.client_port;
        sp.dst_port = rec.server_port;
        sp.ttl = f.client_ttl;
        sp.ip_id = f.client_ip_id++;
        sp.flow_label = f.client_flow_label;
        sp.seq = f.client_seq;
        sp.ack = (flags & kTcpAck) != 0 ? f.server_seq : 0;
        sp.window = step.role == Role::Syn ? 64240 : f.client_window;
    } else {
        sp.src_mac = kGatewayMac;
        sp.dst_mac = client_mac(f.host);
        sp.src_ip = rec.server_ip;
        sp.dst_ip = rec.client_ip;
        sp.src_port = rec.server_port;
        sp.dst_port = rec.client_port;
        sp.ttl = f.server_ttl;
        sp.ip_id = f.server_ip_id++;
        sp.flow_label = f.server_flow_label;
        sp.seq = f.server_seq;
        sp.ack = f.client_seq;
        sp.window = step.role == Role::SynAck ? 65160 : f.server_window;
    }
    if ((flags & kTcpRst) != 0) {
        sp.window = 0;
    }
    sp.tcp_flags = flags;
    sp.dont_fragment = rec.protocol == kProtoTcp;
    sp.icmp_type = icmp_type;
    sp.icmp_id = f.icmp_id;
    sp.icmp_seq = static_cast<std::uint16_t>(f.step / 2 + 1);
    sp.payload_len = payload;
    if (payload != 0) {
        const std::uint64_t off = (rec.index * 2654435761ULL + f.step * 977ULL) % kPatternSpan;
        sp.payload = payload_pattern_.data() + off;
    }

    // Sequence space: SYN and FIN count one, payload counts its bytes (RFC 793 §3.3).
    const std::uint32_t consumed = payload + ((flags & (kTcpSyn | kTcpFin)) != 0 ? 1 : 0);
    if (rec.protocol == kProtoTcp) {
        (from_client ? f.client_seq : f.server_seq) += consumed;
    }
    const std::size_t len = build_frame(sp, frame_.data());
    const std::size_t unpadded =
        kEthHeaderLen + (sp.vlan_id != 0 ? kVlanTagLen : 0) + headers_len(sp) + payload;
    const std::size_t padding = len - unpadded;
    if (from_client) {
        ++rec.fwd_packets;
        rec.fwd_payload_bytes += payload;
        rec.fwd_padding_bytes += padding;
    } else {
        ++rec.bwd_packets;
        rec.bwd_payload_bytes += payload;
        rec.bwd_padding_bytes += padding;
    }
    return static_cast<std::uint32_t>(len);
}

bool TrafficGenerator::next(GeneratedPacket& out) noexcept {
    if (heap_.empty()) {
        return false;
    }
    std::pop_heap(heap_.begin(), heap_.end(), [](const HeapItem& a, const HeapItem& b) {
        return a.ts_ns != b.ts_ns ? a.ts_ns > b.ts_ns : a.slot > b.slot;
    });
    const std::uint32_t slot_index = heap_.back().slot;
    heap_.pop_back();
    Slot& f = slots_[slot_index];
    FlowRecord& rec = f.rec;

    const std::int64_t ts = f.next_ns;
    const std::uint32_t len = build_packet(f);
    rec.last_ns = ts;

    out.ts_ns = ts;
    out.data = frame_.data();
    out.len = len;
    out.flow_index = rec.index;
    out.finished = nullptr;

    ++stats_.packets;
    stats_.bytes += len;
    if (stats_.packets == 1) {
        stats_.first_ns = ts;
    }
    stats_.last_ns = ts;
    switch (rec.protocol) {
        case kProtoTcp:
            ++stats_.tcp_packets;
            break;
        case kProtoUdp:
            ++stats_.udp_packets;
            break;
        default:
            ++stats_.icmp_packets;
            break;
    }
    stats_.ipv6_packets += rec.ipv6 ? 1 : 0;
    stats_.vlan_packets += rec.vlan_id != 0 ? 1 : 0;

    ++f.step;
    if (f.step < f.steps) {
        const Gap gap = step_of(rec, f.rounds, f.segments, f.step).gap;
        double base = f.rtt_ns;
        switch (gap) {
            case Gap::Burst:
                base = f.rtt_ns * kBurstGap;
                break;
            case Gap::Immediate:
                base = f.rtt_ns * kImmediateGap;
                break;
            case Gap::Think:
                base = f.think_ns;
                break;
            case Gap::Rtt:
            case Gap::None:
                break;
        }
        const auto gap_ns =
            static_cast<std::int64_t>(base * f.rng.uniform(kJitterLow, kJitterHigh));
        f.next_ns = ts + std::max(gap_ns, kMinGapNs);
        push(f.next_ns, slot_index);
        return true;
    }

    ++stats_.flows;
    switch (rec.protocol) {
        case kProtoTcp:
            ++stats_.tcp_flows;
            break;
        case kProtoUdp:
            ++stats_.udp_flows;
            break;
        default:
            ++stats_.icmp_flows;
            break;
    }
    stats_.ipv6_flows += rec.ipv6 ? 1 : 0;
    stats_.vlan_flows += rec.vlan_id != 0 ? 1 : 0;
    finished_ = rec;
    out.finished = &finished_;
    if (f.started < f.total) {
        // The next flow of the slot starts a moment after this one ended.
        const auto pause_ns = static_cast<std::int64_t>(f.rng.uniform(10e3, 1e6));
        start_flow(f, slot_index, ts + pause_ns);
    }
    return true;
}

std::vector<std::uint8_t> generate_pcap(const TrafficConfig& config, TsPrecision precision,
                                        TrafficStats* stats) {
    TrafficGenerator gen(config);
    PcapWriter writer(precision);
    GeneratedPacket p;
    while (gen.next(p)) {
        writer.write(p.ts_ns, {p.data, p.len}, p.len);
    }
    if (stats != nullptr) {
        *stats = gen.stats();
    }
    return writer.bytes();
}

}  // namespace fm::flowgen
