// SPDX-License-Identifier: BSD-3-Clause
// Pipeline wiring: thread start/stop order, the capture/dispatch loop, and the worker-side CSV
// sink that turns finished flows into RowChunk text for the writer thread.
#include "daemon/pipeline.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <latch>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/this_thread.hpp"
#include "config/pipeline_layout.hpp"
#include "output/csv_format.hpp"

namespace fm::daemon {

namespace {

bool is_live(const config::CaptureConfig& c) noexcept {
    return c.source != config::CaptureSource::PcapFile;
}

}  // namespace

std::string Pipeline::csv_header(const config::DaemonConfig& cfg) {
    try {
        return output::CsvFormatter(cfg.flow.profile, cfg.output.timezone, cfg.output.label)
            .header();
    } catch (const std::exception& e) {
        throw PipelineError(
            fmt::format("output.timezone \"{}\": {}", cfg.output.timezone, e.what()));
    }
}

std::unique_ptr<output::RowQueue> Pipeline::make_row_queue(std::uint32_t workers) {
    return output::make_row_queue(std::max<std::uint32_t>(workers, 1));
}

Pipeline::Pipeline(const config::DaemonConfig& cfg, std::vector<capture::PacketSource*> sources,
                   output::RowQueue& rows, PipelineOptions options)
    : cfg_(cfg),
      sources_(std::move(sources)),
      rows_(rows),
      options_(options),
      labels_(output::make_label_matcher(cfg.labels)),
      workers_(config::resolved_workers(cfg.pipeline)),
      shard_map_(std::max<std::uint32_t>(workers_, 1)),
      budget_(cfg.capture.max_packets) {
    constexpr std::uint32_t kMaxWorkers = 1024;
    if (workers_ == 0 || workers_ > kMaxWorkers) {
        throw PipelineError(
            fmt::format("pipeline.workers: must be 1..{}, got {}", kMaxWorkers, workers_));
    }
    if (!cfg.pipeline.cpu_affinity.empty() && cfg.pipeline.cpu_affinity.size() != workers_) {
        throw PipelineError(
            fmt::format("pipeline.cpu_affinity: one CPU per worker needed, got {} for {} workers",
                        cfg.pipeline.cpu_affinity.size(), workers_));
    }
    if (cfg.pipeline.queue_capacity == 0) {
        throw PipelineError("pipeline.queue_capacity: must be > 0");
    }
    for (const capture::PacketSource* s : sources_) {
        if (s == nullptr) {
            throw PipelineError("pipeline: null packet source");
        }
    }
    csv_header(cfg);  // fails here, before any thread exists, on an unknown time zone
    // Capture files: one lane reads them in order. Live sources never end on their own, so
    // reading them one after another would never reach the second: one lane each.
    const flow::StopFlags stop{&stop_, options_.stop_flag};
    if (is_live(cfg.capture) && sources_.size() > 1) {
        for (capture::PacketSource* source : sources_) {
            lanes_.push_back(std::make_unique<flow::CaptureLane>(
                cfg, std::vector<capture::PacketSource*>{source}, budget_, stop));
        }
    } else {
        lanes_.push_back(std::make_unique<flow::CaptureLane>(cfg, sources_, budget_, stop));
    }
    if (options_.run_to_completion) {
        if (lanes_.size() != workers_) {
            throw PipelineError(
                fmt::format("pipeline: run to completion needs one worker per capture lane, got {} "
                            "worker(s) for {} lane(s)",
                            workers_, lanes_.size()));
        }
    } else {
        for (std::uint32_t i = 0; i < workers_; ++i) {
            inboxes_.push_back(
                std::make_unique<dispatch::WorkerInbox>(lanes_.size(), queue_capacity()));
            inbox_ptrs_.push_back(inboxes_.back().get());
        }
    }
    worker_counters_ = std::make_unique<flow::WorkerCounters[]>(workers_);
    handoff_counters_ = std::make_unique<output::HandoffCounters[]>(workers_);
}

Pipeline::~Pipeline() {
    if (started_ && !joined_) {
        request_stop();
        wait();
    }
}

void Pipeline::start() {
    if (started_) {
        throw PipelineError("pipeline: started twice");
    }
    flow::FlowWorkerOptions wopt = options_.worker;
    // max_flows is per process: each shard gets its part (ceil), as the single-threaded
    // engine gets all of it when workers = 1.
    wopt.table_capacity = shard_capacity();
    wopt.expire_with_clock = options_.expire_with_clock.value_or(is_live(cfg_.capture));

    for (std::uint32_t i = 0; i < workers_; ++i) {
        output::HandoffCounters& handoff = handoff_counters_[i];
        auto make_sink = [this, &handoff] {
            return std::make_unique<output::CsvChunkSink>(
                cfg_, rows_, handoff, options_.chunk_bytes, options_.abandon_output, labels_);
        };
        if (options_.run_to_completion) {
            flow_workers_.push_back(std::make_unique<flow::FlowWorker>(
                cfg_.flow, wopt,
                [this, i] { return std::make_unique<flow::CaptureLaneFeed>(*lanes_[i]); },
                worker_counters_[i], make_sink));
        } else {
            flow_workers_.push_back(std::make_unique<flow::FlowWorker>(
                cfg_.flow, wopt, *inboxes_[i], worker_counters_[i], make_sink));
        }
    }
    workers_running_.store(workers_, std::memory_order_relaxed);
    // Run to completion: no capture thread; each worker reads its lane.
    const std::size_t capture_threads = options_.run_to_completion ? 0 : lanes_.size();
    lanes_running_.store(capture_threads, std::memory_order_relaxed);

    // The last thread to finish (capture lanes and workers together) publishes finished_.
    auto worker_done = [this] {
        if (workers_running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            finished_.store(true, std::memory_order_release);
        }
    };

    // Every worker reports once, after creating its sink and engine on its own thread; the
    // latch and the error slots are used only until then.
    std::latch ready(workers_);
    std::vector<std::string> errors(workers_);
    try {
        for (std::uint32_t i = 0; i < workers_; ++i) {
            worker_threads_.emplace_back([this, i, &ready, &errors, worker_done] {
                name_this_thread(fmt::format("fm-worker-{}", i));
                if (!cfg_.pipeline.cpu_affinity.empty()) {
                    // Before the engine exists, so its memory is first touched on its CPU.
                    std::string err = pin_this_thread(cfg_.pipeline.cpu_affinity[i]);
                    if (!err.empty()) {
                        errors[i] = std::move(err);
                        ready.count_down();
                        worker_done();
                        return;
                    }
                }
                flow_workers_[i]->run([&](const std::string& error) {
                    errors[i] = error;
                    ready.count_down();
                });
                worker_done();
            });
        }
    } catch (const std::exception& e) {
        // Thread creation failed: release the ones that started and report.
        for (std::size_t i = worker_threads_.size(); i < workers_; ++i) {
            ready.count_down();
        }
        ready.wait();
        close_inboxes();
        for (std::thread& t : worker_threads_) {
            t.join();
        }
        worker_threads_.clear();
        throw PipelineError(fmt::format("pipeline: cannot start worker threads: {}", e.what()));
    }
    ready.wait();

    std::string failure;
    for (const std::string& e : errors) {
        if (!e.empty() && failure.empty()) {
            failure = e;
        }
    }
    std::size_t lanes_started = 0;
    if (failure.empty()) {
        try {
            for (std::size_t l = 0; l < capture_threads; ++l) {
                lanes_[l]->thread = std::thread([this, l] {
                    name_this_thread(lanes_.size() == 1 ? std::string("fm-capture")
                                                        : fmt::format("fm-capture-{}", l));
                    capture_main(l);
                });
                ++lanes_started;
            }
        } catch (const std::exception& e) {
            failure = fmt::format("pipeline: cannot start the capture threads: {}", e.what());
        }
    }
    if (!failure.empty()) {
        // Stop the lanes that did start, end the ones that never will, release the workers.
        request_stop();
        for (std::size_t l = 0; l < lanes_started; ++l) {
            lanes_[l]->thread.join();
        }
        close_inboxes();
        for (std::thread& t : worker_threads_) {
            t.join();
        }
        worker_threads_.clear();
        throw PipelineError(failure);
    }
    started_ = true;
}

std::size_t Pipeline::shard_capacity() const noexcept {
    std::uint64_t capacity = (cfg_.flow.max_flows + workers_ - 1) / workers_;
    if (options_.max_input_packets != 0) {
        capacity = std::min(capacity, options_.max_input_packets);
    }
    return static_cast<std::size_t>(std::max<std::uint64_t>(capacity, 1));
}

std::size_t Pipeline::queue_capacity() const noexcept {
    // The queues are allocated and touched whole at start: a small capture gets small ones.
    // Their size only decides how far the capture thread may run ahead, never which rows.
    std::uint64_t capacity = cfg_.pipeline.queue_capacity;
    if (options_.max_input_packets != 0) {
        capacity = std::min(capacity, std::max<std::uint64_t>(options_.max_input_packets,
                                                              dispatch::kPacketQueueBlock));
    }
    return static_cast<std::size_t>(capacity);
}

void Pipeline::capture_main(std::size_t lane_index) noexcept {
    lanes_[lane_index]->run(inbox_ptrs_, lane_index, shard_map_);
    // The last lane to finish tells the workers, and wakes them. acq_rel: every lane's enqueues
    // happen-before the last lane's close() (release), which the workers read with acquire.
    if (lanes_running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        close_inboxes();
    }
}

void Pipeline::close_inboxes() noexcept {
    for (const auto& inbox : inboxes_) {
        inbox->close();
    }
}

PipelineResult Pipeline::wait() {
    PipelineResult result;
    if (!started_ || joined_) {
        return result;
    }
    // Stop order: the capture threads end (sources stopped or finished, dispatchers flushed,
    // the inboxes closed by the last one, which wakes every worker); then every worker has pumped
    // its inbox dry, drained its table and flushed its rows to the writer queue.
    for (const auto& lane : lanes_) {
        if (lane->thread.joinable()) {
            lane->thread.join();
        }
    }
    for (std::thread& t : worker_threads_) {
        t.join();
    }
    joined_ = true;
    result.stats = stats();
    for (const auto& w : flow_workers_) {
        result.flow += w->final_counters();
    }
    result.counters = counters();
    add_counters(result.counters, result.flow);
    for (const auto& lane : lanes_) {
        result.source_errors.insert(result.source_errors.end(), lane->source_errors().begin(),
                                    lane->source_errors().end());
        if (result.capture_error.empty()) {
            result.capture_error = lane->error();
        }
    }
    return result;
}

NamedCounters Pipeline::counters() const {
    NamedCounters out;
    for (const auto& lane : lanes_) {
        add_counters(out, lane->decode_counters());
    }
    for (const auto& lane : lanes_) {
        add_counters(out, lane->capture_counters());
    }
    for (const auto& lane : lanes_) {
        add_counters(out, lane->dispatch_counters());
    }
    for (std::uint32_t i = 0; i < workers_; ++i) {
        add_counters(out, worker_counters_[i]);
    }
    for (std::uint32_t i = 0; i < workers_; ++i) {
        add_counters(out, handoff_counters_[i]);
    }
    return out;
}

NamedCounters Pipeline::live_flow_counters() const {
    NamedCounters out;
    for (std::uint32_t i = 0; i < workers_; ++i) {
        add_counters(out, worker_counters_[i].flow);
    }
    return out;
}

PipelineStats Pipeline::stats() const {
    PipelineStats s;
    for (const auto& lane : lanes_) {
        const flow::CaptureCounters& capture = lane->capture_counters();
        const dispatch::DispatchCounters& dispatch = lane->dispatch_counters();
        s.packets_read += capture.packets.load();
        s.bytes_read += capture.bytes.load();
        s.packets_decoded += capture.decoded.load();
        s.packets_dispatched += dispatch.packets.load();
        s.bulk_enqueues += dispatch.bulk_enqueues.load();
        s.queue_full_waits += dispatch.queue_full_waits.load();
    }
    for (const capture::PacketSource* source : sources_) {
        s.input_offset += source->bytes_read();
    }
    s.workers.resize(workers_);
    for (std::uint32_t i = 0; i < workers_; ++i) {
        WorkerSnapshot& w = s.workers[i];
        w.packets = worker_counters_[i].packets.load();
        w.rows = worker_counters_[i].rows.load();
        w.active_flows = worker_counters_[i].active_flows.load();
        w.idle_wakeups = worker_counters_[i].idle_wakeups.load();
        w.rows_queued = handoff_counters_[i].rows.load();
        w.output_full_waits = handoff_counters_[i].full_waits.load();
        s.worker_packets += w.packets;
        s.rows_emitted += w.rows;
        s.rows_queued += w.rows_queued;
        s.output_full_waits += w.output_full_waits;
        s.rows_abandoned += handoff_counters_[i].abandoned.load();
        s.active_flows += w.active_flows;
    }
    return s;
}

StatsSnapshot stats_snapshot(const Pipeline& pipeline, const output::WriterStats& writer) {
    const PipelineStats p = pipeline.stats();
    StatsSnapshot s;
    s.packets = p.packets_read;
    s.bytes = p.bytes_read;
    s.input_offset = p.input_offset;
    s.decode_errors = p.packets_read - std::min(p.packets_read, p.packets_decoded);
    s.flows_active = p.active_flows;
    s.flows_done = p.rows_emitted;
    s.rows_written = writer.rows_written;
    s.rows_held = writer.rows_held_io;
    s.details = pipeline.counters();
    add_counters(s.details, writer);
    return s;
}

std::string Pipeline::layout() const {
    std::string pinning = "not pinned";
    if (!cfg_.pipeline.cpu_affinity.empty()) {
        pinning = fmt::format("pinned to CPUs {}", fmt::join(cfg_.pipeline.cpu_affinity, ","));
    }
    std::string labels;
    if (labels_) {
        labels = fmt::format("; {} labelling rule(s) in {} KiB of prefix tables", labels_->rules(),
                             (labels_->memory_bytes() + 1023) / 1024);
    }
    if (options_.run_to_completion) {
        return fmt::format(
            "pipeline: run to completion, {} flow worker(s) each reading its own capture lane "
            "({}), 1 writer; {} flows per shard, profile {}{}",
            workers_, pinning, shard_capacity(), to_string(cfg_.flow.profile), labels);
    }
    return fmt::format(
        "pipeline: {} capture thread(s), {} flow worker(s) ({}), 1 writer; worker queues of {} "
        "packets, {} flows per shard, profile {}{}",
        lanes_.size(), workers_, pinning, queue_capacity(), shard_capacity(),
        to_string(cfg_.flow.profile), labels);
}

}  // namespace fm::daemon
