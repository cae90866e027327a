// SPDX-License-Identifier: BSD-3-Clause
// Pipeline wiring: thread start/stop order, the capture/dispatch loop, and the worker-side CSV
// sink that turns finished flows into RowChunk text for the writer thread.
#include "daemon/pipeline.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <exception>
#include <latch>
#include <string_view>
#include <utility>

#include <pthread.h>
#include <sched.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/tsan_sync.hpp"
#include "decode/decode_status.hpp"
#include "flow/flow_tuple.hpp"
#include "output/csv_format.hpp"

namespace fm::daemon {

namespace {

/// Worker side of the writer hand-off: formats the engine's rows as CSV on the worker thread
/// and hands whole chunks to the writer queue with this worker's producer token. Created on
/// the worker thread (the token belongs to that thread) and used there only.
class CsvChunkSink final : public flow::WorkerRowSink {
public:
    CsvChunkSink(const config::DaemonConfig& cfg, output::RowQueue& queue,
                 OutputHandoffCounters& counters, std::size_t chunk_bytes,
                 const std::atomic<bool>* abandon)
        : formatter_(cfg.flow.profile, cfg.output.timezone, cfg.output.label),
          queue_(queue),
          token_(queue),
          counters_(counters),
          chunk_bytes_(chunk_bytes),
          abandon_(abandon) {
        buffer_.reserve(chunk_bytes_ + 4096);
    }

    void consume(std::span<const features::FeatureRow> rows) override {
        for (const features::FeatureRow& row : rows) {
            formatter_.append_row(row, buffer_);
            ++rows_;
            if (buffer_.size() >= chunk_bytes_) {
                flush();
            }
        }
    }

    void flush() override {
        if (rows_ == 0) {
            return;
        }
        const std::uint32_t rows = rows_;
        const std::size_t bytes = buffer_.size();
        output::RowChunk chunk{std::string(buffer_.data(), bytes), rows};
        buffer_.clear();
        rows_ = 0;
        // try_enqueue leaves the chunk untouched when the queue is full; then wait for the
        // writer (backpressure, never a drop) — unless a fast stop abandons the output.
        tsan_queue_acquire(&queue_);
        bool queued = queue_.try_enqueue(token_, std::move(chunk));
        tsan_queue_release(&queue_);
        if (FM_UNLIKELY(!queued)) {
            counters_.full_waits.add();
            queued = output::push_rows(queue_, token_, std::move(chunk), abandon_);
        }
        if (FM_LIKELY(queued)) {
            counters_.rows.add(rows);
            counters_.chunks.add();
            counters_.bytes.add(bytes);
        } else {
            counters_.abandoned.add(rows);
        }
    }

private:
    output::CsvFormatter formatter_;
    output::RowQueue& queue_;
    moodycamel::ProducerToken token_;
    OutputHandoffCounters& counters_;
    std::size_t chunk_bytes_;
    const std::atomic<bool>* abandon_;  ///< may be null
    fmt::memory_buffer buffer_;
    std::uint32_t rows_ = 0;  ///< rows in buffer_
};

/// Thread names show up in top/perf/gdb; Linux allows 15 characters.
void name_this_thread(const std::string& name) noexcept {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

/// Pins the calling thread to `cpu`; returns an error text, empty on success.
std::string pin_this_thread(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        return fmt::format("pipeline.cpu_affinity: CPU {} is out of range", cpu);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc != 0) {
        return fmt::format("pipeline.cpu_affinity: cannot pin a worker to CPU {} ({})", cpu,
                           std::strerror(rc));
    }
    return {};
}

bool is_live(const config::CaptureConfig& c) noexcept {
    return c.source != config::CaptureSource::PcapFile;
}

}  // namespace

std::unique_ptr<output::RowQueue> Pipeline::make_row_queue(std::uint32_t workers) {
    return output::make_row_queue(std::max<std::uint32_t>(workers, 1));
}

Pipeline::Pipeline(const config::DaemonConfig& cfg, std::vector<capture::PacketSource*> sources,
                   output::RowQueue& rows, PipelineOptions options)
    : cfg_(cfg),
      sources_(std::move(sources)),
      rows_(rows),
      options_(options),
      workers_(cfg.pipeline.workers),
      shard_map_(std::max<std::uint32_t>(cfg.pipeline.workers, 1)) {
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
    try {
        // Fails here, before any thread exists, on an unknown time zone.
        const output::CsvFormatter probe(cfg.flow.profile, cfg.output.timezone, cfg.output.label);
    } catch (const std::exception& e) {
        throw PipelineError(
            fmt::format("output.timezone \"{}\": {}", cfg.output.timezone, e.what()));
    }
    // Capture files: one lane reads them in order. Live sources never end on their own, so
    // reading them one after another would never reach the second: one lane each.
    if (is_live(cfg.capture) && sources_.size() > 1) {
        for (capture::PacketSource* source : sources_) {
            lanes_.push_back(std::make_unique<CaptureLane>(cfg.decode));
            lanes_.back()->sources.push_back(source);
        }
    } else {
        lanes_.push_back(std::make_unique<CaptureLane>(cfg.decode));
        lanes_.back()->sources = sources_;
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
            inboxes_.push_back(std::make_unique<dispatch::WorkerInbox>(
                lanes_.size(), cfg.pipeline.queue_capacity));
            inbox_ptrs_.push_back(inboxes_.back().get());
        }
    }
    worker_counters_ = std::make_unique<flow::WorkerCounters[]>(workers_);
    handoff_counters_ = std::make_unique<OutputHandoffCounters[]>(workers_);
}

