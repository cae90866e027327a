// SPDX-License-Identifier: BSD-3-Clause
// PcapLiveSource: live capture from one network interface through libpcap (on Linux an AF_PACKET
// socket with a TPACKET_V3 memory-mapped ring). It is a PacketSource like the file reader, with
// one difference in the contract, which every live source shares:
//
//   next_batch() returns 0 with at_end() still false when nothing arrived within the poll
//   interval (PcapLiveOptions::poll_interval_ms). The caller must then simply call again;
//   only 0 together with at_end() == true ends the input (request_stop(), or a capture error
//   named by error()). So a capture thread regains control at least every poll interval, to
//   look at its stop flag and advance clocks, without spinning.
//
// Frames are copied out of the kernel ring into this source's arena: libpcap hands a ring block
// back to the kernel as soon as its last frame went through the callback, so views into the
// ring would not live until the next next_batch() call. Time stamps come from the kernel at
// nanosecond precision where libpcap offers it and are truncated to µs like the file reader's.
//
// Several sources on one interface form an AF_PACKET fanout group (open_pcap_live with
// capture.threads > 1): the kernel spreads packets over the sockets by a hash that is symmetric
// over the 5-tuple, so every packet of a flow, both directions, reaches the same source and
// stays in order. See docs/live-capture.md for when that helps.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "capture/record_arena.hpp"
#include "common/cacheline.hpp"
#include "config/config.hpp"

struct pcap;         // libpcap's pcap_t, kept out of this header
struct pcap_pkthdr;  // libpcap's per-frame header

namespace fm::capture {

/// Tunables of a live libpcap source that are not user configuration (tests shorten them).
struct PcapLiveOptions {
    /// next_batch() returns at the latest after this long without traffic (0 packets,
    /// at_end() false). Bounds how late a stop request or a quiet-link clock tick is seen.
    std::uint32_t poll_interval_ms = 100;
    /// TPACKET_V3 block retire timeout (pcap_set_timeout): the kernel hands over a partly
    /// filled ring block after this long, so a trickle of packets is seen within this delay
    /// while a busy link still gets whole blocks (one wake-up per block, not per packet).
    std::uint32_t block_timeout_ms = 50;
    /// Join this AF_PACKET fanout group (PACKET_FANOUT_HASH) after activation. open_pcap_live
    /// sets it when capture.threads > 1; unset: a plain socket.
    std::optional<std::uint16_t> fanout_group;
    /// Kernel ring size in bytes; 0: capture.buffer_mb (open_pcap_live divides it by threads).
    std::uint64_t buffer_bytes = 0;
    /// How often next_batch() refreshes the kernel counters (pcap_stats).
    std::uint32_t stats_interval_ms = 1000;
};

/// Kernel counters of one capture socket (pcap_stats), totals since the source opened.
struct PcapLiveStats {
    std::uint64_t received = 0;         ///< capture.kernel_received: frames the filter accepted
    std::uint64_t kernel_drops = 0;     ///< capture.kernel_drops: frames lost, ring full
    std::uint64_t interface_drops = 0;  ///< capture.interface_drops: dropped by the interface
                                        ///< or driver (rx_dropped of the device, all sockets)
};

class PcapLiveSource final : public PacketSource {
public:
    /// Opens and activates capture on `cfg.interface` with cfg.snaplen, cfg.promiscuous, the
    /// kernel buffer and cfg.bpf_filter. Setup only. Throws CaptureError: Permission (exit 77,
    /// the message names CAP_NET_RAW and how to grant it), Config (bad BPF filter, naming the
    /// expression), NoSuchDevice, Failure.
    explicit PcapLiveSource(const config::CaptureConfig& cfg, const PcapLiveOptions& options = {});
    ~PcapLiveSource() override;

    /// See the file comment: 0 with at_end() false means "nothing yet, call again". Views point
    /// into this source's arena and stay valid until the next call. Source thread only.
    std::size_t next_batch(RawBatch& batch) noexcept override;

    /// Live sources return 0 without being at the end (see the file comment).
    bool live() const noexcept { return true; }

    /// Any thread, async-signal-safe: a blocked next_batch() wakes; the following calls hand
    /// over what the kernel had queued before the stop (frames stamped up to the stop time,
    /// waiting at most one block_timeout_ms for the ring block still open), then return 0
    /// with at_end() true. Frames already delivered stay
    /// delivered.
    void request_stop() noexcept;

