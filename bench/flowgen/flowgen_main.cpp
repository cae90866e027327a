// SPDX-License-Identifier: BSD-3-Clause
// flowgen: writes a synthetic classic pcap (see traffic_model.hpp for the model) and, on request,
// the ground truth of every flow as CSV, so that demos, integration tests and benchmarks can make
// inputs of any size without shipping captures. Usage: flowgen --help.
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <arpa/inet.h>
#include <getopt.h>
#include <sys/socket.h>

#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"

namespace {

using fm::flowgen::FlowRecord;
using fm::flowgen::TrafficConfig;
using fm::flowgen::TrafficStats;

constexpr int kExitUsage = 2;

void print_usage(std::FILE* out) {
    std::fputs(
        "usage: flowgen -o FILE [options]\n"
        "Writes a synthetic capture (classic pcap, Ethernet) of TCP, UDP and ICMP flows.\n"
        "\n"
        "  -o, --output FILE     capture to write ('-' = standard output)\n"
        "  -n, --flows N         number of flows (default 1000)\n"
        "  -c, --concurrency C   flows active at once (default 100)\n"
        "  -d, --duration SEC    length of the capture in seconds (default 60)\n"
        "  -s, --seed S          random seed; same arguments and seed = same bytes (default 1)\n"
        "      --size-mix MIX    frame sizes of data packets: 64, imix or mtu (default imix)\n"
        "      --ipv6-share F    share of flows over IPv6, 0..1 (default 0.1)\n"
        "      --vlan-share F    share of flows with an 802.1Q tag, 0..1 (default 0.1)\n"
        "      --tcp-share F     share of TCP flows (default 0.7)\n"
        "      --udp-share F     share of UDP flows (default 0.2); ICMP gets the rest\n"
        "      --option-mix MIX  TCP/IPv4 options: classic (MSS, window scale, SACK-permitted\n"
        "                        on SYN/SYN-ACK) or realistic (per-flow TCP stacks: Linux,\n"
        "                        SACK, MD5, Fast Open, MPTCP, user timeout, experimental\n"
        "                        253/254; IPv4 options on some flows) (default classic)\n"
        "      --ipv4-option-share F  realistic mix: share of IPv4 flows carrying IPv4\n"
        "                        options, 0..1 (default 0.1)\n"
        "      --start EPOCH     time of the first packet, seconds since 1970 (default\n"
        "                        1704067200 = 2024-01-01T00:00:00Z)\n"
        "      --nanosecond      write nanosecond time stamps (default microseconds)\n"
        "      --truth FILE      also write one CSV line of ground truth per flow\n"
        "      --stats           print key=value statistics on standard output\n"
        "  -q, --quiet           no summary on standard error\n"
        "  -h, --help            this text\n",
        out);
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "flowgen: %s (see flowgen --help)\n", msg.c_str());
    std::exit(kExitUsage);
}

template <typename T>
T parse_number(std::string_view name, const char* text) {
    T value{};
    const std::string_view s(text);
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        usage_error(std::string(name) + ": not a valid number: '" + text + "'");
    }
    return value;
}

std::string format_ip(const std::array<std::uint8_t, 16>& ip, bool ipv6) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
    return buf;
}

/// Ground truth CSV: one line per flow, in the order flows end. "Forward" is the client.
class TruthWriter {
public:
    explicit TruthWriter(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
        if (file_ == nullptr) {
            throw std::runtime_error(path + ": cannot create");
        }
        std::fputs(
            "flow,protocol,src_ip,src_port,dst_ip,dst_port,vlan,first_ts_us,last_ts_us,"
            "fwd_packets,bwd_packets,fwd_payload_bytes,bwd_payload_bytes,fwd_padding_bytes,"
            "bwd_padding_bytes,close\n",
            file_.get());
    }

