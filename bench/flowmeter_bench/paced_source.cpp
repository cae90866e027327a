// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/paced_source.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include "flowmeter_bench/memory_source.hpp"

namespace fm::bench {
namespace {

using Clock = std::chrono::steady_clock;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void sleep_ns(std::int64_t ns) noexcept {
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    nanosleep(&ts, nullptr);
}

}  // namespace

PacedSource::PacedSource(const FrameStore& store, double rate_pps, double duration_s,
                         std::uint32_t ring)
    : capture::PacketSource("<paced ring>"),
      store_(store),
      rate_pps_(rate_pps),
      total_(std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(std::llround(rate_pps * duration_s)))),
      capacity_(ring),
      ring_(new std::uint64_t[ring]) {}

PacedSource::~PacedSource() {
    stop();
    join();
}

void PacedSource::join() {
    if (pacer_.joinable()) {
        pacer_.join();
    }
}

void PacedSource::pace() noexcept {
    pthread_setname_np(pthread_self(), "fm-bench-pacer");
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);  // sleeps end within a microsecond or so
    const Clock::time_point t0 = Clock::now();
    const double ns_per_frame = 1e9 / rate_pps_;
    std::uint64_t offered = 0;
    std::uint64_t dropped = 0;
    std::uint64_t head = 0;
    std::uint64_t tail = tail_.load(std::memory_order_acquire);
    while (offered < total_ && !stop_.load(std::memory_order_relaxed)) {
        const double elapsed_ns = static_cast<double>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
        const std::uint64_t due = std::min<std::uint64_t>(
            total_, static_cast<std::uint64_t>(elapsed_ns / ns_per_frame) + 1);
        if (due <= offered) {
            // Ahead of schedule: sleep through long gaps, spin through short ones.
            const double wait_ns = static_cast<double>(offered) * ns_per_frame - elapsed_ns;
            if (wait_ns > 60'000) {
                sleep_ns(static_cast<std::int64_t>(wait_ns) - 50'000);
            } else if (wait_ns > 2'000) {
                std::this_thread::yield();
            } else {
                cpu_relax();
            }
            continue;
        }
        // Offer every frame that is due, in order; each one takes a free descriptor or is
        // dropped. Publish in chunks so the consumer sees frames while a burst is offered.
        while (offered < due) {
            const std::uint64_t chunk_end = std::min<std::uint64_t>(due, offered + 64);
            for (; offered < chunk_end; ++offered) {
                if (head - tail >= capacity_) {
                    head_.store(head, std::memory_order_release);
                    tail = tail_.load(std::memory_order_acquire);
                    if (head - tail >= capacity_) {
                        ++dropped;
                        continue;
                    }
                }
                ring_[head % capacity_] = offered;
                ++head;
            }
            head_.store(head, std::memory_order_release);
            offered_.store(offered, std::memory_order_relaxed);
            dropped_.store(dropped, std::memory_order_relaxed);
        }
    }
    offer_s_.store(std::chrono::duration<double>(Clock::now() - t0).count(),
                   std::memory_order_relaxed);
    offered_.store(offered, std::memory_order_relaxed);
    dropped_.store(dropped, std::memory_order_relaxed);
    head_.store(head, std::memory_order_release);
    done_.store(true, std::memory_order_release);
}

std::size_t PacedSource::next_batch(capture::RawBatch& batch) {
    batch.size = 0;
    if (at_end()) {
        return 0;
    }
    if (!pacer_.joinable()) {
        prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);  // the capture thread's poll sleeps
        pacer_ = std::thread([this] { pace(); });
    }
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    std::uint64_t head = head_.load(std::memory_order_acquire);
    if (head == tail) {
        // Poll: spin a little, then sleep briefly (a live source's poll interval).
        for (int i = 0; i < 200 && head == tail; ++i) {
            cpu_relax();
            head = head_.load(std::memory_order_acquire);
        }
        if (head == tail) {
            if (done_.load(std::memory_order_acquire)) {
                head = head_.load(std::memory_order_acquire);
                if (head == tail) {
                    finish();
                    return 0;
                }
            } else {
                sleep_ns(5'000);
                return 0;
            }
        }
    }
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(head - tail, capture::RawBatch::kCapacity));
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        fill_view(store_, ring_[(tail + i) % capacity_], batch.packets[i]);
        bytes += batch.packets[i].wire_len;
    }
    // The views point into the store, not into the ring: the descriptors are free at once.
    tail_.store(tail + n, std::memory_order_release);
    batch.size = n;
    wire_bytes_ += bytes;
    add_packets(n);
    return n;
}

}  // namespace fm::bench