Pipeline::~Pipeline() {
    if (started_ && !joined_) {
        request_stop();
        wait();
    }
}

bool Pipeline::stop_requested() const noexcept {
    return stop_.load(std::memory_order_relaxed) ||
           (options_.stop_flag != nullptr && options_.stop_flag->load(std::memory_order_relaxed));
}

std::size_t Pipeline::take_budget(std::size_t n) noexcept {
    const std::uint64_t max = cfg_.capture.max_packets;
    if (max == 0) {
        return n;
    }
    // Relaxed: the budget orders nothing else; it only has to be shared exactly.
    const std::uint64_t before = budget_used_.fetch_add(n, std::memory_order_relaxed);
    if (before >= max) {
        return 0;
    }
    return static_cast<std::size_t>(std::min<std::uint64_t>(n, max - before));
}

bool Pipeline::budget_spent() const noexcept {
    const std::uint64_t max = cfg_.capture.max_packets;
    return max != 0 && budget_used_.load(std::memory_order_relaxed) >= max;
}

std::size_t Pipeline::read_frames(CaptureLane& lane, capture::PacketSource& source, bool& last) {
    std::size_t n = source.next_batch(lane.raw);
    if (n == 0) {
        return 0;
    }
    const std::size_t allowed = take_budget(n);
    if (allowed < n || budget_spent()) {
        n = allowed;  // capture.max_packets reached (shared by all lanes)
        last = true;
    }
    return n;
}

