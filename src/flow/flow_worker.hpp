// SPDX-License-Identifier: BSD-3-Clause
// FlowWorker: the body of one worker thread (W). It owns one FlowEngine shard, created on its
// own thread and never touched by another, takes packets from its inbox in bulk with its
// consumer tokens, and hands finished rows to a sink that is also created on its thread (the
// pipeline's sink formats them into CSV text there, so formatting scales with the workers).
//
// Where the packets come from is a PacketFeed: normally the worker's inbox, which the capture
// threads fill (InboxFeed); with run to completion (a NIC queue per worker, spread by symmetric
// hardware RSS) the worker reads and decodes its queue itself (daemon/pipeline.cpp).
//
// Threads share only: the inbox and the counter block, which the stats reporter reads with
// relaxed loads. Shutdown: once the producers have flushed, the last one closes the inbox
// (WorkerInbox::close), which wakes the worker at once; it pumps its inbox until empty, drains
// its table and flushes its sink. Nothing on that path waits for a timeout.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/cacheline.hpp"
#include "common/stage_counter.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "dispatch/worker_queue.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "flow/worker_counters.def"

namespace fm::flow {

/// The sink a worker hands its engine's rows to.
using WorkerRowSink = features::BufferingRowSink;

/// Written by the worker thread only; read by anyone with relaxed loads. One cache line per
/// worker so that workers never write the same line (STYLE 4.5.6).
struct alignas(kCacheLine) WorkerCounters {
    FM_STAGE_COUNTER_BLOCK(FM_WORKER_COUNTERS)

    /// The engine's own counters (flow/flow_counters.def) as of the worker's last batch or
    /// expiry, so that they can be read while the run goes on (metrics endpoint); the engine
    /// itself keeps plain integers on its hot path. Not part of for_each() above.
    struct LiveFlow {
        FM_STAGE_COUNTER_BLOCK(FM_FLOW_COUNTERS)

        /// Worker thread only: once per batch, never per packet.
        void publish(const FlowCounters& c) noexcept {
#define FM_FLOW_COUNTER_PUBLISH(field, name, doc) field.set(c.field);
            FM_FLOW_COUNTERS(FM_FLOW_COUNTER_PUBLISH)
#undef FM_FLOW_COUNTER_PUBLISH
        }
    } flow;
};

/// Monotonic coarse clock in µs; the only clock a worker reads, and only on the idle path.
using MonotonicClock = Micros (*)();
Micros coarse_monotonic_us() noexcept;

struct FlowWorkerOptions {
    std::size_t table_capacity = 1'000'000;  ///< flows of this shard (FlowEngine capacity)
    /// Live input: end flows the active timeout has certainly ended while the link is quiet or
    /// between batches, so memory follows the traffic. Off for capture files: their packet
    /// time has no relation to the clock, and drain() at the end gives the same rows anyway.
    bool expire_with_clock = false;
    /// How far behind "packet time now" expire() stays, to cover packets still in the capture
    /// buffer and queues (FlowEngine::expire precondition).
    Micros expire_lag_us = 2 * kMicrosPerSecond;
    Micros expire_interval_us = 100'000;  ///< at most one expire() per interval while busy
    /// Live input (expire_with_clock) only: how long an empty queue is waited on before the
    /// idle path (expiry, flushing a quiet link's rows) runs. A timer, not a poll for the end:
    /// packets and the end of input wake the worker whatever this is. Capture files have no
    /// idle path, and their worker sleeps until packets or the end of input come.
    Micros idle_wait_us = 2'000;
    MonotonicClock clock = &coarse_monotonic_us;  ///< injectable for tests
};

/// A worker's packet input, used by the worker thread only (one virtual call per batch).
class PacketFeed {
public:
    virtual ~PacketFeed() = default;
    /// Up to `max` packets, waiting at most about `wait_us` (< 0: without limit) when none is
    /// ready; 0 when none came (a quiet input, or the input is done). The end of input must end
    /// the wait at once, without waiting for `wait_us`.
    virtual std::size_t pop(decode::PacketMeta* out, std::size_t max, std::int64_t wait_us) = 0;
    /// Up to `max` packets that are ready, without waiting (pumping at the end of input).
    virtual std::size_t try_pop(decode::PacketMeta* out, std::size_t max) = 0;
    /// True once every packet still to come is ready for try_pop: the worker then pumps the
    /// feed dry and drains its table.
    virtual bool input_done() const noexcept = 0;
};

/// The usual feed: the worker's inbox, filled by the capture threads, the last of which closes
/// it after its last enqueue (WorkerInbox::close, which also wakes the worker).
class InboxFeed final : public PacketFeed {
public:
    explicit InboxFeed(dispatch::WorkerInbox& inbox) : inbox_(inbox), reader_(inbox) {}
    std::size_t pop(decode::PacketMeta* out, std::size_t max, std::int64_t wait_us) override {
        return reader_.pop(out, max, wait_us);
    }
    std::size_t try_pop(decode::PacketMeta* out, std::size_t max) override {
        return reader_.try_pop(out, max);
    }
    bool input_done() const noexcept override { return reader_.end_seen() || inbox_.closed(); }

private:
    const dispatch::WorkerInbox& inbox_;
    dispatch::InboxReader reader_;
};

class FlowWorker {
public:
    using SinkFactory = std::function<std::unique_ptr<WorkerRowSink>()>;
    using FeedFactory = std::function<std::unique_ptr<PacketFeed>()>;

