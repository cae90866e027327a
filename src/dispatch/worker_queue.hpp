// SPDX-License-Identifier: BSD-3-Clause
// The hand-off between capture/dispatch threads and one flow worker. A WorkerInbox holds one
// moodycamel ConcurrentQueue of PacketMeta per capture lane (capture thread) and one semaphore
// that counts the packets in all of them, so the worker sleeps on one thing when idle. Each
// queue has exactly one producer (its lane, with a token) and one consumer (the worker, with a
// token), is used in bulk only, and is allocated completely at creation. The producer never
// blocks in the inbox (try_push is all or nothing); it waits in the dispatcher.
//
// The end of input is signalled, not polled: once every lane has pushed its last packet, close()
// adds one token to the semaphore that has no packet behind it (the end marker). The worker
// sleeping on the semaphore wakes at once, finds every queue empty while it still holds a
// token, and so knows that the input is over (InboxReader::end_seen()). One extra signal per
// run; the data path is unchanged.
//
// Why one queue per lane instead of one multi-producer queue: moodycamel's explicit producers
// keep the blocks they once took, so with a shared, preallocated queue one bursty lane could
// take every block and the others could never enqueue again.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>

#include "common/tsan_sync.hpp"
#include "decode/packet_meta.hpp"

namespace fm::dispatch {

struct PacketQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
    /// 256 PacketMeta per block (about 20 KiB): a staging batch fills about one block, so a
    /// bulk enqueue touches one or two blocks, and the per-block empty check uses a counter.
    static const std::size_t BLOCK_SIZE = 256;
    /// No implicit producers: every producer must hold a token (STYLE 4.6), and a token-less
    /// enqueue fails instead of allocating a per-thread sub-queue behind our back.
    static const std::size_t INITIAL_IMPLICIT_PRODUCER_HASH_SIZE = 0;
};

using PacketQueue = moodycamel::ConcurrentQueue<decode::PacketMeta, PacketQueueTraits>;
using ProducerToken = moodycamel::ProducerToken;
using ConsumerToken = moodycamel::ConsumerToken;

inline constexpr std::size_t kPacketQueueBlock = PacketQueueTraits::BLOCK_SIZE;

/// Creates a queue that accepts at least `capacity` packets from its one producer without
/// allocating: every block is allocated here, and try_enqueue_bulk never allocates. One extra
/// block covers a partly consumed head block. Control plane only (allocates).
inline std::unique_ptr<PacketQueue> make_packet_queue(std::size_t capacity) {
    const std::size_t blocks = (capacity + kPacketQueueBlock - 1) / kPacketQueueBlock + 1;
    return std::make_unique<PacketQueue>(blocks * kPacketQueueBlock);
}

/// Everything bound for one worker (see the file comment).
class WorkerInbox {
public:
    /// Spins before an idle worker sleeps on the semaphore. Lower than moodycamel's default
    /// (10000) because more workers than cores is a supported layout, and a spinning idle
    /// worker takes the core its producer needs.
    static constexpr int kSemaphoreSpins = 1000;

    /// `capacity` packets in all, split evenly over `lanes` queues (at least one block each).
    /// Control plane only (allocates).
    WorkerInbox(std::size_t lanes, std::size_t capacity) : sema_(0, kSemaphoreSpins) {
        const std::size_t lane_count = lanes == 0 ? 1 : lanes;
        const std::size_t per_lane = (capacity + lane_count - 1) / lane_count;
        queues_.reserve(lane_count);
        for (std::size_t i = 0; i < lane_count; ++i) {
            queues_.push_back(make_packet_queue(per_lane));
        }
    }

    std::size_t lanes() const noexcept { return queues_.size(); }

    /// The queue of one lane, to make that lane's ProducerToken (on the lane's thread).
    PacketQueue& lane(std::size_t i) noexcept { return *queues_[i]; }

    /// Lane `lane`'s thread only, with its token for lane(lane): enqueues all `n` packets or
    /// none (queue full). Never allocates, never blocks.
    bool try_push(std::size_t lane, ProducerToken& token, const decode::PacketMeta* packets,
                  std::size_t n) noexcept {
        PacketQueue& q = *queues_[lane];
        tsan_queue_acquire(&q);
        const bool ok = q.try_enqueue_bulk(token, packets, n);
        tsan_queue_release(&q);
        if (ok) {
            // After the packets are in: a worker woken by the count always finds them.
            sema_.signal(static_cast<moodycamel::LightweightSemaphore::ssize_t>(n));
        }
        return ok;
    }

