// SPDX-License-Identifier: BSD-3-Clause
// Worker inboxes and the dispatcher: preallocated bounded queues, bulk delivery in per-lane
// FIFO order, several capture lanes into one worker, and the wait-on-full policy (nothing is
// dropped, waits are counted).
#include "dispatch/dispatcher.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
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

/// Consumes `expected` packets from `inbox` (worker side) into `out`.
void consume(WorkerInbox& inbox, std::size_t expected, std::vector<std::int64_t>& out) {
    InboxReader reader(inbox);
    std::array<decode::PacketMeta, 64> buf;
    while (out.size() < expected) {
        const std::size_t n = reader.pop(buf.data(), buf.size(), 100000);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(buf[i].ts_us);
        }
    }
}

std::vector<std::unique_ptr<WorkerInbox>> make_inboxes(std::size_t workers, std::size_t lanes,
                                                       std::size_t capacity) {
    std::vector<std::unique_ptr<WorkerInbox>> out;
    for (std::size_t i = 0; i < workers; ++i) {
        out.push_back(std::make_unique<WorkerInbox>(lanes, capacity));
    }
    return out;
}

std::vector<WorkerInbox*> pointers(const std::vector<std::unique_ptr<WorkerInbox>>& owned) {
    std::vector<WorkerInbox*> out;
    for (const auto& p : owned) {
        out.push_back(p.get());
    }
    return out;
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

TEST(WorkerInbox, SplitsCapacityOverLanesAndCountsPackets) {
    WorkerInbox inbox(2, 1000);
    ASSERT_EQ(inbox.lanes(), 2U);
    std::array<decode::PacketMeta, 100> batch{};
    std::array<std::size_t, 2> accepted{};
    for (std::size_t lane = 0; lane < 2; ++lane) {
        ProducerToken token(inbox.lane(lane));
        while (inbox.try_push(lane, token, batch.data(), batch.size())) {
            accepted[lane] += batch.size();
            ASSERT_LT(accepted[lane], 100000U);
        }
        // Each lane has its own share: one full lane does not take the other's room.
        EXPECT_GE(accepted[lane], 500U);
        EXPECT_LE(accepted[lane], 500U + 2 * kPacketQueueBlock);
    }
    EXPECT_EQ(inbox.size_approx(), accepted[0] + accepted[1]);
    InboxReader reader(inbox);
    std::array<decode::PacketMeta, 256> out;
    std::size_t taken = 0;
    while (const std::size_t n = reader.try_pop(out.data(), out.size())) {
        taken += n;
    }
    EXPECT_EQ(taken, accepted[0] + accepted[1]);
    EXPECT_EQ(reader.pop(out.data(), out.size(), 1000), 0U) << "an empty inbox times out";
}

// The end of input wakes a reader that waits without a time limit, after every packet of every
// lane, and only then (WorkerInbox::close).
TEST(WorkerInbox, CloseWakesAWaitingReaderAfterTheLastPacket) {
    WorkerInbox inbox(2, 1024);
    std::vector<std::int64_t> got;
    bool end_seen = false;
    std::thread worker([&] {
        InboxReader reader(inbox);
        std::array<decode::PacketMeta, 64> buf;
        // No timeout: only packets or the end of input can end this loop.
        while (const std::size_t n = reader.pop(buf.data(), buf.size(), -1)) {
            for (std::size_t i = 0; i < n; ++i) {
                got.push_back(buf[i].ts_us);
            }
        }
        end_seen = reader.end_seen();
        // From then on it returns at once, and nothing is left.
        EXPECT_EQ(reader.pop(buf.data(), buf.size(), -1), 0U);
        EXPECT_EQ(reader.try_pop(buf.data(), buf.size()), 0U);
    });
    constexpr std::int64_t kPerLane = 3000;
    WorkerInbox* const inboxes[] = {&inbox};
    for (std::size_t lane = 0; lane < 2; ++lane) {
        DispatchCounters counters;
        Dispatcher dispatcher(inboxes, lane, counters);
        for (std::int64_t i = 0; i < kPerLane; ++i) {
            dispatcher.push(0, packet(static_cast<std::int64_t>(lane) * kPerLane + i));
        }
        dispatcher.flush();
    }
    EXPECT_FALSE(inbox.closed());
    inbox.close();
    worker.join();
    EXPECT_TRUE(end_seen);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(2 * kPerLane)) << "packets lost at the end";
    std::sort(got.begin(), got.end());
    for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i], static_cast<std::int64_t>(i));
    }
}

