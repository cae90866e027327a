// SPDX-License-Identifier: BSD-3-Clause
// Integration tests of the flowgen program: the same arguments give the same bytes and another
// seed gives others; and a capture read back through libpcap holds what was asked for — the
// number of flows, the TCP/UDP/ICMP, IPv6 and VLAN shares, valid checksums, proper TCP
// handshakes and teardowns, answered requests and ordered time stamps. The packets are parsed
// here by hand, independently of flowgen's builder and of flowmeterd's decoder.
// Usage: integration_flowgen PATH-OF-FLOWGEN [gtest flags]
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include "flowgen/traffic_model.hpp"
#include "program_paths_main.hpp"
#include "program_runner.hpp"

namespace {

using fm::integration::programs;
using fm::integration::read_file;
using fm::integration::run_program;
using fm::integration::split_lines;
using fm::integration::TempDir;

int run_flowgen(std::vector<std::string> args, const std::string& stdout_path = "") {
    args.insert(args.begin(), programs().flowgen);
    args.push_back("--quiet");
    return run_program(args, stdout_path);
}

/// key=value lines of `flowgen --stats`.
std::map<std::string, std::uint64_t> parse_stats(const std::string& text) {
    std::map<std::string, std::uint64_t> out;
    for (const std::string& line : split_lines(text)) {
        const std::size_t eq = line.find('=');
        if (eq != std::string::npos) {
            out[line.substr(0, eq)] = std::strtoull(line.c_str() + eq + 1, nullptr, 10);
        }
    }
    return out;
}

// ---- determinism ------------------------------------------------------------------------------

const std::vector<std::string> kDeterminismArgs = {
    "--flows",      "600", "--concurrency", "60",  "--duration", "5",    "--seed", "42",
    "--ipv6-share", "0.3", "--vlan-share",  "0.3", "--size-mix", "imix",
};

TEST(FlowgenDeterminism, SameArgumentsGiveSameBytes) {
    TempDir dir;
    auto args_a = kDeterminismArgs;
    args_a.insert(args_a.end(), {"-o", dir.file("a.pcap"), "--truth", dir.file("a.csv")});
    auto args_b = kDeterminismArgs;
    args_b.insert(args_b.end(), {"-o", dir.file("b.pcap"), "--truth", dir.file("b.csv")});
    ASSERT_EQ(run_flowgen(args_a), 0);
    ASSERT_EQ(run_flowgen(args_b), 0);
    const std::string a = read_file(dir.file("a.pcap"));
    const std::string b = read_file(dir.file("b.pcap"));
    ASSERT_GT(a.size(), 24U + 600 * 2 * 60) << "capture too small to hold 600 flows";
    EXPECT_TRUE(a == b) << "two runs with the same seed wrote different captures";
    EXPECT_EQ(read_file(dir.file("a.csv")), read_file(dir.file("b.csv")));
}

TEST(FlowgenDeterminism, DifferentSeedGivesDifferentBytes) {
    TempDir dir;
    auto args_a = kDeterminismArgs;
    args_a.insert(args_a.end(), {"-o", dir.file("a.pcap")});
    auto args_c = kDeterminismArgs;
    args_c.insert(args_c.end(), {"-o", dir.file("c.pcap")});
    args_c[7] = "43";  // --seed
    ASSERT_EQ(run_flowgen(args_a), 0);
    ASSERT_EQ(run_flowgen(args_c), 0);
    EXPECT_NE(read_file(dir.file("a.pcap")), read_file(dir.file("c.pcap")));
}

TEST(FlowgenDeterminism, LibraryWritesWhatTheProgramWrites) {
    TempDir dir;
    auto args = kDeterminismArgs;
    args.insert(args.end(), {"-o", dir.file("a.pcap"), "--nanosecond"});
    ASSERT_EQ(run_flowgen(args), 0);
    fm::flowgen::TrafficConfig cfg;
    cfg.flows = 600;
    cfg.concurrency = 60;
    cfg.duration_s = 5;
    cfg.seed = 42;
    cfg.ipv6_share = 0.3;
    cfg.vlan_share = 0.3;
    cfg.size_mix = fm::flowgen::SizeMix::Imix;
    const std::vector<std::uint8_t> bytes =
        fm::flowgen::generate_pcap(cfg, fm::flowgen::TsPrecision::Nano);
    const std::string file = read_file(dir.file("a.pcap"));
    ASSERT_EQ(file.size(), bytes.size());
    EXPECT_TRUE(
        std::equal(bytes.begin(), bytes.end(), reinterpret_cast<const std::uint8_t*>(file.data())));
}

TEST(FlowgenDeterminism, RejectsBadArguments) {
    TempDir dir;
    EXPECT_EQ(run_flowgen({"--flows", "0", "-o", dir.file("x.pcap")}), 2);
    EXPECT_EQ(run_flowgen({"--size-mix", "jumbo", "-o", dir.file("x.pcap")}), 2);
    EXPECT_EQ(run_flowgen({"--tcp-share", "0.8", "--udp-share", "0.3", "-o", dir.file("x.pcap")}),
              2);
    EXPECT_EQ(run_flowgen({"--flows", "10"}), 2) << "missing -o must be refused";
    EXPECT_EQ(run_flowgen({"--option-mix", "modern", "-o", dir.file("x.pcap")}), 2);
    EXPECT_EQ(run_flowgen({"--ipv4-option-share", "1.5", "-o", dir.file("x.pcap")}), 2);
}

// ---- capture contents -------------------------------------------------------------------------

std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

/// RFC 1071 sum, written independently of flowgen's.
std::uint32_t ones_sum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        sum += be16(p + i);
    }
    if (n % 2 != 0) {
        sum += std::uint32_t{p[n - 1]} << 8;
    }
    return sum;
}

