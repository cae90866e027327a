// SPDX-License-Identifier: BSD-3-Clause
// Dispatcher: one capture lane's side of the worker inboxes. Decoded packets are staged per
// worker in fixed arrays and moved in bulk (WorkerInbox::try_push with this lane's producer
// token). A full queue makes the dispatcher wait until the worker has made room — packets are
// never dropped here; in live capture the pressure shows up as counted capture drops instead
// (STYLE §3 decision 2). Capture/dispatch thread only, except the counters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/cacheline.hpp"
#include "common/stage_counter.hpp"
#include "decode/packet_meta.hpp"
#include "dispatch/dispatch_counters.def"
#include "dispatch/worker_queue.hpp"

namespace fm::dispatch {

/// Written by the dispatch thread only; read by anyone with relaxed loads. Own cache line so the
/// reporter's reads and other stages' counters do not share a line with these writes.
struct alignas(kCacheLine) DispatchCounters {
    FM_STAGE_COUNTER_BLOCK(FM_DISPATCH_COUNTERS)
};

class Dispatcher {
public:
    /// Packets staged per worker before a bulk enqueue.
    static constexpr std::size_t kStageBatch = 128;

    /// Feeds lane `lane` of every inbox (inboxes[i] belongs to worker i). Creates one producer
    /// token per inbox, so it must be constructed on the thread that will call push()/flush()
    /// (moodycamel: tokens belong to one thread). Allocates (control plane). `inboxes` and
    /// `counters` must outlive the dispatcher.
    Dispatcher(std::span<WorkerInbox* const> inboxes, std::size_t lane, DispatchCounters& counters);
    ~Dispatcher();

    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Stages one packet for worker `shard` (< shards()); enqueues the stage when it is full,
    /// waiting while that worker's queue is full.
    void push(std::uint32_t shard, const decode::PacketMeta& meta) noexcept {
        Stage& stage = stages_[shard];
        stage.packets[stage.size] = meta;
        if (++stage.size == kStageBatch) {
            enqueue(shard);
        }
    }

    /// Enqueues every partly filled stage. Call after each capture batch (bounds the latency a
    /// quiet link adds) and once at end of input, before the workers are told to finish.
    void flush() noexcept;

    std::uint32_t shards() const noexcept { return static_cast<std::uint32_t>(stages_.size()); }

private:
    struct Stage {
        std::array<decode::PacketMeta, kStageBatch> packets;
        std::size_t size = 0;
    };

    void enqueue(std::uint32_t shard) noexcept;
    void wait_and_enqueue(std::uint32_t shard) noexcept;

    std::vector<WorkerInbox*> inboxes_;
    std::size_t lane_;
    std::vector<std::unique_ptr<ProducerToken>> tokens_;  ///< tokens_[i]: inboxes_[i]->lane(lane_)
    std::vector<Stage> stages_;
    DispatchCounters& counters_;
};

}  // namespace fm::dispatch