    /// Packets dequeued per bulk call; also the engine's batch.
    static constexpr std::size_t kDequeueBatch = 256;

    /// Reads `inbox` (an InboxFeed) until it is closed and empty. Borrows `inbox` and
    /// `counters`, which must outlive run(). `make_sink` is called once, on the worker thread,
    /// before the engine is created.
    FlowWorker(const config::FlowConfig& flow, FlowWorkerOptions options,
               dispatch::WorkerInbox& inbox, WorkerCounters& counters, SinkFactory make_sink);
    /// A worker with its own feed: `make_feed` is called once, on the worker thread, before
    /// the sink and the engine are created. Borrows `counters`.
    FlowWorker(const config::FlowConfig& flow, FlowWorkerOptions options, FeedFactory make_feed,
               WorkerCounters& counters, SinkFactory make_sink);
    ~FlowWorker();

    FlowWorker(const FlowWorker&) = delete;
    FlowWorker& operator=(const FlowWorker&) = delete;

    /// Worker thread: creates the sink and the engine, then calls `on_ready(error)` once (error
    /// empty on success; on failure run() returns right after), then processes until the input
    /// is done and everything is drained and flushed.
    void run(const std::function<void(const std::string& error)>& on_ready);

    /// The engine's counters at the end of run(); read after the thread was joined.
    const FlowCounters& final_counters() const noexcept { return final_counters_; }

private:
    void process(FlowEngine& engine, std::span<const decode::PacketMeta> batch) noexcept;
    void maybe_expire(FlowEngine& engine) noexcept;

    config::FlowConfig flow_;
    FlowWorkerOptions options_;
    FeedFactory make_feed_;
    WorkerCounters& counters_;
    SinkFactory make_sink_;

    // Worker thread only.
    std::unique_ptr<decode::PacketMeta[]> buffer_;
    Micros last_packet_ts_ = 0;    ///< newest time stamp seen (end of each batch)
    Micros last_snapshot_ts_ = 0;  ///< last_packet_ts_ when the clock was last paired with it
    Micros last_packet_mono_ = 0;  ///< monotonic clock read just after last_snapshot_ts_
    Micros last_expire_mono_ = 0;
    std::uint64_t batches_since_clock_ = 0;
    FlowCounters final_counters_{};
};

}  // namespace fm::flow
