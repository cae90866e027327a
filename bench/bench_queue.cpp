// SPDX-License-Identifier: BSD-3-Clause
// The capture -> worker hand-off alone: one producer thread pushes PacketMeta in bulk with its
// producer token into a preallocated worker queue, one consumer thread (started before the
// timed loop) dequeues in bulk with its consumer token. Reported as packets/s of the producer.
// The last queue-full of packets drained after the timed loop is not counted (the queue is
// small against the millions of packets a run moves).
#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/compiler.hpp"
#include "decode/packet_meta.hpp"
#include "dispatch/worker_queue.hpp"

namespace {

using fm::decode::PacketMeta;
using fm::dispatch::ConsumerToken;
using fm::dispatch::PacketQueue;
using fm::dispatch::ProducerToken;

constexpr std::size_t kQueueCapacity = 16384;

/// The producer's bulk enqueue, out of line as in the dispatcher (dispatcher.cpp). Inlined into
/// the benchmark loop, GCC 12 at -O3 reports a bogus -Wstringop-overflow inside moodycamel.
FM_NOINLINE bool enqueue_bulk(PacketQueue& queue, ProducerToken& token, const PacketMeta* items,
                              std::size_t count) {
    return queue.try_enqueue_bulk(token, items, count);
}
constexpr std::size_t kMaxBatch = 256;

/// Args: {batch size, consumer mode}: batch = packets per bulk enqueue (1 = no batching);
/// mode 0 = consumer spins on try_dequeue_bulk, 1 = consumer blocks in wait_dequeue_bulk_timed
/// (what flow workers do, so an idle worker sleeps).
void BM_QueueBulk(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const bool blocking = state.range(1) != 0;
    auto queue = fm::dispatch::make_packet_queue(kQueueCapacity);
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> consumed{0};
    std::thread consumer([&] {
        ConsumerToken token(*queue);
        std::array<PacketMeta, kMaxBatch> buf;
        std::uint64_t n_total = 0;
        std::int64_t sum = 0;
        for (;;) {
            const std::size_t n =
                blocking ? queue->wait_dequeue_bulk_timed(token, buf.data(), buf.size(), 1000)
                         : queue->try_dequeue_bulk(token, buf.data(), buf.size());
            for (std::size_t i = 0; i < n; ++i) {
                sum += buf[i].ts_us;  // touch the data, as a worker would
            }
            n_total += n;
            if (n == 0 && done.load(std::memory_order_acquire)) {
                if (queue->try_dequeue_bulk(token, buf.data(), buf.size()) == 0) {
                    break;
                }
            }
        }
        benchmark::DoNotOptimize(sum);
        consumed.store(n_total, std::memory_order_relaxed);
    });

    ProducerToken token(*queue);
    std::array<PacketMeta, kMaxBatch> stage{};
    for (std::size_t i = 0; i < stage.size(); ++i) {
        stage[i].ts_us = static_cast<std::int64_t>(i);
    }
    std::uint64_t full_waits = 0;
    for (auto _ : state) {
        while (!enqueue_bulk(*queue, token, stage.data(), batch)) {
            ++full_waits;
            std::this_thread::yield();
        }
    }
    done.store(true, std::memory_order_release);
    consumer.join();
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch) *
                            static_cast<std::int64_t>(sizeof(PacketMeta)));
    state.counters["full_waits"] = static_cast<double>(full_waits);
    if (consumed.load() != state.iterations() * batch) {
        state.SkipWithError("consumer lost packets");
    }
}
// Axis 1: batch size (1 = per packet, 16..256 = the dispatcher's staging range).
// Axis 2: consumer mode (0 spin, 1 blocking).
BENCHMARK(BM_QueueBulk)->ArgsProduct({{1, 16, 32, 64, 128, 256}, {0, 1}})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
