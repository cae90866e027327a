// SPDX-License-Identifier: BSD-3-Clause
// Live capture throughput: what each capture path sustains and what it loses.
//
// BM_PcapLiveVeth/<pps>/<threads>: tcpreplay sends a generated capture of small frames (the
// hard case: per-packet cost dominates) into one end of a veth pair in a private network
// namespace at a fixed rate (0: --topspeed); PcapLiveSource captures on the other end and the
// capture thread decodes every frame (its work before dispatch). With 2 threads the sockets
// form a PACKET_FANOUT_HASH group, one reading thread each. Reported: packets/s captured over
// the replay time, the rate tcpreplay achieved, and the kernel drop counter (pcap_stats), the
// honest measure of loss. Needs root (namespace, CAP_NET_RAW) and tcpreplay; skipped otherwise.
//
// BM_DpdkSource/<port>: DpdkQueueSource on DPDK virtual devices, no hugepages or NIC:
// port 0 = net_pcap with infinite_rx (the generated capture replayed from memory, copied into
// fresh mbufs by the driver) and each frame decoded; port 1 = net_null (the source's own cost:
// burst, views, bulk free, no decode). Reported with imissed/rx_nombuf.
//
// BM_FileRead/<reader>: reading a capture file from the page cache, nothing else (the offline
// `flowmeterd -f` input stage). reader 0 = libpcap alone (pcap_next_ex, the reference rate),
// 1 = CaptureFileReader (batches of views). The file is $FM_BENCH_PCAP when set (a large
// capture, see docs/performance.md), else a generated capture of 3000 small-frame flows
// (about 40 K frames, 3 MB). Reported: frames/s and file bytes/s; each iteration reads the
// whole file once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <sys/types.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "capture/capture_file_reader.hpp"
#include "capture/pcap_live_source.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"

#ifdef FM_HAVE_DPDK
#include "capture/dpdk_source.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;

/// Small-frame traffic written once per process to a temporary pcap, removed at exit.
class BenchTraffic {
public:
    /// At least 200 flows; about min_packets / 100 when that is more.
    explicit BenchTraffic(std::uint64_t min_packets = 0) {
        fm::flowgen::TrafficConfig t;
        t.flows = std::max<std::uint64_t>(200, min_packets / 100);
        t.concurrency = 200;
        t.size_mix = fm::flowgen::SizeMix::Min64;
        t.duration_s = 1;
        t.vlan_share = 0;
        t.seed = 77;
        fm::flowgen::TrafficStats stats;
        std::vector<std::uint8_t> bytes =
            fm::flowgen::generate_pcap(t, fm::flowgen::TsPrecision::Micro, &stats);
        packets_ = stats.packets;
        path_ = (std::filesystem::temp_directory_path() /
                 fmt::format("flowmeterd-bench-capture-{}-{}.pcap", getpid(), t.flows))
                    .string();
        std::ofstream out(path_, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    }
    ~BenchTraffic() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    const std::string& path() const noexcept { return path_; }
    std::uint64_t packets() const noexcept { return packets_; }

private:
    std::string path_;
    std::uint64_t packets_ = 0;
};

const BenchTraffic& traffic() {
    static const BenchTraffic t;
    return t;
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str());
}

/// A namespace with a veth pair, removed on destruction.
class VethPair {
public:
    VethPair() {
        ns_ = fmt::format("fmbench-{}", getpid());
        cap_ = fmt::format("fmbc{}", getpid() % 1000000);
        send_ = fmt::format("fmbs{}", getpid() % 1000000);
        sh("ip netns del " + ns_);
        ok_ =
            sh("ip netns add " + ns_) == 0 &&
            sh(fmt::format("ip -n {} link add {} type veth peer name {}", ns_, cap_, send_)) == 0 &&
            sh(fmt::format("ip netns exec {} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1",
                           ns_)) == 0 &&
            sh(fmt::format("ip -n {} link set {} up", ns_, cap_)) == 0 &&
            sh(fmt::format("ip -n {} link set {} up", ns_, send_)) == 0;
    }
    ~VethPair() { sh("ip netns del " + ns_); }
    VethPair(const VethPair&) = delete;
    VethPair& operator=(const VethPair&) = delete;

    bool ok() const noexcept { return ok_; }
    const std::string& ns() const noexcept { return ns_; }
    const std::string& capture_if() const noexcept { return cap_; }
    const std::string& send_if() const noexcept { return send_; }

    /// Runs fn with this thread inside the namespace (sockets opened there stay there).
    template <typename F>
    bool inside(F&& fn) const {
        const int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        const int target = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
        if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
            return false;
        }
        close(target);
        fn();
        setns(self, CLONE_NEWNET);
        close(self);
        return true;
    }

private:
    std::string ns_;
    std::string cap_;
    std::string send_;
    bool ok_ = false;
};

