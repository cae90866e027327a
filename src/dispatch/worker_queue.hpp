// SPDX-License-Identifier: BSD-3-Clause
// The queue between the capture/dispatch thread and one flow worker: a moodycamel
// BlockingConcurrentQueue of PacketMeta with traits chosen for this use (one producer with a
// token, one consumer with a token, bulk operations, everything allocated at creation). The
// "blocking" flavour only adds a semaphore so an idle worker sleeps instead of spinning; the
// producer never blocks in the queue (try_enqueue_bulk), it waits in the dispatcher.
#pragma once

#include <cstddef>
#include <memory>

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>

#include "decode/packet_meta.hpp"

#if defined(__SANITIZE_THREAD__)
#define FM_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FM_TSAN_BUILD 1
#endif
#endif
#ifdef FM_TSAN_BUILD
#include <sanitizer/tsan_interface.h>
#endif

namespace fm::dispatch {

/// ThreadSanitizer builds only (no-ops otherwise): moodycamel hands a block the consumer has
/// emptied back to its producer through relaxed atomics and std::atomic_thread_fence, which TSan
/// does not model, so it would report every block reuse as a race (and spend most of a test run
/// filtering those reports). Each queue operation in flowmeterd is bracketed by
/// tsan_queue_acquire(&queue) before and tsan_queue_release(&queue) after, which tells TSan
/// about that synchronization. It only adds edges between operations on the same queue.
inline void tsan_queue_acquire([[maybe_unused]] const void* queue) noexcept {
#ifdef FM_TSAN_BUILD
    __tsan_acquire(const_cast<void*>(queue));
#endif
}

inline void tsan_queue_release([[maybe_unused]] const void* queue) noexcept {
#ifdef FM_TSAN_BUILD
    __tsan_release(const_cast<void*>(queue));
#endif
}

struct PacketQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
    /// 256 PacketMeta per block (about 20 KiB): a staging batch fills about one block, so a
    /// bulk enqueue touches one or two blocks, and the per-block empty check uses a counter.
    static const std::size_t BLOCK_SIZE = 256;
    /// No implicit producers: every producer must hold a token (STYLE 4.6), and a token-less
    /// enqueue fails instead of allocating a per-thread sub-queue behind our back.
    static const std::size_t INITIAL_IMPLICIT_PRODUCER_HASH_SIZE = 0;
    /// Spins before an idle worker sleeps on the semaphore. Lower than the default (10000)
    /// because more workers than cores is a supported layout, and a spinning idle worker
    /// takes the core its producer needs.
    static const int MAX_SEMA_SPINS = 1000;
};

using PacketQueue = moodycamel::BlockingConcurrentQueue<decode::PacketMeta, PacketQueueTraits>;
using ProducerToken = moodycamel::ProducerToken;
using ConsumerToken = moodycamel::ConsumerToken;

inline constexpr std::size_t kPacketQueueBlock = PacketQueueTraits::BLOCK_SIZE;

/// Creates a worker queue that accepts at least `capacity` packets from its one producer
/// without allocating: every block is allocated here, and try_enqueue_bulk never allocates.
/// One extra block covers a partly consumed head block. Control plane only (allocates).
inline std::unique_ptr<PacketQueue> make_packet_queue(std::size_t capacity) {
    const std::size_t blocks = (capacity + kPacketQueueBlock - 1) / kPacketQueueBlock + 1;
    return std::make_unique<PacketQueue>(blocks * kPacketQueueBlock);
}

}  // namespace fm::dispatch
