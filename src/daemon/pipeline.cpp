// SPDX-License-Identifier: BSD-3-Clause
// Pipeline wiring: thread start/stop order, the capture/dispatch loop, and the worker-side CSV
// sink that turns finished flows into RowChunk text for the writer thread.
#include "daemon/pipeline.hpp"

#include <algorithm>
#include <array>
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
                 OutputHandoffCounters& counters, std::size_t chunk_bytes)
        : formatter_(cfg.flow.profile, cfg.output.timezone, cfg.output.label),
          queue_(queue),
          token_(queue),
          counters_(counters),
          chunk_bytes_(chunk_bytes) {
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
        output::RowChunk chunk{std::string(buffer_.data(), buffer_.size()), rows_};
        counters_.rows.add(rows_);
        counters_.chunks.add();
        counters_.bytes.add(buffer_.size());
        buffer_.clear();
        rows_ = 0;
        // try_enqueue leaves the chunk untouched when the queue is full; then wait for the
        // writer (backpressure, never a drop).
        dispatch::tsan_queue_acquire(&queue_);
        if (FM_UNLIKELY(!queue_.try_enqueue(token_, std::move(chunk)))) {
            counters_.full_waits.add();
            output::push_rows(queue_, token_, std::move(chunk));
        }
        dispatch::tsan_queue_release(&queue_);
    }

