// SPDX-License-Identifier: BSD-3-Clause
// DPDK capture: DpdkCapture initialises the EAL from capture.dpdk.eal_args, configures and
// starts every port of capture.dpdk.ports, and offers one DpdkQueueSource (a PacketSource) per
// receive queue. Built only when libdpdk is found (FM_HAVE_DPDK), into the loadable module
// flowmeterd-dpdk (capture/dpdk_module.hpp); no other file uses DPDK.
//
// Queues: a port gets capture.dpdk.rx_queues queues with symmetric RSS (the 0x6D5A Toeplitz key
// of dispatch/rss.hpp, IPv4/IPv6 TCP/UDP hash types, redirection table entry i -> queue
// (i mod 128) mod n, i.e. dispatch::shard_of) where the port supports RSS; a port without RSS
// (virtual devices such as net_pcap, net_af_packet, net_null) gets one queue, and its capture
// thread spreads flows over the workers in software with the same hash, as in pcap mode.
//
// Each queue source follows the live-source contract of pcap_live_source.hpp: next_batch()
// returns 0 with at_end() false after poll_interval_ms without packets (polling with a short
// spin, then sleeping between polls, so an idle port does not burn a core), and 0 with at_end()
// true after request_stop(). Mbufs of a batch are held until the next next_batch() call and
// then freed in bulk (rte_pktmbuf_free_bulk).
//
// Time stamps: the rx time stamp dynamic field where the driver fills it with wall-clock time
// (net_pcap: the capture file's time in µs), otherwise the TSC read once per burst and
// converted to wall-clock µs with an anchor taken at start.
//
// The EAL can be initialised only once per process: one DpdkCapture per process, ever.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "capture/record_arena.hpp"
#include "capture/source_group.hpp"
#include "common/cacheline.hpp"
#include "common/time.hpp"
#include "config/config.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace fm::capture {

/// Tunables of the DPDK capture that are not user configuration.
struct DpdkOptions {
    /// argv[0] handed to rte_eal_init.
    std::string program_name = "flowmeterd";
    /// An idle queue source returns (0 packets, at_end() false) after this long.
    std::uint32_t poll_interval_ms = 100;
    /// Empty polls that only spin (rte_pause) before the source sleeps between polls.
    std::uint32_t spin_polls = 256;
    /// Sleep between empty polls once spinning is over; bounds the latency an idle port adds.
    std::uint32_t idle_sleep_us = 50;
    /// Receive descriptors per queue (adjusted to the driver's limits).
    std::uint16_t rx_descriptors = 1024;
};

/// rte_eth_stats of one port, totals since start.
struct DpdkPortStats {
    std::uint16_t port = 0;
    std::uint64_t ipackets = 0;
    std::uint64_t ibytes = 0;
    std::uint64_t imissed = 0;    ///< capture.nic_missed: dropped by the NIC, rx ring full
    std::uint64_t ierrors = 0;    ///< capture.nic_errors: erroneous frames
    std::uint64_t rx_nombuf = 0;  ///< capture.rx_nombuf: no mbuf was free to receive into
};

/// Wall-clock µs from the TSC: anchor pair taken once at start, fixed-point scale.
struct TscClock {
    std::uint64_t anchor_tsc = 0;
    Micros anchor_us = 0;
    std::uint64_t us_per_tsc_q32 = 0;  ///< µs per TSC tick, 32.32 fixed point
};

class DpdkCapture;

/// One receive queue of one port. Created by DpdkCapture, which owns it.
class DpdkQueueSource final : public PacketSource {
public:
    ~DpdkQueueSource() override;

    /// Frees the previous batch's mbufs in bulk, then receives up to RawBatch::kCapacity frames
    /// in bursts of capture.dpdk.burst_size. Live-source contract (see the file comment).
    /// Views point into mbufs (or this source's arena for chained mbufs) and stay valid until
    /// the next call. One thread at a time; the first call registers a non-EAL thread with the
    /// EAL so the mempool cache works for it.
    std::size_t next_batch(RawBatch& batch) noexcept override;

    bool live() const noexcept { return true; }

    /// Any thread: the next next_batch() returns 0 with at_end() true.
    void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t queue() const noexcept { return queue_; }
    /// True when frame times come from the driver's rx time stamp field.
    bool driver_timestamps() const noexcept { return ts_offset_ >= 0; }
    /// Chained (multi-segment) frames that did not fit the linearisation arena and were cut to
    /// their first segment (capture.multiseg_truncated). Any thread.
    std::uint64_t truncated_frames() const noexcept {
        return truncated_.load(std::memory_order_relaxed);
    }

private:
    friend class DpdkCapture;
    DpdkQueueSource(std::string name, std::uint16_t port, std::uint16_t queue, std::uint16_t burst,
                    const DpdkOptions& options, int ts_offset, std::uint64_t ts_flag,
                    const TscClock& clock);