bool checksum_ok(std::uint32_t sum) {
    while (sum >> 16 != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return sum == 0xFFFF;
}

struct Packet {
    bool vlan = false;
    std::uint16_t vlan_id = 0;
    bool ipv6 = false;
    std::uint8_t proto = 0;
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint8_t tcp_flags = 0;
    std::uint8_t icmp_type = 0;
    std::uint32_t payload = 0;
    std::vector<std::uint8_t> tcp_option_kinds;  ///< in header order, EOL padding left out
    std::uint8_t ip_option_kind = 0;             ///< first IPv4 option kind, 0 = none
};

/// Checks that `n` option bytes are well-formed TLVs (RFC 793/791): NOP and EOL are one byte,
/// every other option has a length of at least 2 that stays inside the header, and only EOL
/// bytes follow an EOL. Appends the kinds met to `kinds`.
std::string parse_options(const std::uint8_t* o, std::size_t n, std::vector<std::uint8_t>& kinds) {
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t kind = o[i];
        if (kind == 0) {
            for (; i < n; ++i) {
                if (o[i] != 0) {
                    return "option bytes after EOL";
                }
            }
            break;
        }
        kinds.push_back(kind);
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
            return "malformed option length";
        }
        i += o[i + 1];
    }
    return {};
}

/// Parses one Ethernet frame; returns an error text, or empty when it is well formed.
std::string parse(const std::uint8_t* f, std::uint32_t caplen, std::uint32_t wirelen, Packet& p) {
    if (caplen != wirelen) {
        return "caplen != len";
    }
    if (caplen < 60) {
        return "frame shorter than the Ethernet minimum of 60 bytes";
    }
    std::size_t off = 12;
    std::uint16_t type = be16(f + off);
    if (type == 0x8100) {
        p.vlan = true;
        p.vlan_id = be16(f + 14) & 0x0FFF;
        off += 4;
        type = be16(f + off);
    }
    off += 2;
    std::size_t l4 = 0;
    std::size_t l4_len = 0;
    std::uint32_t pseudo = 0;
    if (type == 0x0800) {
        const std::uint8_t* ip = f + off;
        const std::size_t ihl = (ip[0] & 0x0Fu) * 4u;
        if (ip[0] >> 4 != 4 || ihl < 20) {
            return "IPv4 version/IHL";
        }
        if (!checksum_ok(ones_sum(ip, ihl))) {
            return "IPv4 header checksum";
        }
        std::vector<std::uint8_t> ip_kinds;
        if (const std::string e = parse_options(ip + 20, ihl - 20, ip_kinds); !e.empty()) {
            return "IPv4 options: " + e;
        }
        p.ip_option_kind = ip_kinds.empty() ? 0 : ip_kinds.front();
        const std::uint16_t total = be16(ip + 2);
        if (off + total > caplen || (off + total < caplen && caplen != 60)) {
            return "IPv4 total length does not match the frame";
        }
        p.proto = ip[9];
        std::copy(ip + 12, ip + 16, p.src.begin());
        std::copy(ip + 16, ip + 20, p.dst.begin());
        l4 = off + ihl;
        l4_len = total - ihl;
        pseudo = ones_sum(ip + 12, 8) + p.proto + static_cast<std::uint32_t>(l4_len);
    } else if (type == 0x86DD) {
        p.ipv6 = true;
        const std::uint8_t* ip = f + off;
        if (ip[0] >> 4 != 6) {
            return "IPv6 version";
        }
        const std::uint16_t plen = be16(ip + 4);
        if (off + 40 + plen != caplen) {
            return "IPv6 payload length does not match the frame";
        }
        p.proto = ip[6];
        std::copy(ip + 8, ip + 24, p.src.begin());
        std::copy(ip + 24, ip + 40, p.dst.begin());
        l4 = off + 40;
        l4_len = plen;
        pseudo = ones_sum(ip + 8, 32) + p.proto + static_cast<std::uint32_t>(l4_len);
    } else {
        return "unexpected EtherType";
    }
    const std::uint8_t* t = f + l4;
    switch (p.proto) {
        case 6:
            p.sport = be16(t);
            p.dport = be16(t + 2);
            p.tcp_flags = t[13];
            p.payload = static_cast<std::uint32_t>(l4_len - (t[12] >> 4) * 4u);
            if (const std::string e =
                    parse_options(t + 20, (t[12] >> 4) * 4u - 20u, p.tcp_option_kinds);
                !e.empty()) {
                return "TCP options: " + e;
            }
            break;
        case 17:
            p.sport = be16(t);
            p.dport = be16(t + 2);
            if (be16(t + 4) != l4_len) {
                return "UDP length";
            }
            p.payload = static_cast<std::uint32_t>(l4_len - 8);
            break;
        case 1:
        case 58:
            p.icmp_type = t[0];
            p.payload = static_cast<std::uint32_t>(l4_len - 8);
            pseudo = p.proto == 1 ? 0 : pseudo;  // ICMPv4 has no pseudo-header
            break;
        default:
            return "unexpected IP protocol";
    }
    if (!checksum_ok(ones_sum(t, l4_len, pseudo))) {
        return "transport checksum";
    }
    return {};
}