    void write(const FlowRecord& r) {
        std::fprintf(file_.get(), "%llu,%u,%s,%u,%s,%u,%u,%lld,%lld,%u,%u,%llu,%llu,%llu,%llu,%s\n",
                     static_cast<unsigned long long>(r.index), unsigned{r.protocol},
                     format_ip(r.client_ip, r.ipv6).c_str(), unsigned{r.client_port},
                     format_ip(r.server_ip, r.ipv6).c_str(), unsigned{r.server_port},
                     unsigned{r.vlan_id}, static_cast<long long>(r.first_ns / 1000),
                     static_cast<long long>(r.last_ns / 1000), r.fwd_packets, r.bwd_packets,
                     static_cast<unsigned long long>(r.fwd_payload_bytes),
                     static_cast<unsigned long long>(r.bwd_payload_bytes),
                     static_cast<unsigned long long>(r.fwd_padding_bytes),
                     static_cast<unsigned long long>(r.bwd_padding_bytes),
                     std::string(to_string(r.close)).c_str());
    }

    void close() {
        std::FILE* f = file_.release();
        if (std::ferror(f) != 0 || std::fclose(f) != 0) {
            throw std::runtime_error("truth file: write failed");
        }
    }

private:
    struct Closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Closer> file_;
};

void print_stats(const TrafficStats& s) {
    std::printf(
        "flows=%llu\ntcp_flows=%llu\nudp_flows=%llu\nicmp_flows=%llu\nipv6_flows=%llu\n"
        "vlan_flows=%llu\npackets=%llu\ntcp_packets=%llu\nudp_packets=%llu\nicmp_packets=%llu\n"
        "ipv6_packets=%llu\nvlan_packets=%llu\nbytes=%llu\nfirst_ts_us=%lld\nlast_ts_us=%lld\n",
        static_cast<unsigned long long>(s.flows), static_cast<unsigned long long>(s.tcp_flows),
        static_cast<unsigned long long>(s.udp_flows), static_cast<unsigned long long>(s.icmp_flows),
        static_cast<unsigned long long>(s.ipv6_flows),
        static_cast<unsigned long long>(s.vlan_flows), static_cast<unsigned long long>(s.packets),
        static_cast<unsigned long long>(s.tcp_packets),
        static_cast<unsigned long long>(s.udp_packets),
        static_cast<unsigned long long>(s.icmp_packets),
        static_cast<unsigned long long>(s.ipv6_packets),
        static_cast<unsigned long long>(s.vlan_packets), static_cast<unsigned long long>(s.bytes),
        static_cast<long long>(s.first_ns / 1000), static_cast<long long>(s.last_ns / 1000));
}

