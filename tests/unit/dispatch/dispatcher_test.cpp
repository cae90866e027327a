// SPDX-License-Identifier: BSD-3-Clause
// Worker queues and the dispatcher: preallocated bounded queues, bulk delivery in per-worker
// FIFO order, and the wait-on-full policy (nothing is dropped, waits are counted).
#include "dispatch/dispatcher.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dispatch/worker_queue.hpp"

namespace fm::dispatch {
namespace {

decode::PacketMeta packet(std::int64_t serial) {
    decode::PacketMeta m;
    m.ts_us = serial;
    return m;
}

/// Consumes `expected` packets from `queue` (with a consumer token) into `out`.
void consume(PacketQueue& queue, std::size_t expected, std::vector<std::int64_t>& out,
             std::chrono::microseconds pause_per_batch) {
    ConsumerToken token(queue);
    std::array<decode::PacketMeta, 64> buf;
    while (out.size() < expected) {
        tsan_queue_acquire(&queue);
        const std::size_t n = queue.wait_dequeue_bulk_timed(token, buf.data(), buf.size(), 100000);
        tsan_queue_release(&queue);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(buf[i].ts_us);
        }
        if (pause_per_batch.count() > 0) {
            std::this_thread::sleep_for(pause_per_batch);
        }
    }
}

TEST(PacketQueue, IsBoundedAndNeverGrows) {
    constexpr std::size_t kCapacity = 1000;
    auto queue = make_packet_queue(kCapacity);
    ProducerToken token(*queue);
    std::array<decode::PacketMeta, 100> batch{};
    std::size_t accepted = 0;
    while (queue->try_enqueue_bulk(token, batch.data(), batch.size())) {
        accepted += batch.size();
        ASSERT_LT(accepted, 100 * kCapacity) << "queue keeps growing: it allocates";
    }
    EXPECT_GE(accepted, kCapacity);
    EXPECT_LE(accepted, kCapacity + 2 * kPacketQueueBlock);
}

TEST(PacketQueue, RequiresAProducerToken) {
    auto queue = make_packet_queue(256);
    // Implicit (token-less) production is compiled out: it must fail rather than allocate.
    EXPECT_FALSE(queue->try_enqueue(decode::PacketMeta{}));
}

TEST(Dispatcher, DeliversEveryPacketInOrderPerWorker) {
    constexpr std::uint32_t kShards = 3;
    constexpr std::size_t kPackets = 50000;
    std::vector<std::unique_ptr<PacketQueue>> owned;
    std::vector<PacketQueue*> queues;
    for (std::uint32_t i = 0; i < kShards; ++i) {
        owned.push_back(make_packet_queue(4096));
        queues.push_back(owned.back().get());
    }
    std::array<std::size_t, kShards> expected{};
    for (std::size_t i = 0; i < kPackets; ++i) {
        ++expected[(i * 7) % kShards];
    }
    std::array<std::vector<std::int64_t>, kShards> got;
    std::vector<std::thread> consumers;
    for (std::uint32_t s = 0; s < kShards; ++s) {
        consumers.emplace_back(consume, std::ref(*queues[s]), expected[s], std::ref(got[s]),
                               std::chrono::microseconds(0));
    }
    DispatchCounters counters;
    {
        Dispatcher dispatcher(queues, counters);
        for (std::size_t i = 0; i < kPackets; ++i) {
            dispatcher.push(static_cast<std::uint32_t>((i * 7) % kShards),
                            packet(static_cast<std::int64_t>(i)));
        }
        dispatcher.flush();
    }
    for (std::thread& t : consumers) {
        t.join();
    }
    EXPECT_EQ(counters.packets.load(), kPackets);
    for (std::uint32_t s = 0; s < kShards; ++s) {
        ASSERT_EQ(got[s].size(), expected[s]);
        std::int64_t previous = -1;
        for (const std::int64_t serial : got[s]) {
            EXPECT_EQ(static_cast<std::uint32_t>((serial * 7) % kShards), s);
            EXPECT_GT(serial, previous);
            previous = serial;
        }
    }
}

TEST(Dispatcher, WaitsOnFullQueueAndDropsNothing) {
    constexpr std::size_t kPackets = 20000;
    auto queue = make_packet_queue(512);
    std::vector<PacketQueue*> queues{queue.get()};
    std::vector<std::int64_t> got;
    DispatchCounters counters;
    // The worker does not start before the producer has found its queue full and waited: the
    // wait path runs whatever the speed of either thread.
    std::thread consumer([&] {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (counters.queue_full_waits.load() == 0 &&
               std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        consume(*queue, kPackets, got, std::chrono::microseconds(0));
    });
    {
        Dispatcher dispatcher(queues, counters);
        for (std::size_t i = 0; i < kPackets; ++i) {
            dispatcher.push(0, packet(static_cast<std::int64_t>(i)));
        }
        dispatcher.flush();
    }
    consumer.join();
    EXPECT_GT(counters.queue_full_waits.load(), 0U);
    EXPECT_EQ(counters.packets.load(), kPackets);
    ASSERT_EQ(got.size(), kPackets);
    for (std::size_t i = 0; i < kPackets; ++i) {
        ASSERT_EQ(got[i], static_cast<std::int64_t>(i));
    }
}

TEST(Dispatcher, FlushSendsPartialStages) {
    auto queue = make_packet_queue(1024);
    std::vector<PacketQueue*> queues{queue.get()};
    DispatchCounters counters;
    Dispatcher dispatcher(queues, counters);
    for (int i = 0; i < 5; ++i) {
        dispatcher.push(0, packet(i));
    }
    EXPECT_EQ(queue->size_approx(), 0U) << "staged packets must wait for a full stage or flush";
    dispatcher.flush();
    EXPECT_EQ(queue->size_approx(), 5U);
    EXPECT_EQ(counters.bulk_enqueues.load(), 1U);
    dispatcher.flush();
    EXPECT_EQ(counters.bulk_enqueues.load(), 1U) << "empty stages are not enqueued";
}

}  // namespace
}  // namespace fm::dispatch