    /// The interface's link type as libpcap reports it (DLT_*), for the decoder.
    std::uint32_t link_type() const noexcept { return link_type_; }
    /// Bytes kept of each frame, as libpcap applies it after activation.
    std::uint32_t snaplen() const noexcept { return snaplen_; }
    /// True when the kernel delivers nanosecond time stamps (truncated to µs here).
    bool nanosecond_timestamps() const noexcept { return nanoseconds_; }
    std::optional<std::uint16_t> fanout_group() const noexcept { return fanout_group_; }
    /// Ring size actually requested from the kernel, in bytes.
    std::uint64_t buffer_bytes() const noexcept { return buffer_bytes_; }

    /// Kernel counters as of the last refresh (next_batch() refreshes them every
    /// stats_interval_ms). Any thread: relaxed loads.
    PcapLiveStats stats() const noexcept;
    /// Reads the kernel counters now. Source thread only, or after it has stopped (final
    /// statistics).
    void refresh_stats() noexcept;

    /// Frames lost before flowmeterd saw them (kernel + interface drops). Any thread.
    std::uint64_t drops() const noexcept {
        const PcapLiveStats s = stats();
        return s.kernel_drops + s.interface_drops;
    }

    /// The counters above by their names (capture.kernel_received, capture.kernel_drops,
    /// capture.interface_drops), for the final statistics. Any thread.
    std::vector<std::pair<std::string, std::uint64_t>> named_counters() const;

    /// One line for the startup log: interface, snaplen, ring, filter, time stamp precision,
    /// fanout group.
    std::string describe() const;

private:
    void open(const config::CaptureConfig& cfg);
    void close_handles() noexcept;
    static void on_packet(unsigned char* user, const ::pcap_pkthdr* header,
                          const unsigned char* bytes) noexcept;
    std::size_t fill(RawBatch& batch) noexcept;
    bool wait_readable() noexcept;
    void maybe_refresh_stats() noexcept;

    pcap* pcap_ = nullptr;
    int fd_ = -1;       ///< pcap's selectable fd (the AF_PACKET socket)
    int wake_fd_ = -1;  ///< eventfd written by request_stop()
    PcapLiveOptions options_;
    std::string filter_;
    std::uint64_t buffer_bytes_ = 0;
    std::uint32_t link_type_ = 0;
    std::uint32_t snaplen_ = 0;
    std::optional<std::uint16_t> fanout_group_;
    bool nanoseconds_ = false;

    // Source thread only.
    RecordArena arena_;
    RawBatch* filling_ = nullptr;  ///< the batch on_packet appends to (during fill())
    std::uint64_t wire_bytes_ = 0;
    std::int64_t last_stats_ms_ = 0;
    std::uint32_t last_recv_ = 0;  ///< raw 32-bit pcap_stats values of the last refresh
    std::uint32_t last_drop_ = 0;
    std::uint32_t last_ifdrop_ = 0;

    /// next_batch() after a stop: reads the frames queued before it, then ends the input.
    std::size_t drain_after_stop(RawBatch& batch) noexcept;

    // Source thread only: frames handed over since the stop (bounded by what the ring holds).
    std::uint64_t drained_frames_ = 0;
    bool drained_ = false;
    bool waited_for_block_ = false;  ///< the drain waited once for the open ring block

    // Shared: set by request_stop() (any thread), read by the source thread. stop_at_us_ is
    // stored before stop_ (release/acquire), in the clock libpcap stamps frames with.
    std::atomic<bool> stop_{false};
    std::atomic<std::int64_t> stop_at_us_{0};

    // Written by the source thread (refresh_stats), read by anyone (relaxed).
    alignas(kCacheLine) std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> kernel_drops_{0};
    std::atomic<std::uint64_t> interface_drops_{0};
};

/// Opens cfg.threads sources on cfg.interface. With more than one, they join one AF_PACKET
/// fanout group in PACKET_FANOUT_HASH mode (symmetric over the 5-tuple, so each flow stays on
/// one source) and share cfg.buffer_mb between their rings. Each source is then read by its own
/// capture thread, all feeding the same worker queues. Throws CaptureError.
std::vector<std::unique_ptr<PcapLiveSource>> open_pcap_live(const config::CaptureConfig& cfg,
                                                            PcapLiveOptions options = {});

}  // namespace fm::capture