int run(int argc, char** argv) {
    enum LongOnly {
        kSizeMix = 256,
        kIpv6Share,
        kVlanShare,
        kTcpShare,
        kUdpShare,
        kOptionMix,
        kIpv4OptionShare,
        kStart,
        kNanosecond,
        kTruth,
        kStats,
    };
    const option options[] = {
        {"output", required_argument, nullptr, 'o'},
        {"flows", required_argument, nullptr, 'n'},
        {"concurrency", required_argument, nullptr, 'c'},
        {"duration", required_argument, nullptr, 'd'},
        {"seed", required_argument, nullptr, 's'},
        {"size-mix", required_argument, nullptr, kSizeMix},
        {"ipv6-share", required_argument, nullptr, kIpv6Share},
        {"vlan-share", required_argument, nullptr, kVlanShare},
        {"tcp-share", required_argument, nullptr, kTcpShare},
        {"udp-share", required_argument, nullptr, kUdpShare},
        {"option-mix", required_argument, nullptr, kOptionMix},
        {"ipv4-option-share", required_argument, nullptr, kIpv4OptionShare},
        {"start", required_argument, nullptr, kStart},
        {"nanosecond", no_argument, nullptr, kNanosecond},
        {"truth", required_argument, nullptr, kTruth},
        {"stats", no_argument, nullptr, kStats},
        {"quiet", no_argument, nullptr, 'q'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };

    TrafficConfig cfg;
    std::string output;
    std::string truth_path;
    auto precision = fm::flowgen::TsPrecision::Micro;
    bool quiet = false;
    bool stats = false;
    int opt = 0;
    while ((opt = getopt_long(argc, argv, "o:n:c:d:s:qh", options, nullptr)) != -1) {
        switch (opt) {
            case 'o':
                output = optarg;
                break;
            case 'n':
                cfg.flows = parse_number<std::uint64_t>("--flows", optarg);
                break;
            case 'c':
                cfg.concurrency = parse_number<std::uint32_t>("--concurrency", optarg);
                break;
            case 'd':
                cfg.duration_s = parse_number<double>("--duration", optarg);
                break;
            case 's':
                cfg.seed = parse_number<std::uint64_t>("--seed", optarg);
                break;
            case kSizeMix: {
                const auto mix = fm::flowgen::parse_size_mix(optarg);
                if (!mix) {
                    usage_error(std::string("--size-mix: expected 64, imix or mtu, got '") +
                                optarg + "'");
                }
                cfg.size_mix = *mix;
                break;
            }
            case kIpv6Share:
                cfg.ipv6_share = parse_number<double>("--ipv6-share", optarg);
                break;
            case kVlanShare:
                cfg.vlan_share = parse_number<double>("--vlan-share", optarg);
                break;
            case kTcpShare:
                cfg.tcp_share = parse_number<double>("--tcp-share", optarg);
                break;
            case kUdpShare:
                cfg.udp_share = parse_number<double>("--udp-share", optarg);
                break;
            case kOptionMix: {
                const auto mix = fm::flowgen::parse_option_mix(optarg);
                if (!mix) {
                    usage_error(std::string("--option-mix: expected classic or realistic, got '") +
                                optarg + "'");
                }
                cfg.option_mix = *mix;
                break;
            }
            case kIpv4OptionShare:
                cfg.ipv4_option_share = parse_number<double>("--ipv4-option-share", optarg);
                break;
            case kStart: {
                const auto start_s = parse_number<std::int64_t>("--start", optarg);
                if (start_s < 0 || start_s > 4'294'967'295) {
                    usage_error("--start: must be between 0 and 4294967295 (32-bit pcap seconds)");
                }
                cfg.start_ns = start_s * 1'000'000'000;
                break;
            }
            case kNanosecond:
                precision = fm::flowgen::TsPrecision::Nano;
                break;
            case kTruth:
                truth_path = optarg;
                break;
            case kStats:
                stats = true;
                break;
            case 'q':
                quiet = true;
                break;
            case 'h':
                print_usage(stdout);
                return 0;
            default:
                usage_error("unknown option");
        }
    }
    if (optind != argc) {
        usage_error(std::string("unexpected argument '") + argv[optind] + "'");
    }
    if (output.empty()) {
        usage_error("-o FILE is required");
    }
    if (output == "-" && stats) {
        usage_error("--stats and -o - both use standard output");
    }
    if (const std::string err = fm::flowgen::validate(cfg); !err.empty()) {
        usage_error(err);
    }

    const auto t0 = std::chrono::steady_clock::now();
    fm::flowgen::TrafficGenerator gen(cfg);
    fm::flowgen::PcapWriter writer(output, precision);
    std::unique_ptr<TruthWriter> truth;
    if (!truth_path.empty()) {
        truth = std::make_unique<TruthWriter>(truth_path);
    }
    fm::flowgen::GeneratedPacket p;
    while (gen.next(p)) {
        writer.write(p.ts_ns, {p.data, p.len}, p.len);
        if (truth && p.finished != nullptr) {
            truth->write(*p.finished);
        }
    }
    writer.close();
    if (truth) {
        truth->close();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const TrafficStats& s = gen.stats();
    if (stats) {
        print_stats(s);
    }
    if (!quiet) {
        std::fprintf(stderr,
                     "flowgen: %llu flows (tcp %llu, udp %llu, icmp %llu; ipv6 %llu, vlan %llu), "
                     "%llu packets, %.1f MB, %.1f s of traffic -> %s (%.2f s)\n",
                     static_cast<unsigned long long>(s.flows),
                     static_cast<unsigned long long>(s.tcp_flows),
                     static_cast<unsigned long long>(s.udp_flows),
                     static_cast<unsigned long long>(s.icmp_flows),
                     static_cast<unsigned long long>(s.ipv6_flows),
                     static_cast<unsigned long long>(s.vlan_flows),
                     static_cast<unsigned long long>(s.packets), static_cast<double>(s.bytes) / 1e6,
                     static_cast<double>(s.last_ns - s.first_ns) / 1e9, output.c_str(), secs);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flowgen: %s\n", e.what());
        return 1;
    }
}
