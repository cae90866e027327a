// SPDX-License-Identifier: BSD-3-Clause
// FlowWorker thread loop: bulk dequeue from the feed -> FlowEngine::process -> (live input)
// clock-driven expiry -> rows to the worker's sink; at end of input: pump the inbox, drain, flush.
#include "flow/flow_worker.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <time.h>

namespace fm::flow {

namespace {

/// Live input only: the clock is read once per this many busy batches (not per packet).
constexpr std::uint64_t kBatchesPerClockRead = 16;

}  // namespace

Micros coarse_monotonic_us() noexcept {
    timespec ts{};
    // CLOCK_MONOTONIC_COARSE: a vDSO read of the last tick (1-4 ms resolution), which is all
    // the expiry needs; it never steps with wall-clock adjustments.
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<Micros>(ts.tv_sec) * kMicrosPerSecond + ts.tv_nsec / 1000;
}

FlowWorker::FlowWorker(const config::FlowConfig& flow, FlowWorkerOptions options,
                       dispatch::WorkerInbox& inbox, WorkerCounters& counters,
                       SinkFactory make_sink)
    : FlowWorker(
          flow, options, [&inbox] { return std::make_unique<InboxFeed>(inbox); }, counters,
          std::move(make_sink)) {}

FlowWorker::FlowWorker(const config::FlowConfig& flow, FlowWorkerOptions options,
                       FeedFactory make_feed, WorkerCounters& counters, SinkFactory make_sink)
    : flow_(flow),
      options_(options),
      make_feed_(std::move(make_feed)),
      counters_(counters),
      make_sink_(std::move(make_sink)) {}

FlowWorker::~FlowWorker() = default;

void FlowWorker::run(const std::function<void(const std::string& error)>& on_ready) {
    // Everything this thread owns is created here, on this thread (STYLE 4.6).
    std::unique_ptr<WorkerRowSink> sink;
    std::unique_ptr<FlowEngine> engine;
    std::unique_ptr<PacketFeed> feed;
    try {
        feed = make_feed_();
        sink = make_sink_();
        engine = std::make_unique<FlowEngine>(flow_, *sink,
                                              std::max<std::size_t>(options_.table_capacity, 1));
        buffer_ = std::make_unique<decode::PacketMeta[]>(kDequeueBatch);
    } catch (const std::exception& e) {
        on_ready(std::string("flow worker setup: ") + e.what());
        return;
    }
    on_ready(std::string());

    if (options_.expire_with_clock) {
        last_packet_mono_ = options_.clock();
        last_expire_mono_ = last_packet_mono_;
    }
    // Live input wakes up for its clock (expiry, a quiet link's rows). Capture files have
    // nothing to do between packets: their worker sleeps until packets or the end of input
    // arrive, both of which are signalled, so an offline run never wakes a worker for nothing.
    const std::int64_t idle_wait =
        options_.expire_with_clock ? static_cast<std::int64_t>(options_.idle_wait_us) : -1;
    for (;;) {
        const std::size_t n = feed->pop(buffer_.get(), kDequeueBatch, idle_wait);
        if (n != 0) {
            process(*engine, {buffer_.get(), n});
            continue;
        }
        // The inbox is closed only after the producers' last enqueue, so once that is seen
        // (acquire) every packet is in the inbox: pump until empty (moodycamel sample).
        if (feed->input_done()) {
            std::size_t m = 0;
            while ((m = feed->try_pop(buffer_.get(), kDequeueBatch)) != 0) {
                process(*engine, {buffer_.get(), m});
            }
            break;
        }
        counters_.idle_wakeups.add();
        maybe_expire(*engine);
        // A quiet link must not keep finished rows in a half-filled chunk.
        sink->flush();
    }
    engine->drain();
    sink->flush();
    counters_.rows.set(engine->counters().rows_emitted);
    counters_.active_flows.set(engine->active_flows());
    counters_.flow.publish(engine->counters());
    final_counters_ = engine->counters();
}

void FlowWorker::process(FlowEngine& engine, std::span<const decode::PacketMeta> batch) noexcept {
    engine.process(batch);
    counters_.packets.add(batch.size());
    counters_.batches.add();
    counters_.rows.set(engine.counters().rows_emitted);
    counters_.active_flows.set(engine.active_flows());
    counters_.flow.publish(engine.counters());
    if (options_.expire_with_clock) {
        last_packet_ts_ = std::max(last_packet_ts_, batch.back().ts_us);
        if (++batches_since_clock_ == kBatchesPerClockRead) {
            batches_since_clock_ = 0;
            maybe_expire(engine);
        }
    }
}

void FlowWorker::maybe_expire(FlowEngine& engine) noexcept {
    if (!options_.expire_with_clock) {
        return;
    }
    const Micros mono = options_.clock();
    if (last_packet_ts_ != last_snapshot_ts_) {
        // Pair the newest packet time with a clock reading taken after it was processed: the
        // elapsed time added below is then never more than the real elapsed time. While the
        // link is quiet the pair stays, so packet time keeps advancing with the clock.
        last_snapshot_ts_ = last_packet_ts_;
        last_packet_mono_ = mono;
    }
    if (mono - last_expire_mono_ < options_.expire_interval_us || last_snapshot_ts_ == 0) {
        return;
    }
    last_expire_mono_ = mono;
    // Packet time advanced by the monotonic time since the snapshot, kept expire_lag_us behind
    // (ipfixprobe's virtual clock): no later packet can be older than this.
    const Micros now = last_snapshot_ts_ + (mono - last_packet_mono_) - options_.expire_lag_us;
    engine.expire(now);
    counters_.expire_calls.add();
    counters_.rows.set(engine.counters().rows_emitted);
    counters_.active_flows.set(engine.active_flows());
    counters_.flow.publish(engine.counters());
}

}  // namespace fm::flow