struct FlowSeen {
    std::vector<Packet> packets;
};

using FlowId = std::tuple<std::uint8_t, std::array<std::uint8_t, 16>, std::array<std::uint8_t, 16>,
                          std::uint16_t, std::uint16_t>;

/// The flow a packet belongs to, the same key for both directions.
FlowId flow_id(const Packet& p) {
    std::uint8_t proto = p.proto == 58 ? 1 : p.proto;
    if (std::tie(p.src, p.sport) < std::tie(p.dst, p.dport)) {
        return {proto, p.src, p.dst, p.sport, p.dport};
    }
    return {proto, p.dst, p.src, p.dport, p.sport};
}

struct CaptureSummary {
    std::uint64_t packets = 0;
    std::int64_t first_us = 0;
    std::int64_t last_us = 0;
    std::uint32_t max_caplen = 0;
    std::map<std::uint32_t, std::uint64_t> caplens;
    std::map<FlowId, FlowSeen> flows;
    std::uint64_t tcp = 0, udp = 0, icmp = 0, icmpv6 = 0, ipv6 = 0, vlan = 0;
};

/// Reads a capture through libpcap and checks every frame; failures are reported with
/// ADD_FAILURE (and stop after a few).
CaptureSummary read_capture(const std::string& path) {
    CaptureSummary s;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pc = pcap_open_offline(path.c_str(), errbuf);
    if (pc == nullptr) {
        ADD_FAILURE() << "pcap_open_offline(" << path << "): " << errbuf;
        return s;
    }
    EXPECT_EQ(pcap_datalink(pc), DLT_EN10MB);
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    int errors = 0;
    int rc = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        const std::int64_t ts = std::int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec;
        if (s.packets == 0) {
            s.first_us = ts;
        } else if (ts < s.last_us && errors++ < 5) {
            ADD_FAILURE() << "packet " << s.packets + 1 << ": time stamp goes backwards";
        }
        s.last_us = ts;
        ++s.packets;
        s.max_caplen = std::max(s.max_caplen, h->caplen);
        ++s.caplens[h->caplen];
        Packet p;
        const std::string err = parse(data, h->caplen, h->len, p);
        if (!err.empty()) {
            if (errors++ < 5) {
                ADD_FAILURE() << "packet " << s.packets << ": " << err;
            }
            continue;
        }
        s.tcp += p.proto == 6;
        s.udp += p.proto == 17;
        s.icmp += p.proto == 1;
        s.icmpv6 += p.proto == 58;
        s.ipv6 += p.ipv6;
        s.vlan += p.vlan;
        s.flows[flow_id(p)].packets.push_back(p);
    }
    EXPECT_EQ(rc, PCAP_ERROR_BREAK) << pcap_geterr(pc);
    pcap_close(pc);
    return s;
}

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

