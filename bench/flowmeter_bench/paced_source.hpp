// SPDX-License-Identifier: BSD-3-Clause
// PacedSource: live-like input. A pacing thread offers frames at a fixed rate into a bounded
// single-producer/single-consumer receive ring of N descriptors, like a NIC filling its RX
// queue; the capture stage polls the ring through next_batch(). A frame that finds the ring full
// is dropped and counted, as a NIC counts imissed. Nothing else drops: offered = delivered +
// dropped, exactly, once the run is over.
//
// The pacer starts on the first next_batch() call (pipeline start-up is not measured), offers
// rate × duration frames in total and then ends the input; the capture stage reads the ring dry.
// When the pacer falls behind its schedule (it was descheduled), it offers the overdue frames at
// once, as a burst, re-reading the consumer's position before it drops any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "capture/packet_source.hpp"
#include "common/cacheline.hpp"
#include "flowmeter_bench/frame_store.hpp"

namespace fm::bench {

class PacedSource final : public capture::PacketSource {
public:
    PacedSource(const FrameStore& store, double rate_pps, double duration_s, std::uint32_t ring);
    ~PacedSource() override;

    std::size_t next_batch(capture::RawBatch& batch) override;

    /// Ends the pacing early (the run is being abandoned). Any thread.
    void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
    /// Waits for the pacing thread; afterwards the counters are final.
    void join();

    std::uint64_t offered() const noexcept { return offered_.load(std::memory_order_acquire); }
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_acquire); }
    std::uint64_t delivered() const noexcept { return packets_read(); }
    /// Wire bytes (without FCS) of the frames delivered.
    std::uint64_t wire_bytes() const noexcept { return wire_bytes_; }
    /// Seconds the pacer took to offer everything (about the duration when it kept up).
    double offer_seconds() const noexcept { return offer_s_.load(std::memory_order_acquire); }

private:
    void pace() noexcept;

    const FrameStore& store_;
    double rate_pps_;
    std::uint64_t total_;  ///< frames to offer
    std::uint64_t capacity_;
    std::unique_ptr<std::uint64_t[]> ring_;  ///< frame numbers (over all loops)

    alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};  ///< written by the pacer
    alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};  ///< written by the consumer
    alignas(kCacheLine) std::atomic<std::uint64_t> offered_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<double> offer_s_{0};
    std::atomic<bool> done_{false};  ///< the pacer has offered its last frame (release)
    std::atomic<bool> stop_{false};

    // Consumer side.
    std::thread pacer_;
    std::uint64_t wire_bytes_ = 0;
};

}  // namespace fm::bench