void Pipeline::start() {
    if (started_) {
        throw PipelineError("pipeline: started twice");
    }
    flow::FlowWorkerOptions wopt = options_.worker;
    // max_flows is per process: each shard gets its part (ceil), as the single-threaded
    // engine gets all of it when workers = 1.
    wopt.table_capacity = (cfg_.flow.max_flows + workers_ - 1) / workers_;
    wopt.expire_with_clock = options_.expire_with_clock.value_or(is_live(cfg_.capture));

    for (std::uint32_t i = 0; i < workers_; ++i) {
        OutputHandoffCounters& handoff = handoff_counters_[i];
        auto make_sink = [this, &handoff] {
            return std::make_unique<CsvChunkSink>(cfg_, rows_, handoff, options_.chunk_bytes,
                                                  options_.abandon_output);
        };
        if (options_.run_to_completion) {
            flow_workers_.push_back(std::make_unique<flow::FlowWorker>(
                cfg_.flow, wopt, [this, i] { return std::make_unique<LaneFeed>(*this, i); },
                worker_counters_[i], make_sink));
        } else {
            flow_workers_.push_back(std::make_unique<flow::FlowWorker>(
                cfg_.flow, wopt, *inboxes_[i], input_done_, worker_counters_[i], make_sink));
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
        input_done_.store(true, std::memory_order_release);
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
        input_done_.store(true, std::memory_order_release);
        for (std::thread& t : worker_threads_) {
            t.join();
        }
        worker_threads_.clear();
        throw PipelineError(failure);
    }
    started_ = true;
}

/// Run to completion: the worker's feed reads its lane's sources and decodes on the worker
/// thread, with the capture thread's rules (stop flag, shared max_packets budget, one source
/// after another, errors kept in the lane) and its counters.
class Pipeline::LaneFeed final : public flow::PacketFeed {
public:
    LaneFeed(Pipeline& pipeline, std::size_t lane_index)
        : p_(pipeline), lane_(*pipeline.lanes_[lane_index]) {}

    std::size_t pop(decode::PacketMeta* out, [[maybe_unused]] std::size_t max,
                    std::int64_t /*wait_us: a live source waits its own poll interval*/) override {
        assert(max >= capture::RawBatch::kCapacity);
        // Batches that decode to nothing (all frames skipped) are read past here, so the
        // worker's idle path runs only when the source itself had nothing.
        while (!done_) {
            const std::size_t n = read(out);
            if (n != 0 || !read_anything_) {
                return n;
            }
        }
        return 0;
    }
    std::size_t try_pop(decode::PacketMeta*, std::size_t) override {
        return 0;  // nothing is buffered: pop() hands over every packet it decodes
    }
    bool input_done() const noexcept override { return done_; }

private:
    // A whole source batch always fits the worker's batch, so read() never has to keep frames
    // for a later call.
    static_assert(flow::FlowWorker::kDequeueBatch >= capture::RawBatch::kCapacity);

    /// One next_batch() of the current source, decoded into `out`, which holds
    /// FlowWorker::kDequeueBatch packets. read_anything_: the source gave frames or ended.
    std::size_t read(decode::PacketMeta* out) noexcept {
        read_anything_ = false;
        try {
            if (next_ >= lane_.sources.size() || p_.stop_requested()) {
                done_ = true;
                return 0;
            }
            capture::PacketSource* source = lane_.sources[next_];
            bool last = false;
            const std::size_t n = p_.read_frames(lane_, *source, last);
            done_ = last;
            if (n == 0) {
                if (source->at_end()) {
                    if (source->failed()) {
                        lane_.source_errors.push_back(source->error());
                    }
                    ++next_;
                    read_anything_ = true;  // go on with the next source at once
                }
                return 0;
            }
            read_anything_ = true;
            std::size_t decoded = 0;
            std::uint64_t bytes = 0;
            for (std::size_t i = 0; i < n; ++i) {
                bytes += lane_.raw.packets[i].wire_len;
                if (lane_.decoder.decode(lane_.raw.packets[i], out[decoded]) ==
                    decode::DecodeStatus::Ok) {
                    ++decoded;
                }
            }
            lane_.count_batch(n, bytes, decoded);
            return decoded;
        } catch (const std::exception& e) {
            lane_.error = e.what();
        } catch (...) {
            lane_.error = "unknown exception while reading a capture lane";
        }
        done_ = true;
        return 0;
    }

    Pipeline& p_;
    CaptureLane& lane_;
    std::size_t next_ = 0;  ///< index of the source being read
    bool done_ = false;
    bool read_anything_ = false;
};

void Pipeline::capture_main(std::size_t lane_index) noexcept {
    CaptureLane& lane = *lanes_[lane_index];
    try {
        // Constructed here: its producer tokens belong to this thread.
        dispatch::Dispatcher dispatcher(inbox_ptrs_, lane_index, lane.dispatch);
        const Profile profile = cfg_.flow.profile;
        bool stop = false;
        decode::PacketMeta meta;
        for (capture::PacketSource* source : lane.sources) {
            while (!stop) {
                if (stop_requested()) {
                    stop = true;
                    break;
                }
                const std::size_t n = read_frames(lane, *source, stop);
                if (n == 0) {
                    if (source->at_end() || stop) {
                        break;
                    }
                    continue;  // a live source's poll interval passed without frames
                }
                std::uint64_t decoded = 0;
                std::uint64_t bytes = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    bytes += lane.raw.packets[i].wire_len;
                    if (lane.decoder.decode(lane.raw.packets[i], meta) !=
                        decode::DecodeStatus::Ok) {
                        continue;
                    }
                    ++decoded;
                    // Steer by the tuple the engine keys on, hashed symmetrically: every packet
                    // of a flow, either direction, goes to the same worker.
                    const flow::FlowTuple t = flow::flow_tuple(meta, profile);
                    const std::uint32_t hash =
                        dispatch::flow_hash(t.src_ip, t.dst_ip, t.src_port, t.dst_port, t.ipv6);
                    dispatcher.push(shard_map_(hash), meta);
                }
                lane.count_batch(n, bytes, decoded);
                // Bounded latency on a quiet link: nothing waits in a stage past its batch.
                dispatcher.flush();
            }
            if (source->failed()) {
                lane.source_errors.push_back(source->error());
            }
            if (stop) {
                break;
            }
        }
        dispatcher.flush();
    } catch (const std::exception& e) {
        lane.error = e.what();
    } catch (...) {
        lane.error = "unknown exception in a capture thread";
    }
    // The last lane to finish tells the workers. acq_rel: every lane's enqueues happen-before
    // the last lane's store (release), which the workers load with acquire.
    if (lanes_running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        input_done_.store(true, std::memory_order_release);
    }
}