private:
    output::CsvFormatter formatter_;
    output::RowQueue& queue_;
    moodycamel::ProducerToken token_;
    OutputHandoffCounters& counters_;
    std::size_t chunk_bytes_;
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
      shard_map_(std::max<std::uint32_t>(cfg.pipeline.workers, 1)),
      decoder_(cfg.decode) {
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
    for (std::uint32_t i = 0; i < workers_; ++i) {
        queues_.push_back(dispatch::make_packet_queue(cfg.pipeline.queue_capacity));
        queue_ptrs_.push_back(queues_.back().get());
    }
    worker_counters_ = std::make_unique<flow::WorkerCounters[]>(workers_);
    handoff_counters_ = std::make_unique<OutputHandoffCounters[]>(workers_);
    raw_ = std::make_unique<capture::RawBatch>();
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
        flow_workers_.push_back(std::make_unique<flow::FlowWorker>(
            cfg_.flow, wopt, *queues_[i], input_done_, worker_counters_[i], [this, &handoff] {
                return std::make_unique<CsvChunkSink>(cfg_, rows_, handoff, options_.chunk_bytes);
            }));
    }

    // Every worker reports once, after creating its sink and engine on its own thread; the
    // latch and the error slots are used only until then.
    std::latch ready(workers_);
    std::vector<std::string> errors(workers_);
    try {
        for (std::uint32_t i = 0; i < workers_; ++i) {
            worker_threads_.emplace_back([this, i, &ready, &errors] {
                name_this_thread(fmt::format("fm-worker-{}", i));
                if (!cfg_.pipeline.cpu_affinity.empty()) {
                    // Before the engine exists, so its memory is first touched on its CPU.
                    std::string err = pin_this_thread(cfg_.pipeline.cpu_affinity[i]);
                    if (!err.empty()) {
                        errors[i] = std::move(err);
                        ready.count_down();
                        return;
                    }
                }
                flow_workers_[i]->run([&](const std::string& error) {
                    errors[i] = error;
                    ready.count_down();
                });
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
    if (failure.empty()) {
        try {
            capture_thread_ = std::thread([this] {
                name_this_thread("fm-capture");
                capture_main();
            });
        } catch (const std::exception& e) {
            failure = fmt::format("pipeline: cannot start the capture thread: {}", e.what());
        }
    }
    if (!failure.empty()) {
        // No packet was dispatched: the workers that did start drain nothing and exit.
        input_done_.store(true, std::memory_order_release);
        for (std::thread& t : worker_threads_) {
            t.join();
        }
        worker_threads_.clear();
        throw PipelineError(failure);
    }
    started_ = true;
}

void Pipeline::capture_main() noexcept {
    try {
        // Constructed here: its producer tokens belong to this thread.
        dispatch::Dispatcher dispatcher(queue_ptrs_, dispatch_counters_);
        const Profile profile = cfg_.flow.profile;
        const std::uint64_t max_packets = cfg_.capture.max_packets;
        std::uint64_t taken = 0;
        bool stop = false;
        decode::PacketMeta meta;
        for (capture::PacketSource* source : sources_) {
            while (!stop) {
                if (stop_requested()) {
                    stop = true;
                    break;
                }
                std::size_t n = source->next_batch(*raw_);
                if (n == 0) {
                    break;
                }
                if (max_packets != 0 && n >= max_packets - taken) {
                    n = static_cast<std::size_t>(max_packets - taken);
                    stop = true;
                }
                taken += n;
                std::uint64_t decoded = 0;
                std::uint64_t bytes = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    bytes += raw_->packets[i].wire_len;
                    if (decoder_.decode(raw_->packets[i], meta) != decode::DecodeStatus::Ok) {
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
                capture_counters_.packets.add(n);
                capture_counters_.bytes.add(bytes);
                capture_counters_.decoded.add(decoded);
                capture_counters_.batches.add();
                // Bounded latency on a quiet link: nothing waits in a stage past its batch.
                dispatcher.flush();
            }
            if (source->failed()) {
                source_errors_.push_back(source->error());
            }
            if (stop) {
                break;
            }
        }
        dispatcher.flush();
    } catch (const std::exception& e) {
        capture_error_ = e.what();
    } catch (...) {
        capture_error_ = "unknown exception in the capture thread";
    }
    // Release: every enqueue above happens-before a worker's acquire load of this flag.
    input_done_.store(true, std::memory_order_release);
}

PipelineResult Pipeline::wait() {
    PipelineResult result;
    if (!started_ || joined_) {
        return result;
    }
    // Stop order: the capture thread ends (source stopped or finished, dispatcher flushed,
    // input_done set); then every worker has pumped its queue dry, drained its table and
    // flushed its rows to the writer queue.
    capture_thread_.join();
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
    decoder_.counters().for_each([&result](std::string_view name, std::uint64_t v) {
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
    };
    for (const auto& [name, v] : named) {
        result.counters.emplace_back(name, v);
    }
    result.source_errors = source_errors_;
    result.capture_error = capture_error_;
    return result;
}

PipelineStats Pipeline::stats() const {
    PipelineStats s;
    s.packets_read = capture_counters_.packets.load();
    s.bytes_read = capture_counters_.bytes.load();
    for (const capture::PacketSource* source : sources_) {
        s.input_offset += source->bytes_read();
    }
    s.packets_decoded = capture_counters_.decoded.load();
    s.packets_dispatched = dispatch_counters_.packets.load();
    s.bulk_enqueues = dispatch_counters_.bulk_enqueues.load();
    s.queue_full_waits = dispatch_counters_.queue_full_waits.load();
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
    pipeline.decode_counters().for_each([&s](std::string_view name, std::uint64_t v) {
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
    return fmt::format(
        "pipeline: 1 capture thread, {} flow worker(s) ({}), 1 writer; worker queues of {} "
        "packets, {} flows per shard, profile {}",
        workers_, pinning, cfg_.pipeline.queue_capacity,
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
            dispatch::tsan_queue_acquire(rows.get());
            const std::size_t n =
                rows->wait_dequeue_bulk_timed(token, chunks.begin(), chunks.size(), 2000);
            dispatch::tsan_queue_release(rows.get());
            take(n);
            if (n == 0 && producers_done.load(std::memory_order_acquire)) {
                for (;;) {
                    dispatch::tsan_queue_acquire(rows.get());
                    const std::size_t m =
                        rows->try_dequeue_bulk(token, chunks.begin(), chunks.size());
                    dispatch::tsan_queue_release(rows.get());
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
