// SPDX-License-Identifier: BSD-3-Clause
// The capture -> worker hand-off alone: one producer thread pushes PacketMeta in bulk with its
// producer token into a preallocated worker inbox (one lane), one consumer thread (started
// before the timed loop) takes them in bulk with its InboxReader. Reported as packets/s of the
// producer. The last queue-full of packets drained after the timed loop is not counted (the queue
// is small against the millions of packets a run moves).
#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <time.h>

#include <benchmark/benchmark.h>

#include "common/compiler.hpp"
#include "decode/packet_meta.hpp"
#include "dispatch/worker_queue.hpp"

namespace {

using fm::decode::PacketMeta;
using fm::dispatch::InboxReader;
using fm::dispatch::ProducerToken;
using fm::dispatch::WorkerInbox;

constexpr std::size_t kQueueCapacity = 16384;

/// CPU time of the calling thread in ns: on a shared machine the CPU each side spends per
/// packet is a steadier figure than the wall-clock rate.
double thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/// The producer's bulk enqueue, out of line as in the dispatcher (dispatcher.cpp). Inlined into
/// the benchmark loop, GCC 12 at -O3 reports a bogus -Wstringop-overflow inside moodycamel.
FM_NOINLINE bool enqueue_bulk(WorkerInbox& inbox, ProducerToken& token, const PacketMeta* items,
                              std::size_t count) {
    return inbox.try_push(0, token, items, count);
}
constexpr std::size_t kMaxBatch = 256;

/// Args: {batch size, consumer mode}: batch = packets per bulk enqueue (1 = no batching);
/// mode 0 = consumer spins on InboxReader::try_pop, 1 = consumer blocks in InboxReader::pop
/// (what flow workers do, so an idle worker sleeps).
void BM_QueueBulk(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const bool blocking = state.range(1) != 0;
    WorkerInbox inbox(1, kQueueCapacity);
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> consumed{0};
    std::atomic<double> consumer_cpu_ns{0};
    std::thread consumer([&] {
        const double cpu0 = thread_cpu_ns();
        InboxReader reader(inbox);
        std::array<PacketMeta, kMaxBatch> buf;
        std::uint64_t n_total = 0;
        std::int64_t sum = 0;
        for (;;) {
            // Read the flag before dequeuing: when it was already set, an empty dequeue means
            // the queue is drained for good (the producer's last enqueue came before it).
            const bool finished = done.load(std::memory_order_acquire);
            const std::size_t n = blocking ? reader.pop(buf.data(), buf.size(), 1000)
                                           : reader.try_pop(buf.data(), buf.size());
            for (std::size_t i = 0; i < n; ++i) {
                sum += buf[i].ts_us;  // touch the data, as a worker would
            }
            n_total += n;
            if (n == 0 && finished) {
                break;
            }
        }
        benchmark::DoNotOptimize(sum);
        consumer_cpu_ns.store(thread_cpu_ns() - cpu0, std::memory_order_relaxed);
        consumed.store(n_total, std::memory_order_relaxed);
    });

    ProducerToken token(inbox.lane(0));
    std::array<PacketMeta, kMaxBatch> stage{};
    for (std::size_t i = 0; i < stage.size(); ++i) {
        stage[i].ts_us = static_cast<std::int64_t>(i);
    }
    std::uint64_t full_waits = 0;
    const double producer_cpu0 = thread_cpu_ns();
    for (auto _ : state) {
        while (!enqueue_bulk(inbox, token, stage.data(), batch)) {
            ++full_waits;
            std::this_thread::yield();
        }
    }
    const double producer_cpu = thread_cpu_ns() - producer_cpu0;
    done.store(true, std::memory_order_release);
    consumer.join();
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch) *
                            static_cast<std::int64_t>(sizeof(PacketMeta)));
    state.counters["full_waits"] = static_cast<double>(full_waits);
    const double packets = static_cast<double>(state.iterations()) * static_cast<double>(batch);
    state.counters["producer_cpu_ns_per_pkt"] = producer_cpu / packets;
    state.counters["consumer_cpu_ns_per_pkt"] = consumer_cpu_ns.load() / packets;
    if (consumed.load() != state.iterations() * batch) {
        state.SkipWithError("consumer lost packets");
    }
}
// Axis 1: batch size (1 = per packet, 16..256 = the dispatcher's staging range).
// Axis 2: consumer mode (0 spin, 1 blocking).
BENCHMARK(BM_QueueBulk)->ArgsProduct({{1, 16, 32, 64, 128, 256}, {0, 1}})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
