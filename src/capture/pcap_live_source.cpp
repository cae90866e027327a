// SPDX-License-Identifier: BSD-3-Clause
// Live libpcap capture (see pcap_live_source.hpp). Setup maps every libpcap activation result to
// a CaptureError kind with a message that says what to do; the capture loop itself neither
// throws nor logs: it copies frames into the arena, and turns a libpcap failure into error().
#include "capture/pcap_live_source.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <utility>

#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "capture/capture_error.hpp"
#include "common/time.hpp"

namespace fm::capture {

namespace {

/// Arena for the frames of one batch. With the usual snaplen (≤ 64 KiB) a whole batch of
/// maximum-size frames fits; with the 256 KiB default a batch is filled by several
/// pcap_dispatch calls of fewer frames each, which costs a function call, not a system call.
constexpr std::size_t kArenaBytes = 16u << 20;

constexpr std::uint64_t kMinRingBytes = 1u << 20;

std::int64_t coarse_now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string program_path() {
    std::error_code ec;
    const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("/usr/bin/flowmeterd") : p.string();
}

std::string permission_message(const std::string& iface, const char* detail) {
    return fmt::format(
        "capture on {}: permission denied ({}). Live capture needs the CAP_NET_RAW capability: "
        "run as root, or grant it to the program with `setcap cap_net_raw+ep {}`, or, under "
        "systemd, set AmbientCapabilities=CAP_NET_RAW (and keep CAP_NET_RAW in "
        "CapabilityBoundingSet=)",
        iface, detail, program_path());
}

/// Turns a failed pcap_activate() into the error the daemon reports.
[[noreturn]] void throw_activate_error(pcap_t* p, const std::string& iface, int rc) {
    const char* detail = pcap_geterr(p);
    switch (rc) {
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            throw CaptureError(CaptureError::Kind::Permission, permission_message(iface, detail));
        case PCAP_ERROR_NO_SUCH_DEVICE:
            throw CaptureError(CaptureError::Kind::NoSuchDevice,
                               fmt::format("capture on {}: no such interface ({}); flowmeterd -l "
                                           "lists the interfaces",
                                           iface, detail));
        case PCAP_ERROR_IFACE_NOT_UP:
            throw CaptureError(CaptureError::Kind::NoSuchDevice,
                               fmt::format("capture on {}: the interface is down (bring it up "
                                           "with `ip link set {} up`)",
                                           iface, iface));
        default:
            throw CaptureError(CaptureError::Kind::Failure,
                               fmt::format("capture on {}: cannot activate: {} ({})", iface, detail,
                                           pcap_statustostr(rc)));
    }
}

std::string_view warning_text(int rc) noexcept {
    switch (rc) {
        case PCAP_WARNING_PROMISC_NOTSUP:
            return "the interface does not support promiscuous mode";
        case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
            return "the requested time stamp type is not supported";
        default:
            return "libpcap warning";
    }
}

/// Adds the growth of a 32-bit libpcap counter (which wraps) to a 64-bit total.
void accumulate(std::atomic<std::uint64_t>& total, std::uint32_t& last,
                std::uint32_t now) noexcept {
    const std::uint32_t delta = now - last;  // modulo 2^32: one wrap between reads is fine
    last = now;
    total.store(total.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

}  // namespace

PcapLiveSource::PcapLiveSource(const config::CaptureConfig& cfg, const PcapLiveOptions& options)
    : PacketSource(cfg.interface),
      options_(options),
      filter_(cfg.bpf_filter),
      fanout_group_(options.fanout_group),
      arena_(kArenaBytes) {
    try {
        open(cfg);
    } catch (...) {
        close_handles();
        throw;
    }
}

PcapLiveSource::~PcapLiveSource() {
    close_handles();
}

void PcapLiveSource::close_handles() noexcept {
    if (pcap_ != nullptr) {
        pcap_close(pcap_);
        pcap_ = nullptr;
        fd_ = -1;
    }
    if (wake_fd_ >= 0) {
        ::close(wake_fd_);
        wake_fd_ = -1;
    }
}

void PcapLiveSource::open(const config::CaptureConfig& cfg) {
    const std::string& iface = cfg.interface;
    if (iface.empty()) {
        throw CaptureError(CaptureError::Kind::Config,
                           "capture.interface: no interface given (-i NAME; -l lists them)");
    }
    std::array<char, PCAP_ERRBUF_SIZE> err{};
    pcap_ = pcap_create(iface.c_str(), err.data());
    if (pcap_ == nullptr) {
        throw CaptureError(CaptureError::Kind::Failure,
                           fmt::format("capture on {}: {}", iface, err.data()));
    }

    buffer_bytes_ =
        options_.buffer_bytes != 0 ? options_.buffer_bytes : std::uint64_t{cfg.buffer_mb} << 20;
    buffer_bytes_ = std::clamp<std::uint64_t>(buffer_bytes_, kMinRingBytes, INT_MAX);

    // Throughput settings: no immediate mode, so libpcap uses TPACKET_V3 and the kernel fills
    // whole ring blocks, handing over a partly filled one after block_timeout_ms.
    pcap_set_snaplen(pcap_, static_cast<int>(std::min<std::uint32_t>(cfg.snaplen, INT_MAX)));
    pcap_set_promisc(pcap_, cfg.promiscuous ? 1 : 0);
    pcap_set_timeout(pcap_,
                     static_cast<int>(std::max<std::uint32_t>(options_.block_timeout_ms, 1)));
    pcap_set_buffer_size(pcap_, static_cast<int>(buffer_bytes_));
    pcap_set_immediate_mode(pcap_, 0);
    // Kernel time stamps carry nanoseconds; ask for them and truncate to µs ourselves, exactly
    // as the file reader's libpcap truncates nanosecond files.
    pcap_set_tstamp_precision(pcap_, PCAP_TSTAMP_PRECISION_NANO);

    const int rc = pcap_activate(pcap_);
    if (rc < 0) {
        throw_activate_error(pcap_, iface, rc);
    }
    if (rc > 0) {
        spdlog::warn("capture on {}: {}: {}", iface, warning_text(rc), pcap_geterr(pcap_));
    }
    nanoseconds_ = pcap_get_tstamp_precision(pcap_) == PCAP_TSTAMP_PRECISION_NANO;
    link_type_ = static_cast<std::uint32_t>(pcap_datalink(pcap_));
    snaplen_ = static_cast<std::uint32_t>(std::max(pcap_snapshot(pcap_), 1));

    if (!filter_.empty()) {
        bpf_program prog{};
        if (pcap_compile(pcap_, &prog, filter_.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            throw CaptureError(
                CaptureError::Kind::Config,
                fmt::format("capture.bpf_filter \"{}\": {}", filter_, pcap_geterr(pcap_)));
        }
        const int set = pcap_setfilter(pcap_, &prog);
        pcap_freecode(&prog);
        if (set != 0) {
            throw CaptureError(CaptureError::Kind::Failure,
                               fmt::format("capture on {}: cannot install filter \"{}\": {}", iface,
                                           filter_, pcap_geterr(pcap_)));
        }
    }

    fd_ = pcap_get_selectable_fd(pcap_);
    if (fd_ < 0) {
        throw CaptureError(
            CaptureError::Kind::Failure,
            fmt::format("capture on {}: libpcap gives no pollable descriptor", iface));
    }
    if (fanout_group_) {
        // PACKET_FANOUT_HASH: the kernel picks the socket by __skb_get_hash_symmetric(), which
        // orders addresses and ports before hashing, so both directions of a flow land on the
        // same socket. No DEFRAG flag: it would hand us reassembled datagrams instead of the
        // fragments the offline path sees. No ROLLOVER: it would split flows under load.
        const int arg = static_cast<int>(*fanout_group_) | (PACKET_FANOUT_HASH << 16);
        if (setsockopt(fd_, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
            throw CaptureError(CaptureError::Kind::Failure,
                               fmt::format("capture on {}: cannot join fanout group {} "
                                           "(PACKET_FANOUT_HASH): {}",
                                           iface, *fanout_group_, std::strerror(errno)));
        }
    }
    if (pcap_setnonblock(pcap_, 1, err.data()) != 0) {
        throw CaptureError(
            CaptureError::Kind::Failure,
            fmt::format("capture on {}: cannot set non-blocking mode: {}", iface, err.data()));
    }
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        throw CaptureError(CaptureError::Kind::Failure,
                           fmt::format("capture on {}: eventfd: {}", iface, std::strerror(errno)));
    }
    last_stats_ms_ = coarse_now_ms();
}

std::size_t PcapLiveSource::next_batch(RawBatch& batch) noexcept {
    batch.size = 0;
    arena_.reset();
    if (at_end()) {
        return 0;
    }
    if (stop_.load(std::memory_order_acquire)) {
        return drain_after_stop(batch);
    }
    maybe_refresh_stats();
    std::size_t n = fill(batch);
    if (n == 0 && !at_end() && wait_readable()) {
        n = fill(batch);
    }
    if (n == 0 && !at_end() && stop_.load(std::memory_order_acquire)) {
        return drain_after_stop(batch);
    }
    return n;
}

std::size_t PcapLiveSource::drain_after_stop(RawBatch& batch) noexcept {
    // Frames the kernel queued before the stop arrived while the run was on: ending without
    // them would cut the last moments of every open flow (and show up only as kernel_received
    // above packets). Frames stamped after the stop belong to no run and end the drain; so
    // does an empty ring, and — should the frame clock not be the host's (adapter time
    // stamps) — having read as many frames as the ring can hold at all.
    std::size_t n = 0;
    if (!drained_) {
        n = fill(batch);
        if (n == 0 && !at_end() && !waited_for_block_) {
            // TPACKET_V3 hands a partly filled ring block over only when its retire timer
            // (block_timeout_ms) fires: frames that arrived just before the stop may still sit
            // in the open block. Wait for it once, on the socket alone.
            waited_for_block_ = true;
            pollfd fd{fd_, POLLIN, 0};
            if (::poll(&fd, 1, static_cast<int>(options_.block_timeout_ms) + 1) > 0) {
                n = fill(batch);
            }
        }
        drained_frames_ += n;
        const std::uint64_t ring_frames = buffer_bytes_ / 64 + RawBatch::kCapacity;
        if (n == 0 || batch.packets[n - 1].ts_us > stop_at_us_.load(std::memory_order_relaxed) ||
            drained_frames_ >= ring_frames) {
            drained_ = true;
        }
    }
    if (n == 0) {
        refresh_stats();
        finish();
    }
    return n;
}

std::size_t PcapLiveSource::fill(RawBatch& batch) noexcept {
    filling_ = &batch;
    while (batch.size < RawBatch::kCapacity) {
        // Never hand libpcap more frames than the arena can hold at full snaplen: a frame it
        // passes to on_packet is gone from the ring once the callback returns.
        const std::size_t room = arena_.free_bytes() / snaplen_;
        const std::size_t want = std::min(RawBatch::kCapacity - batch.size, room);
        if (want == 0) {
            break;
        }
        const int rc = pcap_dispatch(pcap_, static_cast<int>(want), &PcapLiveSource::on_packet,
                                     reinterpret_cast<unsigned char*>(this));
        if (rc == PCAP_ERROR) {
            fail(fmt::format("capture on {}: {}", name(), pcap_geterr(pcap_)));
            break;
        }
        if (rc <= 0 || static_cast<std::size_t>(rc) < want) {
            break;  // the ring is empty (or PCAP_ERROR_BREAK)
        }
    }
    filling_ = nullptr;
    add_packets(batch.size);
    set_bytes_read(wire_bytes_);
    return batch.size;
}

void PcapLiveSource::on_packet(unsigned char* user, const pcap_pkthdr* header,
                               const unsigned char* bytes) noexcept {
    auto* self = reinterpret_cast<PcapLiveSource*>(user);
    RawBatch& batch = *self->filling_;
    const std::uint32_t cap_len = std::min<std::uint32_t>(
        header->caplen, static_cast<std::uint32_t>(self->arena_.free_bytes()));
    std::uint8_t* dst = self->arena_.tail();
    std::memcpy(dst, bytes, cap_len);
    self->arena_.commit(cap_len);

    RawPacketView& v = batch.packets[batch.size++];
    // At nanosecond precision libpcap puts nanoseconds in tv_usec.
    v.ts_us = self->nanoseconds_
                  ? micros_from_ns(header->ts.tv_sec, header->ts.tv_usec)
                  : static_cast<Micros>(header->ts.tv_sec) * kMicrosPerSecond + header->ts.tv_usec;
    v.data = dst;
    v.cap_len = cap_len;
    v.wire_len = header->len;
    v.link_type = static_cast<std::uint16_t>(self->link_type_);
    self->wire_bytes_ += header->len;
}

bool PcapLiveSource::wait_readable() noexcept {
    std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
    const int rc = ::poll(fds.data(), fds.size(), static_cast<int>(options_.poll_interval_ms));
    if (rc <= 0) {
        return false;  // poll interval over (or EINTR): return 0, the caller calls again
    }
    if ((fds[1].revents & POLLIN) != 0) {
        std::uint64_t value = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &value, sizeof value);
    }
    // POLLERR/POLLHUP on the socket: let pcap_dispatch report what happened.
    return fds[0].revents != 0;
}

void PcapLiveSource::request_stop() noexcept {
    // libpcap's default time stamps are the host's CLOCK_REALTIME (PCAP_TSTAMP_HOST).
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    stop_at_us_.store(static_cast<std::int64_t>(now.tv_sec) * kMicrosPerSecond + now.tv_nsec / 1000,
                      std::memory_order_relaxed);
    stop_.store(true, std::memory_order_release);
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t r = ::write(wake_fd_, &one, sizeof one);
    }
}

void PcapLiveSource::maybe_refresh_stats() noexcept {
    const std::int64_t now = coarse_now_ms();
    if (now - last_stats_ms_ >= static_cast<std::int64_t>(options_.stats_interval_ms)) {
        last_stats_ms_ = now;
        refresh_stats();
    }
}

void PcapLiveSource::refresh_stats() noexcept {
    if (pcap_ == nullptr) {
        return;
    }
    pcap_stat ps{};
    if (pcap_stats(pcap_, &ps) != 0) {
        return;
    }
    accumulate(received_, last_recv_, ps.ps_recv);
    accumulate(kernel_drops_, last_drop_, ps.ps_drop);
    accumulate(interface_drops_, last_ifdrop_, ps.ps_ifdrop);
}

PcapLiveStats PcapLiveSource::stats() const noexcept {
    PcapLiveStats s;
    s.received = received_.load(std::memory_order_relaxed);
    s.kernel_drops = kernel_drops_.load(std::memory_order_relaxed);
    s.interface_drops = interface_drops_.load(std::memory_order_relaxed);
    return s;
}

std::vector<std::pair<std::string, std::uint64_t>> PcapLiveSource::named_counters() const {
    const PcapLiveStats s = stats();
    return {
        {"capture.kernel_received", s.received},
        {"capture.kernel_drops", s.kernel_drops},
        {"capture.interface_drops", s.interface_drops},
    };
}

std::string PcapLiveSource::describe() const {
    std::string s = fmt::format(
        "pcap_live {}: link type {} ({}), snaplen {}, ring {} MiB, {} time "
        "stamps, non-blocking, block timeout {} ms",
        name(),
        pcap_datalink_val_to_name(static_cast<int>(link_type_))
            ? pcap_datalink_val_to_name(static_cast<int>(link_type_))
            : "?",
        link_type_, snaplen_, buffer_bytes_ >> 20, nanoseconds_ ? "ns" : "µs",
        options_.block_timeout_ms);
    if (!filter_.empty()) {
        s += fmt::format(", filter \"{}\"", filter_);
    }
    if (fanout_group_) {
        s += fmt::format(", fanout group {} (hash)", *fanout_group_);
    }
    return s;
}

std::vector<std::unique_ptr<PcapLiveSource>> open_pcap_live(const config::CaptureConfig& cfg,
                                                            PcapLiveOptions options) {
    const std::uint32_t threads = std::max<std::uint32_t>(cfg.threads, 1);
    std::vector<std::unique_ptr<PcapLiveSource>> sources;
    sources.reserve(threads);
    if (threads > 1) {
        if (!options.fanout_group) {
            // Fanout group ids are per network namespace; the process id keeps two daemons on
            // different interfaces of one host apart.
            options.fanout_group = static_cast<std::uint16_t>(getpid() & 0xFFFF);
        }
        if (options.buffer_bytes == 0) {
            options.buffer_bytes = (std::uint64_t{cfg.buffer_mb} << 20) / threads;
        }
    }
    for (std::uint32_t i = 0; i < threads; ++i) {
        sources.push_back(std::make_unique<PcapLiveSource>(cfg, options));
    }
    return sources;
}

}  // namespace fm::capture
