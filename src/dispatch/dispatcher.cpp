// SPDX-License-Identifier: BSD-3-Clause
// Dispatcher: bulk hand-off of staged packets to worker queues, with the wait-on-full policy.
#include "dispatch/dispatcher.hpp"

#include <chrono>
#include <thread>

#include "common/compiler.hpp"

namespace fm::dispatch {

namespace {

/// Waiting for a worker: first re-try after yielding (the worker is usually mid-batch and frees
/// a block within microseconds), then sleep briefly so that with more workers than cores the
/// waiting producer gives its core to the workers it is waiting for.
constexpr int kYieldTries = 64;
constexpr auto kFullQueueSleep = std::chrono::microseconds(50);

}  // namespace

Dispatcher::Dispatcher(std::span<WorkerInbox* const> inboxes, std::size_t lane,
                       DispatchCounters& counters)
    : inboxes_(inboxes.begin(), inboxes.end()),
      lane_(lane),
      stages_(inboxes.size()),
      counters_(counters) {
    FM_CHECK(!inboxes_.empty());
    tokens_.reserve(inboxes_.size());
    for (WorkerInbox* inbox : inboxes_) {
        FM_CHECK(lane_ < inbox->lanes());
        tokens_.push_back(std::make_unique<ProducerToken>(inbox->lane(lane_)));
    }
}

Dispatcher::~Dispatcher() = default;

void Dispatcher::flush() noexcept {
    for (std::uint32_t shard = 0; shard < shards(); ++shard) {
        if (stages_[shard].size != 0) {
            enqueue(shard);
        }
    }
}

void Dispatcher::enqueue(std::uint32_t shard) noexcept {
    Stage& stage = stages_[shard];
    if (FM_UNLIKELY(
            !inboxes_[shard]->try_push(lane_, *tokens_[shard], stage.packets.data(), stage.size))) {
        wait_and_enqueue(shard);
    }
    counters_.packets.add(stage.size);
    counters_.bulk_enqueues.add();
    stage.size = 0;
}

FM_NOINLINE void Dispatcher::wait_and_enqueue(std::uint32_t shard) noexcept {
    counters_.queue_full_waits.add();
    Stage& stage = stages_[shard];
    for (int tries = 0;; ++tries) {
        if (tries < kYieldTries) {
            std::this_thread::yield();
        } else {
            std::this_thread::sleep_for(kFullQueueSleep);
        }
        if (inboxes_[shard]->try_push(lane_, *tokens_[shard], stage.packets.data(), stage.size)) {
            return;
        }
    }
}

}  // namespace fm::dispatch