    /// Any thread, after the last try_push of every lane (that push happens-before this call):
    /// no packet will come any more. Wakes the worker with the end marker (see the file
    /// comment). Idempotent: only the first call signals.
    void close() noexcept {
        if (!closed_.exchange(true, std::memory_order_acq_rel)) {
            // After the flag: a worker that takes the marker token also sees closed() (the
            // semaphore's signal is a release, its wait an acquire).
            sema_.signal(1);
        }
    }

    /// True once close() was called; every packet is then in the queues. Any thread.
    bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

    /// Packets waiting, plus the end marker once closed (approximate; any thread).
    std::size_t size_approx() const noexcept { return sema_.availableApprox(); }

private:
    friend class InboxReader;

    std::vector<std::unique_ptr<PacketQueue>> queues_;  ///< queues_[i]: lane i -> this worker
    moodycamel::LightweightSemaphore sema_;             ///< packets in all queues, + 1 once closed
    std::atomic<bool> closed_{false};                   ///< set once by close(), before its signal
};

/// The worker's side of its inbox: one consumer token per lane queue. Create it on the worker
/// thread and use it only there.
class InboxReader {
public:
    explicit InboxReader(WorkerInbox& inbox) : inbox_(inbox) {
        tokens_.reserve(inbox.lanes());
        for (std::size_t i = 0; i < inbox.lanes(); ++i) {
            tokens_.emplace_back(inbox.lane(i));
        }
    }

    /// Waits up to `timeout_us` (< 0: without limit) for packets or the end of input and takes
    /// up to `max` packets. 0: timed out with none there, or the end of input (end_seen()), in
    /// which case it returns at once from then on.
    std::size_t pop(decode::PacketMeta* out, std::size_t max, std::int64_t timeout_us) noexcept {
        if (end_seen_) {
            return 0;
        }
        const auto n = inbox_.sema_.waitMany(
            static_cast<moodycamel::LightweightSemaphore::ssize_t>(max), timeout_us);
        return n > 0 ? take(out, static_cast<std::size_t>(n)) : 0;
    }

    /// Takes up to `max` packets that are already there, without waiting.
    std::size_t try_pop(decode::PacketMeta* out, std::size_t max) noexcept {
        const auto n =
            inbox_.sema_.tryWaitMany(static_cast<moodycamel::LightweightSemaphore::ssize_t>(max));
        return n > 0 ? take(out, static_cast<std::size_t>(n)) : 0;
    }

    /// True once the end marker was taken: the inbox is closed and every packet was popped.
    bool end_seen() const noexcept { return end_seen_; }

private:
    /// Dequeues the packets of `n` tokens taken from the semaphore. Each token is a packet that
    /// is already in a queue (the producer signals after its enqueue), except the end marker:
    /// so `n` packets come out, or `n - 1` when a sweep over every lane finds them all empty,
    /// which happens only once the inbox is closed and drained. Lanes are visited round robin;
    /// each lane's packets stay in their order.
    std::size_t take(decode::PacketMeta* out, std::size_t n) noexcept {
        std::size_t got = 0;
        std::size_t empty_lanes = 0;  ///< lanes found empty in a row
        while (got < n) {
            PacketQueue& q = *inbox_.queues_[next_];
            tsan_queue_acquire(&q);
            const std::size_t k = q.try_dequeue_bulk(tokens_[next_], out + got, n - got);
            tsan_queue_release(&q);
            got += k;
            // Next lane either way: a busy lane cannot keep the others waiting.
            next_ = next_ + 1 == tokens_.size() ? 0 : next_ + 1;
            empty_lanes = k == 0 ? empty_lanes + 1 : 0;
            if (empty_lanes == tokens_.size() && inbox_.closed()) {
                end_seen_ = true;  // the one token without a packet: the end marker
                break;
            }
        }
        return got;
    }

    WorkerInbox& inbox_;
    std::vector<ConsumerToken> tokens_;  ///< tokens_[i] reads inbox_.lane(i)
    std::size_t next_ = 0;               ///< lane to read first
    bool end_seen_ = false;              ///< the end marker was taken
};

}  // namespace fm::dispatch