TEST(Dispatcher, DeliversEveryPacketInOrderPerWorker) {
    constexpr std::uint32_t kShards = 3;
    constexpr std::size_t kPackets = 50000;
    const auto owned = make_inboxes(kShards, 1, 4096);
    const std::vector<WorkerInbox*> inboxes = pointers(owned);
    std::array<std::size_t, kShards> expected{};
    for (std::size_t i = 0; i < kPackets; ++i) {
        ++expected[(i * 7) % kShards];
    }
    std::array<std::vector<std::int64_t>, kShards> got;
    std::vector<std::thread> consumers;
    for (std::uint32_t s = 0; s < kShards; ++s) {
        consumers.emplace_back(consume, std::ref(*inboxes[s]), expected[s], std::ref(got[s]));
    }
    DispatchCounters counters;
    {
        Dispatcher dispatcher(inboxes, 0, counters);
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

TEST(Dispatcher, SeveralLanesFeedOneWorkerEachInOrder) {
    // Two capture threads (lanes) into two workers: every packet arrives once, and each lane's
    // packets reach a worker in the order that lane sent them.
    constexpr std::size_t kLanes = 2;
    constexpr std::uint32_t kShards = 2;
    constexpr std::int64_t kPerLane = 30000;
    const auto owned = make_inboxes(kShards, kLanes, 1024);
    const std::vector<WorkerInbox*> inboxes = pointers(owned);
    std::array<std::vector<std::int64_t>, kShards> got;
    std::vector<std::thread> consumers;
    for (std::uint32_t s = 0; s < kShards; ++s) {
        consumers.emplace_back(consume, std::ref(*inboxes[s]), static_cast<std::size_t>(kPerLane),
                               std::ref(got[s]));
    }
    std::array<DispatchCounters, kLanes> counters;
    std::vector<std::thread> producers;
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
        producers.emplace_back([&, lane] {
            Dispatcher dispatcher(inboxes, lane, counters[lane]);
            for (std::int64_t i = 0; i < kPerLane; ++i) {
                // Serial = lane * 1e6 + i; shard alternates.
                dispatcher.push(static_cast<std::uint32_t>(i % kShards),
                                packet(static_cast<std::int64_t>(lane) * 1'000'000 + i));
            }
            dispatcher.flush();
        });
    }
    for (std::thread& t : producers) {
        t.join();
    }
    for (std::thread& t : consumers) {
        t.join();
    }
    for (std::uint32_t s = 0; s < kShards; ++s) {
        ASSERT_EQ(got[s].size(), static_cast<std::size_t>(kPerLane));
        std::array<std::int64_t, kLanes> previous{-1, -1};
        for (const std::int64_t serial : got[s]) {
            const auto lane = static_cast<std::size_t>(serial / 1'000'000);
            const std::int64_t i = serial % 1'000'000;
            ASSERT_LT(lane, kLanes);
            EXPECT_EQ(static_cast<std::uint32_t>(i % kShards), s);
            EXPECT_GT(i, previous[lane]);
            previous[lane] = i;
        }
    }
}

TEST(Dispatcher, WaitsOnFullQueueAndDropsNothing) {
    constexpr std::size_t kPackets = 20000;
    const auto owned = make_inboxes(1, 1, 512);
    const std::vector<WorkerInbox*> inboxes = pointers(owned);
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
        consume(*inboxes[0], kPackets, got);
    });
    {
        Dispatcher dispatcher(inboxes, 0, counters);
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
    const auto owned = make_inboxes(1, 1, 1024);
    const std::vector<WorkerInbox*> inboxes = pointers(owned);
    DispatchCounters counters;
    Dispatcher dispatcher(inboxes, 0, counters);
    for (int i = 0; i < 5; ++i) {
        dispatcher.push(0, packet(i));
    }
    EXPECT_EQ(inboxes[0]->size_approx(), 0U) << "staged packets wait for a full stage or flush";
    dispatcher.flush();
    EXPECT_EQ(inboxes[0]->size_approx(), 5U);
    EXPECT_EQ(counters.bulk_enqueues.load(), 1U);
    dispatcher.flush();
    EXPECT_EQ(counters.bulk_enqueues.load(), 1U) << "empty stages are not enqueued";
}

}  // namespace
}  // namespace fm::dispatch
