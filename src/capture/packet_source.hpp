// SPDX-License-Identifier: BSD-3-Clause
// PacketSource: where frames enter flowmeterd (capture files, live interfaces, DPDK ports).
// One virtual call per batch, never per packet (STYLE 4.2 step 1). A source fills a caller-owned
// RawBatch whose views stay valid until the next next_batch() call on the same source. The
// status accessors are plain reads of counters the source maintains, so the stats reporter may
// poll them from another thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "capture/raw_batch.hpp"

namespace fm::capture {

class PacketSource {
public:
    virtual ~PacketSource() = default;

    PacketSource(const PacketSource&) = delete;
    PacketSource& operator=(const PacketSource&) = delete;

    /// Replaces the contents of `batch` with up to RawBatch::kCapacity frames and returns how
    /// many. 0 means the input is finished: at_end() is then true, and error() is non-empty when
    /// it finished because of a failure. Source thread only.
    virtual std::size_t next_batch(RawBatch& batch) = 0;

    /// Name used in messages (file path, interface, "<memory>").
    const std::string& name() const noexcept { return name_; }

    /// True once no more frames will come (end of input, or an error). Source thread only.
    bool at_end() const noexcept { return at_end_; }

    /// One-line description of what went wrong, naming the input; empty when nothing did.
    /// Source thread only (set once, before at_end() turns true).
    const std::string& error() const noexcept { return error_; }
    bool failed() const noexcept { return !error_.empty(); }

    /// Frames delivered so far. Any thread (relaxed).
    std::uint64_t packets_read() const noexcept {
        return packets_read_.load(std::memory_order_relaxed);
    }

    /// Input bytes consumed so far, for progress against size_bytes(). Any thread (relaxed).
    std::uint64_t bytes_read() const noexcept {
        return bytes_read_.load(std::memory_order_relaxed);
    }

    /// Total input size in bytes, 0 when unknown (live capture, pipe).
    std::uint64_t size_bytes() const noexcept { return size_bytes_; }

protected:
    explicit PacketSource(std::string name) : name_(std::move(name)) {}

    void finish() noexcept { at_end_ = true; }
    void fail(std::string message) {
        if (error_.empty()) {
            error_ = std::move(message);
        }
        at_end_ = true;
    }
    void add_packets(std::uint64_t n) noexcept {
        packets_read_.store(packets_read_.load(std::memory_order_relaxed) + n,
                            std::memory_order_relaxed);
    }
    void set_bytes_read(std::uint64_t n) noexcept {
        bytes_read_.store(n, std::memory_order_relaxed);
    }
    void set_size_bytes(std::uint64_t n) noexcept { size_bytes_ = n; }

private:
    std::string name_;
    std::string error_;
    std::atomic<std::uint64_t> packets_read_{0};
    std::atomic<std::uint64_t> bytes_read_{0};
    std::uint64_t size_bytes_ = 0;
    bool at_end_ = false;
};

}  // namespace fm::capture