    std::size_t receive(RawBatch& batch) noexcept;
    void release() noexcept;

    std::uint16_t port_;
    std::uint16_t queue_;
    std::uint16_t burst_;
    std::uint32_t poll_interval_ms_;
    std::uint32_t spin_polls_;
    std::uint32_t idle_sleep_us_;
    int ts_offset_;          ///< rx time stamp dynfield offset, -1: use the TSC
    std::uint64_t ts_flag_;  ///< ol_flags bit that says the field is valid
    TscClock clock_;

    // Source thread only.
    std::array<rte_mbuf*, RawBatch::kCapacity> held_{};
    std::size_t held_count_ = 0;
    RecordArena arena_;  ///< linearised chained mbufs of the current batch
    std::uint64_t wire_bytes_ = 0;
    bool thread_checked_ = false;

    std::atomic<bool> stop_{false};                                ///< any thread sets it
    alignas(kCacheLine) std::atomic<std::uint64_t> truncated_{0};  ///< source thread writes
};

class DpdkCapture final : public SourceGroup {
public:
    /// Initialises the EAL (once per process), then configures and starts every port of
    /// cfg.dpdk.ports. Setup only. Throws CaptureError: Config (bad EAL argument, unknown
    /// port), Permission (hugepages or device access refused), Failure (anything else). The
    /// calling thread's CPU affinity is restored after rte_eal_init, which pins it to the main
    /// lcore, so threads started later are not all pinned to that core.
    explicit DpdkCapture(const config::CaptureConfig& cfg, const DpdkOptions& options = {});
    /// Stops and closes the ports, frees the pools and cleans up the EAL. Every source must be
    /// idle (no thread inside next_batch).
    ~DpdkCapture() override;

    DpdkCapture(const DpdkCapture&) = delete;
    DpdkCapture& operator=(const DpdkCapture&) = delete;

    /// One source per (port, queue), ports in configuration order. Owned by this object.
    const std::vector<std::unique_ptr<DpdkQueueSource>>& queue_sources() const noexcept {
        return sources_;
    }
    /// The same sources as PacketSource pointers, for the pipeline.
    std::vector<PacketSource*> sources() const override;

    /// Receive queues in use on `port` (1 when the port has no RSS).
    std::uint16_t queues_of(std::uint16_t port) const noexcept;
    /// True when `port` spreads flows over its queues with symmetric RSS.
    bool hardware_rss(std::uint16_t port) const noexcept;
    /// True when every flow, both directions, arrives on exactly one queue source: a single
    /// port with symmetric RSS over several queues. The pipeline can then run to completion
    /// (one worker per queue, no software hand-off).
    bool flows_partitioned_by_queue() const noexcept;
    bool flows_partitioned() const noexcept override { return flows_partitioned_by_queue(); }

    /// rte_eth_stats_get of every port. Any thread (control plane).
    std::vector<DpdkPortStats> port_stats() const;
    /// Frames lost before flowmeterd saw them: imissed + rx_nombuf over all ports. Any thread.
    std::uint64_t drops() const override;

    /// Per port capture.nic_missed, capture.rx_nombuf, capture.nic_errors and the sum of
    /// capture.multiseg_truncated, named "capture.port<N>.<counter>", for the final statistics.
    /// Any thread (control plane).
    std::vector<std::pair<std::string, std::uint64_t>> named_counters() const override;

    /// Asks every queue source to stop. Any thread.
    void request_stop() noexcept override;

    /// One line per port for the startup log: driver, queues, RSS, time stamp source.
    std::vector<std::string> describe() const override;

private:
    struct Port {
        std::uint16_t id = 0;
        std::uint16_t queues = 1;
        bool rss = false;
        bool started = false;
        std::string driver;
        rte_mempool* pool = nullptr;
    };

    void setup_port(Port& port, const config::CaptureConfig& cfg);
    void shutdown() noexcept;

    DpdkOptions options_;
    std::vector<Port> ports_;
    std::vector<std::unique_ptr<DpdkQueueSource>> sources_;
    TscClock clock_;
    bool eal_ready_ = false;
};

}  // namespace fm::capture