/// Structural checks of one flow; returns an error text or empty.
std::string check_flow(const FlowSeen& f) {
    const Packet& first = f.packets.front();
    for (const Packet& p : f.packets) {
        if (p.vlan != first.vlan || p.vlan_id != first.vlan_id) {
            return "VLAN tag changes within the flow";
        }
    }
    if (first.proto == 6) {
        if (f.packets.size() < 5) {
            return "TCP flow shorter than handshake + request + teardown";
        }
        if (first.tcp_flags != kSyn || f.packets[1].tcp_flags != (kSyn | kAck) ||
            f.packets[1].src != first.dst || f.packets[2].tcp_flags != kAck) {
            return "TCP flow does not start with SYN, SYN-ACK, ACK";
        }
        bool fin_client = false;
        bool fin_server = false;
        bool rst = false;
        for (const Packet& p : f.packets) {
            fin_client |= (p.tcp_flags & kFin) != 0 && p.src == first.src;
            fin_server |= (p.tcp_flags & kFin) != 0 && p.src == first.dst;
            rst |= (p.tcp_flags & kRst) != 0;
        }
        if (rst == (fin_client || fin_server) || (!rst && !(fin_client && fin_server))) {
            return "TCP flow ends neither with FINs from both sides nor with one RST";
        }
        return {};
    }
    if (f.packets.size() % 2 != 0) {
        return "request without a response";
    }
    for (std::size_t i = 0; i < f.packets.size(); i += 2) {
        const Packet& q = f.packets[i];
        const Packet& r = f.packets[i + 1];
        if (q.src != first.src || r.src != first.dst) {
            return "requests and responses do not alternate";
        }
        if (first.proto == 1 && (q.icmp_type != 8 || r.icmp_type != 0 || q.payload != r.payload)) {
            return "ICMP echo request/reply mismatch";
        }
        if (first.proto == 58 &&
            (q.icmp_type != 128 || r.icmp_type != 129 || q.payload != r.payload)) {
            return "ICMPv6 echo request/reply mismatch";
        }
    }
    return {};
}

void expect_share(const char* what, std::uint64_t count, std::uint64_t total, double share) {
    // The generator picks flows with an equidistributed sequence, not coin flips: it must land
    // within 1 % (or 5 flows) of the share asked for.
    const double expected = share * static_cast<double>(total);
    const double tolerance = std::max(5.0, 0.01 * static_cast<double>(total));
    EXPECT_NEAR(static_cast<double>(count), expected, tolerance)
        << what << ": " << count << " of " << total << " flows, asked for " << share;
}