PipelineResult Pipeline::wait() {
    PipelineResult result;
    if (!started_ || joined_) {
        return result;
    }
    // Stop order: the capture threads end (sources stopped or finished, dispatchers flushed,
    // input_done set by the last one); then every worker has pumped its inbox dry, drained its
    // table and flushed its rows to the writer queue.
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
        const flow::FlowCounters& c = w->final_counters();
        result.flow.packets_in += c.packets_in;
        result.flow.flows_created += c.flows_created;
        result.flow.rows_emitted += c.rows_emitted;
        result.flow.dropped_single_packet += c.dropped_single_packet;
        result.flow.dropped_fin_repeat += c.dropped_fin_repeat;
        result.flow.ended_timeout += c.ended_timeout;
        result.flow.ended_fin_rst += c.ended_fin_rst;
        result.flow.ended_new_connection += c.ended_new_connection;
        result.flow.ended_drain += c.ended_drain;
        result.flow.expired_idle += c.expired_idle;
        result.flow.evicted_table_full += c.evicted_table_full;
        result.flow.stubs_dropped += c.stubs_dropped;
    }
    for_each_decode_counter([&result](std::string_view name, std::uint64_t v) {
        result.counters.emplace_back(std::string(name), v);
    });
    const flow::FlowCounters& fc = result.flow;
    const PipelineStats& ps = result.stats;
    const std::pair<const char*, std::uint64_t> named[] = {
        {"dispatch.packets", ps.packets_dispatched},
        {"dispatch.bulk_enqueues", ps.bulk_enqueues},
        {"dispatch.queue_full_waits", ps.queue_full_waits},
        {"flow.packets_in", fc.packets_in},
        {"flow.created", fc.flows_created},
        {"flow.rows_emitted", fc.rows_emitted},
        {"flow.dropped_single_packet", fc.dropped_single_packet},
        {"flow.dropped_fin_repeat", fc.dropped_fin_repeat},
        {"flow.ended_timeout", fc.ended_timeout},
        {"flow.ended_fin_rst", fc.ended_fin_rst},
        {"flow.ended_new_connection", fc.ended_new_connection},
        {"flow.ended_drain", fc.ended_drain},
        {"flow.expired_idle", fc.expired_idle},
        {"flow.evicted_table_full", fc.evicted_table_full},
        {"flow.stubs_dropped", fc.stubs_dropped},
        {"output.rows_queued", ps.rows_queued},
        {"output.queue_full_waits", ps.output_full_waits},
        {"output.rows_abandoned", ps.rows_abandoned},
    };
    for (const auto& [name, v] : named) {
        result.counters.emplace_back(name, v);
    }
    for (const auto& lane : lanes_) {
        result.source_errors.insert(result.source_errors.end(), lane->source_errors.begin(),
                                    lane->source_errors.end());
        if (result.capture_error.empty()) {
            result.capture_error = lane->error;
        }
    }
    return result;
}

void Pipeline::for_each_decode_counter(
    const std::function<void(std::string_view, std::uint64_t)>& fn) const {
    std::vector<std::pair<std::string_view, std::uint64_t>> totals;
    for (const auto& lane : lanes_) {
        std::size_t i = 0;
        lane->decoder.counters().for_each([&](std::string_view name, std::uint64_t v) {
            if (i == totals.size()) {
                totals.emplace_back(name, 0);
            }
            totals[i++].second += v;
        });
    }
    for (const auto& [name, v] : totals) {
        fn(name, v);
    }
}

