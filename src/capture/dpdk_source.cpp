// SPDX-License-Identifier: BSD-3-Clause
// DPDK capture (see dpdk_source.hpp): EAL start-up, port and queue configuration with symmetric
// RSS, and the receive loop of a queue source. Setup throws CaptureError; the receive loop
// neither throws nor logs nor allocates.
#include "capture/dpdk_source.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>
#include <utility>

#include <pthread.h>
#include <sched.h>

// DPDK's headers are C with GNU extensions (zero-length arrays, anonymous structs); they are
// not ours to fix, so -Wpedantic is silenced for them only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wvolatile"
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#pragma GCC diagnostic pop

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "capture/capture_error.hpp"
#include "common/compiler.hpp"
#include "dispatch/rss.hpp"

namespace fm::capture {

namespace {

/// The EAL can be initialised once per process (a second rte_eal_init fails even after
/// rte_eal_cleanup), so the first DpdkCapture takes this for good.
std::atomic<bool> g_eal_taken{false};

/// Hash types we ask for: the 4-tuple of TCP and UDP over IPv4 and IPv6, and the address pair
/// for other IP packets (and fragments). Intersected with what the port offers.
constexpr std::uint64_t kWantedRss = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
                                     RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
                                     RTE_ETH_RSS_NONFRAG_IPV4_OTHER | RTE_ETH_RSS_IPV6 |
                                     RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
                                     RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_NONFRAG_IPV6_OTHER;

/// Bytes of linearisation arena per queue for chained mbufs (jumbo frames from net_pcap or a
/// NIC with scattered receive); frames that do not fit are cut to their first segment.
constexpr std::size_t kChainArenaBytes = 4u << 20;

constexpr unsigned kPoolCache = 256;

std::int64_t coarse_now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Micros wall_now_us() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return micros_from_ns(ts.tv_sec, ts.tv_nsec);
}

Micros tsc_to_us(const TscClock& c, std::uint64_t tsc) noexcept {
    // 64x64 -> 128-bit product (GCC/Clang extension; __extension__ keeps -Wpedantic quiet):
    // the delta can be days of ticks and the scale has 32 fraction bits.
    __extension__ using U128 = unsigned __int128;
    const U128 delta = tsc - c.anchor_tsc;
    return c.anchor_us + static_cast<Micros>((delta * c.us_per_tsc_q32) >> 32);
}

std::string rte_error_text(int err) {
    return rte_strerror(err);
}

/// A symmetric key of `size` bytes: the 0x6D5A pattern of rss.hpp, continued where a NIC wants
/// a longer key than 40 bytes (i40e: 52). The 16-bit period is what makes it symmetric.
std::vector<std::uint8_t> symmetric_key(std::size_t size) {
    std::vector<std::uint8_t> key(size);
    for (std::size_t i = 0; i < size; ++i) {
        key[i] = dispatch::kSymmetricRssKey[i % dispatch::kRssKeySize];
    }
    return key;
}

std::uint32_t pool_size(std::uint16_t queues, std::uint16_t rxd, std::uint16_t burst) {
    // Per queue: the ring's descriptors, one held batch and a burst in flight; plus what the
    // per-lcore caches may keep. Mempools are most memory-efficient at 2^n - 1 elements.
    const std::uint64_t need = std::uint64_t{queues} * (rxd + RawBatch::kCapacity + burst) +
                               std::uint64_t{rte_lcore_count() + queues} * kPoolCache * 3 / 2;
    std::uint64_t n = 1;
    while (n - 1 < need) {
        n <<= 1;
    }
    return static_cast<std::uint32_t>(n - 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DpdkQueueSource

DpdkQueueSource::DpdkQueueSource(std::string name, std::uint16_t port, std::uint16_t queue,
                                 std::uint16_t burst, const DpdkOptions& options, int ts_offset,
                                 std::uint64_t ts_flag, const TscClock& clock)
    : PacketSource(std::move(name)),
      port_(port),
      queue_(queue),
      burst_(std::max<std::uint16_t>(burst, 1)),
      poll_interval_ms_(options.poll_interval_ms),
      spin_polls_(options.spin_polls),
      idle_sleep_us_(options.idle_sleep_us),
      ts_offset_(ts_offset),
      ts_flag_(ts_flag),
      clock_(clock),
      arena_(kChainArenaBytes) {}

DpdkQueueSource::~DpdkQueueSource() {
    release();
}

void DpdkQueueSource::release() noexcept {
    if (held_count_ != 0) {
        rte_pktmbuf_free_bulk(held_.data(), static_cast<unsigned>(held_count_));
        held_count_ = 0;
    }
    arena_.reset();
}

std::size_t DpdkQueueSource::next_batch(RawBatch& batch) noexcept {
    batch.size = 0;
    release();
    if (at_end()) {
        return 0;
    }
    if (!thread_checked_) {
        // A thread the EAL did not start has no lcore id, so mempool caches would be bypassed
        // on every free; registering gives it one (when an lcore slot is free).
        thread_checked_ = true;
        if (rte_lcore_id() == LCORE_ID_ANY) {
            rte_thread_register();
        }
    }
    std::uint32_t empty_polls = 0;
    std::int64_t idle_since_ms = -1;
    for (;;) {
        if (stop_.load(std::memory_order_relaxed)) {
            finish();
            return 0;
        }
        const std::size_t n = receive(batch);
        if (n != 0) {
            return n;
        }
        if (++empty_polls <= spin_polls_) {
            rte_pause();
            continue;
        }
        const std::int64_t now = coarse_now_ms();
        if (idle_since_ms < 0) {
            idle_since_ms = now;
        } else if (now - idle_since_ms >= static_cast<std::int64_t>(poll_interval_ms_)) {
            return 0;  // quiet port: give the caller its turn, not the end of input
        }
        const timespec pause{0, static_cast<long>(idle_sleep_us_) * 1000};
        nanosleep(&pause, nullptr);
    }
}

std::size_t DpdkQueueSource::receive(RawBatch& batch) noexcept {
    while (batch.size < RawBatch::kCapacity) {
        const auto want = static_cast<std::uint16_t>(
            std::min<std::size_t>(burst_, RawBatch::kCapacity - batch.size));
        rte_mbuf** slots = held_.data() + held_count_;
        const std::uint16_t got = rte_eth_rx_burst(port_, queue_, slots, want);
        if (got == 0) {
            break;
        }
        held_count_ += got;
        // One clock read per burst, never per packet (STYLE 4.5.7): frames of a burst share it.
        const Micros burst_us = tsc_to_us(clock_, rte_rdtsc());
        for (std::uint16_t i = 0; i < got; ++i) {
            rte_mbuf* m = slots[i];
            RawPacketView& v = batch.packets[batch.size++];
            v.wire_len = m->pkt_len;
            v.link_type = 1;  // LINKTYPE_ETHERNET: every ethdev port delivers Ethernet frames
            if (FM_LIKELY(m->nb_segs == 1)) {
                v.data = rte_pktmbuf_mtod(m, const std::uint8_t*);
                v.cap_len = m->data_len;
            } else if (arena_.free_bytes() >= m->pkt_len) {
                std::uint8_t* dst = arena_.tail();
                const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
                if (p != dst) {
                    std::memcpy(dst, p, m->pkt_len);
                }
                arena_.commit(m->pkt_len);
                v.data = dst;
                v.cap_len = m->pkt_len;
            } else {
                v.data = rte_pktmbuf_mtod(m, const std::uint8_t*);
                v.cap_len = m->data_len;
                truncated_.store(truncated_.load(std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
            }
            if (ts_offset_ >= 0 && (m->ol_flags & ts_flag_) != 0) {
                v.ts_us = static_cast<Micros>(
                    *RTE_MBUF_DYNFIELD(m, ts_offset_, const rte_mbuf_timestamp_t*));
            } else {
                v.ts_us = burst_us;
            }
            wire_bytes_ += m->pkt_len;
        }
        if (got < want) {
            break;  // the queue is drained for now
        }
    }
    add_packets(batch.size);
    set_bytes_read(wire_bytes_);
    return batch.size;
}

// ---------------------------------------------------------------------------------------------
// DpdkCapture

DpdkCapture::DpdkCapture(const config::CaptureConfig& cfg, const DpdkOptions& options)
    : options_(options) {
    if (g_eal_taken.exchange(true)) {
        throw CaptureError(CaptureError::Kind::Failure,
                           "DPDK: the EAL was already initialised in this process (it can be "
                           "initialised only once)");
    }
    std::vector<std::string> args;
    args.push_back(options_.program_name);
    args.insert(args.end(), cfg.dpdk.eal_args.begin(), cfg.dpdk.eal_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);

    // rte_eal_init pins the calling thread to the main lcore; threads created afterwards would
    // inherit that single CPU. Keep the caller's affinity: the daemon pins its own threads.
    cpu_set_t affinity;
    CPU_ZERO(&affinity);
    const bool have_affinity =
        pthread_getaffinity_np(pthread_self(), sizeof affinity, &affinity) == 0;
    const int rc = rte_eal_init(static_cast<int>(argv.size() - 1), argv.data());
    if (have_affinity) {
        pthread_setaffinity_np(pthread_self(), sizeof affinity, &affinity);
    }
    if (rc < 0) {
        const int err = rte_errno;
        const std::string what =
            fmt::format("capture.dpdk.eal_args [{}]: EAL initialisation failed: {}",
                        fmt::join(cfg.dpdk.eal_args, " "), rte_error_text(err));
        if (err == EACCES || err == EPERM) {
            throw CaptureError(CaptureError::Kind::Permission,
                               what +
                                   " (DPDK needs root, or CAP_SYS_ADMIN, CAP_IPC_LOCK and "
                                   "access to /dev/hugepages and /dev/vfio; see docs/dpdk.md)");
        }
        throw CaptureError(err == EINVAL ? CaptureError::Kind::Config : CaptureError::Kind::Failure,
                           what);
    }
    eal_ready_ = true;

    // TSC -> wall clock, for drivers that give no time stamp. The TSC is invariant on the
    // CPUs DPDK supports; the anchor is taken once so packet time never steps back.
    const std::uint64_t hz = rte_get_tsc_hz();
    clock_.anchor_tsc = rte_rdtsc();
    clock_.anchor_us = wall_now_us();
    clock_.us_per_tsc_q32 = hz == 0 ? 0 : ((std::uint64_t{1'000'000} << 32) / hz);

    try {
        if (cfg.dpdk.ports.empty()) {
            throw CaptureError(CaptureError::Kind::Config, "capture.dpdk.ports: no port given");
        }
        for (const std::uint16_t id : cfg.dpdk.ports) {
            if (!rte_eth_dev_is_valid_port(id)) {
                std::string known;
                std::uint16_t p = 0;
                RTE_ETH_FOREACH_DEV(p) {
                    rte_eth_dev_info info{};
                    rte_eth_dev_info_get(p, &info);
                    known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", p,
                                         info.driver_name != nullptr ? info.driver_name : "?");
                }
                throw CaptureError(
                    CaptureError::Kind::Config,
                    fmt::format(
                        "capture.dpdk.ports: port {} does not exist (ports: {})", id,
                        known.empty() ? std::string("none; check -a/--vdev in eal_args") : known));
            }
            Port port;
            port.id = id;
            ports_.push_back(port);
        }
        for (Port& port : ports_) {
            setup_port(port, cfg);
        }
    } catch (...) {
        shutdown();
        throw;
    }
}

DpdkCapture::~DpdkCapture() {
    shutdown();
}

void DpdkCapture::setup_port(Port& port, const config::CaptureConfig& cfg) {
    const std::uint16_t id = port.id;
    rte_eth_dev_info info{};
    if (const int r = rte_eth_dev_info_get(id, &info); r != 0) {
        throw CaptureError(
            CaptureError::Kind::Failure,
            fmt::format("DPDK port {}: cannot read device info: {}", id, rte_error_text(-r)));
    }
    port.driver = info.driver_name != nullptr ? info.driver_name : "?";

    const std::uint16_t wanted = std::max<std::uint16_t>(cfg.dpdk.rx_queues, 1);
    const std::uint64_t rss_hf = kWantedRss & info.flow_type_rss_offloads;
    rte_eth_conf conf{};
    std::vector<std::uint8_t> key;
    if (wanted > 1 && rss_hf != 0 && info.max_rx_queues >= wanted) {
        port.queues = wanted;
        port.rss = true;
        key = symmetric_key(info.hash_key_size != 0 ? info.hash_key_size : dispatch::kRssKeySize);
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = key.data();
        conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<std::uint8_t>(key.size());
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    } else {
        port.queues = 1;
        if (wanted > 1) {
            spdlog::warn(
                "DPDK port {} ({}): {}; using one receive queue, flows are spread over "
                "the workers in software",
                id, port.driver,
                rss_hf == 0 ? std::string("no RSS")
                            : fmt::format("only {} receive queues", info.max_rx_queues));
        }
    }

    std::uint16_t rxd = options_.rx_descriptors;
    std::uint16_t txd = 0;
    const int socket = rte_eth_dev_socket_id(id) >= 0 ? rte_eth_dev_socket_id(id)
                                                      : static_cast<int>(rte_socket_id());
    const std::string pool_name = fmt::format("fm_rx_{}", id);
    port.pool =
        rte_pktmbuf_pool_create(pool_name.c_str(), pool_size(port.queues, rxd, cfg.dpdk.burst_size),
                                kPoolCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (port.pool == nullptr) {
        throw CaptureError(CaptureError::Kind::Failure,
                           fmt::format("DPDK port {}: cannot create the mbuf pool: {} (more "
                                       "memory: hugepages or -m in eal_args)",
                                       id, rte_error_text(rte_errno)));
    }
    // No transmit queues: flowmeterd only receives.
    if (const int r = rte_eth_dev_configure(id, port.queues, 0, &conf); r != 0) {
        throw CaptureError(CaptureError::Kind::Failure,
                           fmt::format("DPDK port {} ({}): cannot configure {} receive queues: {}",
                                       id, port.driver, port.queues, rte_error_text(-r)));
    }
    if (const int r = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd); r != 0) {
        throw CaptureError(
            CaptureError::Kind::Failure,
            fmt::format("DPDK port {}: descriptor limits: {}", id, rte_error_text(-r)));
    }
    for (std::uint16_t q = 0; q < port.queues; ++q) {
        if (const int r = rte_eth_rx_queue_setup(id, q, rxd, static_cast<unsigned>(socket), nullptr,
                                                 port.pool);
            r != 0) {
            throw CaptureError(CaptureError::Kind::Failure,
                               fmt::format("DPDK port {}: cannot set up receive queue {}: {}", id,
                                           q, rte_error_text(-r)));
        }
    }
    if (cfg.promiscuous) {
        if (const int r = rte_eth_promiscuous_enable(id); r != 0 && r != -ENOTSUP) {
            spdlog::warn("DPDK port {} ({}): cannot enable promiscuous mode: {}", id, port.driver,
                         rte_error_text(-r));
        }
    }
    if (const int r = rte_eth_dev_start(id); r != 0) {
        throw CaptureError(CaptureError::Kind::Failure,
                           fmt::format("DPDK port {} ({}): cannot start: {}", id, port.driver,
                                       rte_error_text(-r)));
    }
    port.started = true;

    if (port.rss && info.reta_size > 0) {
        // Make queue selection equal dispatch::shard_of(hash, queues): entry i -> (i mod 128)
        // mod queues. Drivers' default tables differ (i mod n over their own size).
        std::vector<rte_eth_rss_reta_entry64> reta((info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) /
                                                   RTE_ETH_RETA_GROUP_SIZE);
        for (std::uint16_t i = 0; i < info.reta_size; ++i) {
            rte_eth_rss_reta_entry64& group = reta[i / RTE_ETH_RETA_GROUP_SIZE];
            group.mask |= std::uint64_t{1} << (i % RTE_ETH_RETA_GROUP_SIZE);
            group.reta[i % RTE_ETH_RETA_GROUP_SIZE] =
                static_cast<std::uint16_t>((i % dispatch::kRetaSize) % port.queues);
        }
        if (const int r = rte_eth_dev_rss_reta_update(id, reta.data(), info.reta_size); r != 0) {
            spdlog::warn(
                "DPDK port {} ({}): cannot set the redirection table ({}); the driver's "
                "default spreads flows differently from the software hash",
                id, port.driver, rte_error_text(-r));
        }
    }

    // The rx time stamp dynamic field. Only net_pcap is known to fill it with wall-clock µs
    // (the capture file's time); NIC time stamps (RTE_ETH_RX_OFFLOAD_TIMESTAMP, not enabled
    // here) count device clock ticks, which would need rte_eth_read_clock calibration.
    int ts_offset = -1;
    std::uint64_t ts_flag = 0;
    if (port.driver == "net_pcap") {
        const int off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
        const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
        if (off >= 0 && bit >= 0) {
            ts_offset = off;
            ts_flag = std::uint64_t{1} << bit;
        }
    }
    for (std::uint16_t q = 0; q < port.queues; ++q) {
        sources_.push_back(std::unique_ptr<DpdkQueueSource>(
            new DpdkQueueSource(fmt::format("dpdk port {} queue {}", id, q), id, q,
                                cfg.dpdk.burst_size, options_, ts_offset, ts_flag, clock_)));
    }
}

void DpdkCapture::shutdown() noexcept {
    for (auto& s : sources_) {
        s->release();
    }
    sources_.clear();
    for (Port& port : ports_) {
        if (port.started) {
            rte_eth_dev_stop(port.id);
            port.started = false;
        }
        rte_eth_dev_close(port.id);
    }
    for (Port& port : ports_) {
        if (port.pool != nullptr) {
            rte_mempool_free(port.pool);
            port.pool = nullptr;
        }
    }
    ports_.clear();
    if (eal_ready_) {
        rte_eal_cleanup();
        eal_ready_ = false;
    }
}

std::vector<PacketSource*> DpdkCapture::sources() const {
    std::vector<PacketSource*> out;
    out.reserve(sources_.size());
    for (const auto& s : sources_) {
        out.push_back(s.get());
    }
    return out;
}

std::uint16_t DpdkCapture::queues_of(std::uint16_t port) const noexcept {
    for (const Port& p : ports_) {
        if (p.id == port) {
            return p.queues;
        }
    }
    return 0;
}

bool DpdkCapture::hardware_rss(std::uint16_t port) const noexcept {
    for (const Port& p : ports_) {
        if (p.id == port) {
            return p.rss;
        }
    }
    return false;
}

bool DpdkCapture::flows_partitioned_by_queue() const noexcept {
    // Two ports (a tap's two directions, say) may see the two halves of one flow.
    return ports_.size() == 1 && ports_.front().rss && ports_.front().queues > 1;
}

std::vector<DpdkPortStats> DpdkCapture::port_stats() const {
    std::vector<DpdkPortStats> out;
    out.reserve(ports_.size());
    for (const Port& p : ports_) {
        rte_eth_stats st{};
        DpdkPortStats s;
        s.port = p.id;
        if (rte_eth_stats_get(p.id, &st) == 0) {
            s.ipackets = st.ipackets;
            s.ibytes = st.ibytes;
            s.imissed = st.imissed;
            s.ierrors = st.ierrors;
            s.rx_nombuf = st.rx_nombuf;
        }
        out.push_back(s);
    }
    return out;
}

std::uint64_t DpdkCapture::drops() const {
    std::uint64_t total = 0;
    for (const DpdkPortStats& s : port_stats()) {
        total += s.imissed + s.rx_nombuf;
    }
    return total;
}

std::vector<std::pair<std::string, std::uint64_t>> DpdkCapture::named_counters() const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const DpdkPortStats& s : port_stats()) {
        std::uint64_t truncated = 0;
        for (const auto& src : sources_) {
            if (src->port() == s.port) {
                truncated += src->truncated_frames();
            }
        }
        const std::string prefix = fmt::format("capture.port{}.", s.port);
        out.emplace_back(prefix + "nic_missed", s.imissed);
        out.emplace_back(prefix + "rx_nombuf", s.rx_nombuf);
        out.emplace_back(prefix + "nic_errors", s.ierrors);
        out.emplace_back(prefix + "multiseg_truncated", truncated);
    }
    return out;
}

void DpdkCapture::request_stop() noexcept {
    for (const auto& s : sources_) {
        s->request_stop();
    }
}

std::vector<std::string> DpdkCapture::describe() const {
    std::vector<std::string> lines;
    for (const Port& p : ports_) {
        const bool driver_ts = std::any_of(sources_.begin(), sources_.end(), [&](const auto& s) {
            return s->port() == p.id && s->driver_timestamps();
        });
        lines.push_back(
            fmt::format("dpdk port {} ({}): {} receive queue{}, {}, time stamps from {}", p.id,
                        p.driver, p.queues, p.queues == 1 ? "" : "s",
                        p.rss ? "symmetric RSS (0x6D5A key)" : "no RSS (software dispatch)",
                        driver_ts ? "the driver" : "the TSC"));
    }
    return lines;
}

}  // namespace fm::capture