TEST(FlowgenCapture, HoldsTheFlowsAndSharesAskedFor) {
    TempDir dir;
    constexpr std::uint64_t kFlows = 2000;
    ASSERT_EQ(run_flowgen({"--flows", "2000", "--concurrency", "100", "--duration", "20", "--seed",
                           "7", "--tcp-share", "0.6", "--udp-share", "0.25", "--ipv6-share", "0.25",
                           "--vlan-share", "0.2", "--stats", "-o", dir.file("t.pcap")},
                          dir.file("stats.txt")),
              0);
    const auto stats = parse_stats(read_file(dir.file("stats.txt")));
    const CaptureSummary s = read_capture(dir.file("t.pcap"));

    EXPECT_EQ(s.packets, stats.at("packets")) << "packets in the file != packets reported";
    EXPECT_EQ(stats.at("flows"), kFlows);
    ASSERT_EQ(s.flows.size(), kFlows) << "distinct flows found in the capture";

    std::uint64_t tcp = 0, udp = 0, icmp = 0, ipv6 = 0, vlan = 0;
    int bad = 0;
    for (const auto& [id, f] : s.flows) {
        const Packet& p = f.packets.front();
        tcp += p.proto == 6;
        udp += p.proto == 17;
        icmp += p.proto == 1 || p.proto == 58;
        ipv6 += p.ipv6;
        vlan += p.vlan;
        const std::string err = check_flow(f);
        if (!err.empty() && bad++ < 5) {
            ADD_FAILURE() << "flow with " << f.packets.size() << " packets: " << err;
        }
    }
    expect_share("TCP", tcp, kFlows, 0.6);
    expect_share("UDP", udp, kFlows, 0.25);
    expect_share("ICMP", icmp, kFlows, 0.15);
    expect_share("IPv6", ipv6, kFlows, 0.25);
    expect_share("VLAN", vlan, kFlows, 0.2);

    // Every kind of packet is there, in both address families.
    EXPECT_GT(s.tcp, 0U);
    EXPECT_GT(s.udp, 0U);
    EXPECT_GT(s.icmp, 0U);
    EXPECT_GT(s.icmpv6, 0U);
    EXPECT_GT(s.ipv6, 0U);
    EXPECT_GT(s.vlan, 0U);
    EXPECT_EQ(s.tcp, stats.at("tcp_packets"));
    EXPECT_EQ(s.udp, stats.at("udp_packets"));
    EXPECT_EQ(s.icmp + s.icmpv6, stats.at("icmp_packets"));
    EXPECT_EQ(s.ipv6, stats.at("ipv6_packets"));
    EXPECT_EQ(s.vlan, stats.at("vlan_packets"));

    // The capture spans about the duration asked for.
    const double span_s = static_cast<double>(s.last_us - s.first_us) / 1e6;
    EXPECT_GT(span_s, 15.0);
    EXPECT_LT(span_s, 25.0);
    // The first packet is at the default start time (2024-01-01T00:00:00Z), give or take the
    // first flow's random offset.
    EXPECT_GE(s.first_us, 1'704'067'200'000'000);
    EXPECT_LT(s.first_us, 1'704'067'201'000'000);
}

TEST(FlowgenCapture, RealisticOptionMixChangesOptionsOnly) {
    TempDir dir;
    const std::vector<std::string> base{"--flows",      "800", "--concurrency", "80",
                                        "--duration",   "10",  "--seed",        "9",
                                        "--ipv6-share", "0.1", "--vlan-share",  "0.1"};
    auto classic = base;
    classic.insert(classic.end(), {"-o", dir.file("c.pcap")});
    auto named = base;
    named.insert(named.end(), {"--option-mix", "classic", "-o", dir.file("n.pcap")});
    auto realistic = base;
    realistic.insert(realistic.end(), {"--option-mix", "realistic", "--ipv4-option-share", "0.5",
                                       "-o", dir.file("r.pcap")});
    ASSERT_EQ(run_flowgen(classic), 0);
    ASSERT_EQ(run_flowgen(named), 0);
    ASSERT_EQ(run_flowgen(realistic), 0);
    EXPECT_TRUE(read_file(dir.file("c.pcap")) == read_file(dir.file("n.pcap")))
        << "classic is the default";

    // read_capture() checks every frame: checksums (IPv4 header with its options, TCP over
    // its options), lengths, and well-formed option TLVs.
    const CaptureSummary c = read_capture(dir.file("c.pcap"));
    const CaptureSummary r = read_capture(dir.file("r.pcap"));
    EXPECT_EQ(r.packets, c.packets);
    EXPECT_EQ(r.first_us, c.first_us);
    EXPECT_EQ(r.last_us, c.last_us);
    ASSERT_EQ(r.flows.size(), c.flows.size());
    std::set<std::uint8_t> classic_tcp, realistic_tcp, classic_ip, realistic_ip;
    for (auto ci = c.flows.begin(), ri = r.flows.begin(); ci != c.flows.end(); ++ci, ++ri) {
        ASSERT_TRUE(ci->first == ri->first) << "same flows in the same order";
        ASSERT_EQ(ci->second.packets.size(), ri->second.packets.size());
        for (std::size_t i = 0; i < ci->second.packets.size(); ++i) {
            const Packet& a = ci->second.packets[i];
            const Packet& b = ri->second.packets[i];
            EXPECT_EQ(a.tcp_flags, b.tcp_flags);
            EXPECT_EQ(a.src, b.src);
            classic_tcp.insert(a.tcp_option_kinds.begin(), a.tcp_option_kinds.end());
            realistic_tcp.insert(b.tcp_option_kinds.begin(), b.tcp_option_kinds.end());
            classic_ip.insert(a.ip_option_kind);
            realistic_ip.insert(b.ip_option_kind);
            if (b.ipv6) {
                EXPECT_EQ(b.ip_option_kind, 0);
            }
        }
    }
    EXPECT_EQ(classic_tcp, (std::set<std::uint8_t>{1, 2, 3, 4}));
    EXPECT_EQ(realistic_tcp, (std::set<std::uint8_t>{1, 2, 3, 4, 5, 8, 19, 28, 30, 34, 253, 254}));
    EXPECT_EQ(classic_ip, (std::set<std::uint8_t>{0}));
    EXPECT_EQ(realistic_ip, (std::set<std::uint8_t>{0, 7, 68, 148, 158}));
}

TEST(FlowgenCapture, SizeMixSetsFrameSizes) {
    TempDir dir;
    const std::vector<std::string> base = {"--flows",      "300", "--concurrency", "30",
                                           "--ipv6-share", "0",   "--vlan-share",  "0"};
    auto small = base;
    small.insert(small.end(), {"--size-mix", "64", "-o", dir.file("64.pcap")});
    auto mtu = base;
    mtu.insert(mtu.end(), {"--size-mix", "mtu", "-o", dir.file("mtu.pcap")});
    auto imix = base;
    imix.insert(imix.end(), {"--size-mix", "imix", "-o", dir.file("imix.pcap")});
    ASSERT_EQ(run_flowgen(small), 0);
    ASSERT_EQ(run_flowgen(mtu), 0);
    ASSERT_EQ(run_flowgen(imix), 0);

    // 64-byte frames on the wire are 60 bytes captured; only SYNs with options are longer.
    const CaptureSummary s64 = read_capture(dir.file("64.pcap"));
    EXPECT_LE(s64.max_caplen, 66U);
    EXPECT_GT(s64.caplens.at(60), s64.packets * 8 / 10);

    // 1518-byte frames on the wire are 1514 bytes captured (1500-byte IP packets).
    const CaptureSummary smtu = read_capture(dir.file("mtu.pcap"));
    EXPECT_EQ(smtu.max_caplen, 1514U);
    EXPECT_GT(smtu.caplens.at(1514), smtu.packets / 4);

    // Simple IMIX: 64, 594 and 1518 bytes on the wire.
    const CaptureSummary simix = read_capture(dir.file("imix.pcap"));
    EXPECT_GT(simix.caplens.count(590) ? simix.caplens.at(590) : 0, 0U);
    EXPECT_GT(simix.caplens.count(1514) ? simix.caplens.at(1514) : 0, 0U);
    EXPECT_GT(simix.caplens.at(60), 0U);
}

}  // namespace

int main(int argc, char** argv) {
    return fm::integration::main_with_program_paths(
        argc, argv, {{"PATH-OF-FLOWGEN", &fm::integration::programs().flowgen}});
}