PipelineStats Pipeline::stats() const {
    PipelineStats s;
    for (const auto& lane : lanes_) {
        s.packets_read += lane->capture.packets.load();
        s.bytes_read += lane->capture.bytes.load();
        s.packets_decoded += lane->capture.decoded.load();
        s.packets_dispatched += lane->dispatch.packets.load();
        s.bulk_enqueues += lane->dispatch.bulk_enqueues.load();
        s.queue_full_waits += lane->dispatch.queue_full_waits.load();
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
    pipeline.for_each_decode_counter([&s](std::string_view name, std::uint64_t v) {
        s.details.emplace_back(std::string(name), v);
    });
    const std::pair<const char*, std::uint64_t> named[] = {
        {"dispatch.packets", p.packets_dispatched},
        {"dispatch.bulk_enqueues", p.bulk_enqueues},
        {"dispatch.queue_full_waits", p.queue_full_waits},
        {"worker.packets", p.worker_packets},
        {"flow.rows_emitted", p.rows_emitted},
        {"output.rows_queued", p.rows_queued},
        {"output.queue_full_waits", p.output_full_waits},
        {"output.rows_abandoned", p.rows_abandoned},
        {"output.rows_held_io", writer.rows_held_io},
        {"output.rows_lost", writer.rows_lost},
    };
    for (const auto& [name, v] : named) {
        s.details.emplace_back(name, v);
    }
    return s;
}

std::string Pipeline::layout() const {
    std::string pinning = "not pinned";
    if (!cfg_.pipeline.cpu_affinity.empty()) {
        pinning = fmt::format("pinned to CPUs {}", fmt::join(cfg_.pipeline.cpu_affinity, ","));
    }
    if (options_.run_to_completion) {
        return fmt::format(
            "pipeline: run to completion, {} flow worker(s) each reading its own capture lane "
            "({}), 1 writer; {} flows per shard, profile {}",
            workers_, pinning, (cfg_.flow.max_flows + workers_ - 1) / workers_,
            to_string(cfg_.flow.profile));
    }
    return fmt::format(
        "pipeline: {} capture thread(s), {} flow worker(s) ({}), 1 writer; worker queues of {} "
        "packets, {} flows per shard, profile {}",
        lanes_.size(), workers_, pinning, cfg_.pipeline.queue_capacity,
        (cfg_.flow.max_flows + workers_ - 1) / workers_, to_string(cfg_.flow.profile));
}

PipelineResult run_pipeline(const config::DaemonConfig& cfg,
                            std::vector<capture::PacketSource*> sources,
                            output::RotatingCsvWriter& writer, PipelineOptions options) {
    // Declaration order is the reverse of the stop order: the pipeline goes first, then the
    // writer thread, then the queue between them.
    const auto rows = Pipeline::make_row_queue(cfg.pipeline.workers);
    output::WriterThreadOptions wopt;
    wopt.hold_max_bytes = cfg.output.hold_max_bytes;
    output::WriterThread writer_thread(*rows, writer, wopt);
    Pipeline pipeline(cfg, std::move(sources), *rows, options);

    writer_thread.start();
    try {
        pipeline.start();
    } catch (...) {
        writer_thread.stop();
        throw;
    }
    PipelineResult result = pipeline.wait();
    // Every producer has joined: the writer writes what is queued, closes and renames.
    writer_thread.stop();
    result.writer = writer_thread.stats();
    return result;
}

PipelineResult run_pipeline_to_memory(const config::DaemonConfig& cfg,
                                      std::vector<capture::PacketSource*> sources, std::string& csv,
                                      PipelineOptions options) {
    const auto rows = Pipeline::make_row_queue(cfg.pipeline.workers);
    Pipeline pipeline(cfg, std::move(sources), *rows, options);

    // The in-memory writer: same queue discipline as output::WriterThread (bulk dequeue with a
    // consumer token; after the producers have joined, pump until empty).
    std::atomic<bool> producers_done{false};
    output::WriterStats collected;
    std::thread collector([&] {
        name_this_thread("fm-writer");
        moodycamel::ConsumerToken token(*rows);
        std::array<output::RowChunk, 16> chunks;
        auto take = [&](std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) {
                csv += chunks[i].text;
                collected.rows_written += chunks[i].rows;
                collected.bytes_written += chunks[i].text.size();
                ++collected.chunks;
                chunks[i].text.clear();
            }
        };
        for (;;) {
            tsan_queue_acquire(rows.get());
            const std::size_t n =
                rows->wait_dequeue_bulk_timed(token, chunks.begin(), chunks.size(), 2000);
            tsan_queue_release(rows.get());
            take(n);
            if (n == 0 && producers_done.load(std::memory_order_acquire)) {
                for (;;) {
                    tsan_queue_acquire(rows.get());
                    const std::size_t m =
                        rows->try_dequeue_bulk(token, chunks.begin(), chunks.size());
                    tsan_queue_release(rows.get());
                    if (m == 0) {
                        break;
                    }
                    take(m);
                }
                break;
            }
        }
    });
    PipelineResult result;
    try {
        pipeline.start();
        result = pipeline.wait();
    } catch (...) {
        producers_done.store(true, std::memory_order_release);
        collector.join();
        throw;
    }
    producers_done.store(true, std::memory_order_release);
    collector.join();
    result.writer = collected;
    return result;
}

}  // namespace fm::daemon