/// Reads "Successful packets: N" and "Rated: ... (P pps)" from tcpreplay's summary.
void parse_tcpreplay(const std::string& out, std::uint64_t& sent, double& pps) {
    if (const auto p = out.find("Successful packets:"); p != std::string::npos) {
        sent = std::strtoull(out.c_str() + p + 19, nullptr, 10);
    }
    if (const auto r = out.find("Rated:"); r != std::string::npos) {
        if (const auto q = out.find(" Mbps, ", r); q != std::string::npos) {
            pps = std::strtod(out.c_str() + q + 7, nullptr);
        }
    }
}

std::string run_capture_output(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p) != nullptr) {
            out += buf;
        }
        pclose(p);
    }
    return out;
}

void BM_PcapLiveVeth(benchmark::State& state) {
    const auto rate = static_cast<std::uint64_t>(state.range(0));
    const auto threads = static_cast<std::uint32_t>(state.range(1));
    if (geteuid() != 0 || sh("command -v tcpreplay") != 0 || sh("command -v ip") != 0) {
        state.SkipWithError("needs root, ip and tcpreplay (network namespace + veth pair)");
        return;
    }
    const BenchTraffic& t = traffic();
    // Loops of the capture per run: about 1.5 M frames.
    const std::uint64_t loops = 1'500'000 / std::max<std::uint64_t>(t.packets(), 1) + 1;
    std::uint64_t captured_total = 0;
    std::uint64_t drops_total = 0;
    std::uint64_t sent_total = 0;
    double sent_pps = 0;
    double cpu_total = 0;
    double wall_total = 0;
    for (auto _ : state) {
        VethPair veth;
        if (!veth.ok()) {
            state.SkipWithError("cannot create the network namespace / veth pair");
            return;
        }
        fm::config::CaptureConfig cfg;
        cfg.source = fm::config::CaptureSource::PcapLive;
        cfg.interface = veth.capture_if();
        cfg.buffer_mb = 64;
        cfg.threads = threads;
        fm::capture::PcapLiveOptions options;
        options.block_timeout_ms = 10;
        options.poll_interval_ms = 20;
        std::vector<std::unique_ptr<fm::capture::PcapLiveSource>> sources;
        veth.inside([&] { sources = fm::capture::open_pcap_live(cfg, options); });
        if (sources.empty()) {
            state.SkipWithError("cannot open the capture");
            return;
        }
        std::atomic<bool> replay_done{false};
        std::vector<std::uint64_t> captured(sources.size(), 0);
        std::vector<double> cpu_s(sources.size(), 0.0);
        std::vector<std::thread> readers;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            readers.emplace_back([&, i] {
                fm::decode::Decoder decoder(fm::config::DecodeConfig{});
                fm::capture::RawBatch batch;
                fm::decode::PacketMeta meta;
                auto quiet_since = Clock::now();
                const double cpu0 = thread_cpu_seconds();
                for (;;) {
                    const std::size_t n = sources[i]->next_batch(batch);
                    for (std::size_t k = 0; k < n; ++k) {
                        benchmark::DoNotOptimize(decoder.decode(batch.packets[k], meta));
                    }
                    captured[i] += n;
                    if (n != 0) {
                        quiet_since = Clock::now();
                    } else if (replay_done.load() &&
                               Clock::now() - quiet_since > std::chrono::milliseconds(300)) {
                        break;
                    }
                }
                cpu_s[i] = thread_cpu_seconds() - cpu0;
            });
        }
        const std::string speed = rate == 0 ? "--topspeed" : fmt::format("--pps={}", rate);
        const auto t0 = Clock::now();
        const std::string out = run_capture_output(
            fmt::format("ip netns exec {} tcpreplay --preload-pcap --loop={} {} -i {} {}",
                        veth.ns(), loops, speed, veth.send_if(), t.path()));
        const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        replay_done.store(true);
        for (std::thread& r : readers) {
            r.join();
        }
        std::uint64_t sent = 0;
        parse_tcpreplay(out, sent, sent_pps);
        sent_total += sent;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            sources[i]->refresh_stats();
            drops_total += sources[i]->stats().kernel_drops;
            captured_total += captured[i];
            cpu_total += cpu_s[i];
        }
        wall_total += seconds;
        state.SetIterationTime(seconds);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(captured_total));
    state.counters["sent_pps"] = sent_pps;
    state.counters["sent"] = static_cast<double>(sent_total);
    state.counters["captured"] = static_cast<double>(captured_total);
    state.counters["kernel_drops"] = static_cast<double>(drops_total);
    // CPU the capture threads spent (receive + decode; not the time asleep in poll) per frame:
    // 1e9 / this is what one capture thread sustains when it has a core to itself.
    state.counters["capture_cpu_ns_per_pkt"] =
        captured_total == 0 ? 0.0 : 1e9 * cpu_total / static_cast<double>(captured_total);
    state.counters["capture_cpu_pct"] = wall_total == 0 ? 0.0 : 100.0 * cpu_total / wall_total;
    state.counters["loss_pct"] =
        sent_total == 0
            ? 0.0
            : 100.0 * static_cast<double>(sent_total - std::min(sent_total, captured_total)) /
                  static_cast<double>(sent_total);
}
// Axis 1: offered rate in packets/s (0 = as fast as tcpreplay can send); axis 2: capture
// threads (2 = a fanout group of two sockets).
BENCHMARK(BM_PcapLiveVeth)
    ->ArgsProduct({{100'000, 200'000, 400'000, 0}, {1, 2}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

/// The capture BM_FileRead reads: $FM_BENCH_PCAP, or a generated one (3000 flows).
const std::string& file_read_path() {
    static const std::string path = [] {
        if (const char* p = std::getenv("FM_BENCH_PCAP"); p != nullptr && *p != '\0') {
            return std::string(p);
        }
        static const BenchTraffic big(300'000);
        return big.path();
    }();
    return path;
}

std::uint64_t file_size(const std::string& path) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<std::uint64_t>(n);
}

/// capture.bpf_filter for BM_FileRead/2: accepts every frame flowgen writes (IPv4, IPv6, with
/// or without an 802.1Q tag), so the filter's whole cost is measured and no frame is skipped.
constexpr const char* kKeepAllFilter = "ip or ip6 or (vlan and (ip or ip6))";

void BM_FileRead(benchmark::State& state) {
    const bool libpcap_only = state.range(0) == 0;
    const bool filtered = state.range(0) == 2;
    const std::string& path = file_read_path();
    std::uint64_t packets = 0;
    std::uint64_t sum = 0;  // touches each frame's first byte, as a decoder would
    for (auto _ : state) {
        if (libpcap_only) {
            char errbuf[PCAP_ERRBUF_SIZE] = {};
            pcap_t* p = pcap_open_offline_with_tstamp_precision(
                path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
            if (p == nullptr) {
                state.SkipWithError(errbuf);
                return;
            }
            pcap_pkthdr* h = nullptr;
            const u_char* d = nullptr;
            while (pcap_next_ex(p, &h, &d) == 1) {
                sum += h->caplen != 0 ? d[0] : 0U;
                ++packets;
            }
            pcap_close(p);
        } else {
            fm::capture::CaptureFileReader r(path);
            if (!r.is_open()) {
                state.SkipWithError(r.error().c_str());
                return;
            }
            if (filtered) {
                if (const std::string e = r.set_filter(kKeepAllFilter); !e.empty()) {
                    state.SkipWithError(e.c_str());
                    return;
                }
            }
            fm::capture::RawBatch batch;
            while (const std::size_t n = r.next_batch(batch)) {
                for (std::size_t k = 0; k < n; ++k) {
                    const fm::capture::RawPacketView& v = batch.packets[k];
                    sum += v.cap_len != 0 ? v.data[0] : 0U;
                }
                packets += n;
            }
        }
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    state.SetBytesProcessed(static_cast<std::int64_t>(file_size(path) * state.iterations()));
}
// Axis: 0 = libpcap pcap_next_ex alone, 1 = CaptureFileReader, 2 = CaptureFileReader with a
// capture.bpf_filter that keeps every frame (the price of filtering a file in user space).
BENCHMARK(BM_FileRead)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

#ifdef FM_HAVE_DPDK

fm::capture::DpdkCapture* dpdk() {
    static std::unique_ptr<fm::capture::DpdkCapture> capture = [] {
        fm::config::CaptureConfig cfg;
        cfg.source = fm::config::CaptureSource::Dpdk;
        cfg.dpdk.eal_args = {
            "--no-huge",
            "--no-pci",
            "--no-shconf",
            "--no-telemetry",
            "-l",
            "0",
            "-m",
            "512",
            "--log-level=warning",
            fmt::format("--file-prefix=fmbench{}", getpid()),
            fmt::format("--vdev=net_pcap0,rx_pcap={},infinite_rx=1", traffic().path()),
            "--vdev=net_null0,size=64,copy=0",
        };
        cfg.dpdk.ports = {0, 1};
        cfg.dpdk.burst_size = 32;
        return std::make_unique<fm::capture::DpdkCapture>(cfg);
    }();
    return capture.get();
}

void BM_DpdkSource(benchmark::State& state) {
    const auto port = static_cast<std::size_t>(state.range(0));
    fm::capture::DpdkCapture* cap = nullptr;
    try {
        cap = dpdk();
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    fm::capture::DpdkQueueSource& src = *cap->queue_sources().at(port);
    fm::decode::Decoder decoder(fm::config::DecodeConfig{});
    fm::capture::RawBatch batch;
    fm::decode::PacketMeta meta;
    const bool decode = port == 0;
    std::uint64_t packets = 0;
    for (auto _ : state) {
        const std::size_t n = src.next_batch(batch);
        if (decode) {
            for (std::size_t k = 0; k < n; ++k) {
                benchmark::DoNotOptimize(decoder.decode(batch.packets[k], meta));
            }
        }
        packets += n;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    const auto stats = cap->port_stats();
    state.counters["imissed"] = static_cast<double>(stats.at(port).imissed);
    state.counters["rx_nombuf"] = static_cast<double>(stats.at(port).rx_nombuf);
}
// Axis: DPDK port (0 = net_pcap in memory + decode, 1 = net_null, source only).
BENCHMARK(BM_DpdkSource)->Arg(0)->Arg(1);

#endif

}  // namespace

BENCHMARK_MAIN();
