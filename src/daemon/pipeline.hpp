// SPDX-License-Identifier: BSD-3-Clause
// Pipeline: owns and wires the multithreaded data path (docs/architecture.md has the thread
// diagram and the life of a packet):
//
//   C  capture thread: PacketSource::next_batch -> Decoder -> flow_tuple -> symmetric hash ->
//      Dispatcher (per-worker staging, bulk enqueue, waits when a queue is full)
//   W  N flow workers: bulk dequeue -> FlowEngine (one shard each, created on its thread) ->
//      rows formatted as CSV on the worker -> chunks into the writer's RowQueue
//   O  the writer thread (output::WriterThread), owned by the caller or by run_pipeline()
//
// Only PacketMeta crosses from C to W, only RowChunk text from W to O. Nothing is dropped
// between stages: a full queue makes its producer wait. Start order: O, W (each signals that
// its engine exists), C. Stop order: stop the source -> flush the dispatcher -> workers pump
// their queues and drain() their tables -> the writer drains -> close.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "daemon/stats_reporter.hpp"
#include "decode/decoder.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/flow_hash.hpp"
#include "dispatch/stage_counter.hpp"
#include "dispatch/worker_queue.hpp"
#include "flow/flow_engine.hpp"
#include "flow/flow_worker.hpp"
#include "output/rotating_csv_writer.hpp"
#include "output/writer_thread.hpp"

namespace fm::daemon {

/// The pipeline cannot be set up or started (bad layout, CPU pinning refused, a worker could
/// not allocate its table). Startup only.
class PipelineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Counters of the hand-off from one worker to the writer. Written by that worker only.
struct alignas(kCacheLine) OutputHandoffCounters {
    dispatch::StageCounter rows;        ///< output.rows_queued: rows handed to the writer
    dispatch::StageCounter chunks;      ///< output.chunks_queued
    dispatch::StageCounter bytes;       ///< CSV bytes handed over
    dispatch::StageCounter full_waits;  ///< output.queue_full_waits: pushes that had to wait
};

/// Counters of the capture thread. Written by the capture thread only.
struct alignas(kCacheLine) CaptureCounters {
    dispatch::StageCounter packets;  ///< capture.packets: frames taken from the sources
    dispatch::StageCounter bytes;    ///< capture.bytes: wire bytes of those frames
    dispatch::StageCounter decoded;  ///< frames that decoded to a PacketMeta (DecodeStatus::Ok)
    dispatch::StageCounter batches;  ///< capture.batches: next_batch calls that gave frames
};

struct WorkerSnapshot {
    std::uint64_t packets = 0;
    std::uint64_t rows = 0;         ///< rows the worker's engine emitted
    std::uint64_t rows_queued = 0;  ///< rows handed to the writer queue
    std::uint64_t active_flows = 0;
    std::uint64_t idle_wakeups = 0;
    std::uint64_t output_full_waits = 0;
};

/// A consistent-enough view for the stats reporter: every value is one relaxed load.
struct PipelineStats {
    std::uint64_t packets_read = 0;        ///< capture.packets
    std::uint64_t bytes_read = 0;          ///< capture.bytes (wire length)
    std::uint64_t input_offset = 0;        ///< bytes of the sources consumed (progress)
    std::uint64_t packets_decoded = 0;     ///< decoded to PacketMeta
    std::uint64_t packets_dispatched = 0;  ///< dispatch.packets
    std::uint64_t bulk_enqueues = 0;       ///< dispatch.bulk_enqueues
    std::uint64_t queue_full_waits = 0;    ///< dispatch.queue_full_waits
    std::uint64_t worker_packets = 0;      ///< sum of worker.packets
    std::uint64_t rows_emitted = 0;        ///< sum of worker.rows
    std::uint64_t rows_queued = 0;         ///< sum of output.rows_queued
    std::uint64_t output_full_waits = 0;   ///< sum of output.queue_full_waits
    std::uint64_t active_flows = 0;        ///< sum of the workers' open flows (gauge)
    std::vector<WorkerSnapshot> workers;
};

/// What a finished run reports (Pipeline::wait, run_pipeline).
struct PipelineResult {
    PipelineStats stats;
    flow::FlowCounters flow;  ///< engine counters summed over workers
    /// Named totals for the final statistics: decode.*, dispatch.*, flow.*, output.*.
    std::vector<std::pair<std::string, std::uint64_t>> counters;
    std::vector<std::string> source_errors;  ///< one line per source that failed
    std::string capture_error;               ///< the capture thread stopped on an exception
    output::WriterStats writer;              ///< filled by run_pipeline only
};

/// Things that change how a pipeline runs but are not user configuration.
struct PipelineOptions {
    /// Read the sources until this becomes true (signal handler). May be null.
    const std::atomic<bool>* stop_flag = nullptr;
    /// Let workers expire flows with a clock while the input is live (FlowWorkerOptions).
    /// Unset: on for live capture and DPDK, off for capture files.
    std::optional<bool> expire_with_clock;
    /// The worker loop's tunables (idle wait, expiry lag, clock; injectable for tests).
    /// table_capacity and expire_with_clock are set by the pipeline.
    flow::FlowWorkerOptions worker{};
    /// A worker hands its CSV text to the writer in chunks of about this many bytes.
    std::size_t chunk_bytes = 64 * 1024;
};

class Pipeline {
public:
    /// The writer queue for `workers` producers (output::kRowQueueDepth chunks each).
    static std::unique_ptr<output::RowQueue> make_row_queue(std::uint32_t workers);

    /// Checks the layout (workers >= 1, one CPU per worker when pinning), checks the time zone
    /// and label by building a formatter, preallocates every packet queue. Starts nothing.
    /// `sources` are read in order as one stream; they, `rows` and `cfg` must outlive the
    /// pipeline. Throws PipelineError.
    Pipeline(const config::DaemonConfig& cfg, std::vector<capture::PacketSource*> sources,
             output::RowQueue& rows, PipelineOptions options = {});
    /// Stops and joins like request_stop() + wait() when still running.
    ~Pipeline();

    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Starts the workers, waits until each has created its engine, then starts the capture
    /// thread. The writer must already be consuming `rows`. Throws PipelineError (after
    /// stopping whatever it started).
    void start();

    /// Any thread, async-signal-safe: the capture thread stops reading at the next batch
    /// boundary; everything read so far still flows through and is written.
    void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

    /// Blocks until the capture thread and all workers have finished (end of input or stop).
    /// Afterwards nothing writes to `rows` any more: the writer may drain and close.
    PipelineResult wait();

    /// Any thread (stats reporter).
    PipelineStats stats() const;

    /// Decoder counters (capture thread writes, anyone reads relaxed).
    const decode::DecodeCounters& decode_counters() const noexcept { return decoder_.counters(); }

    /// One line for the startup log: threads, queues, shards, pinning.
    std::string layout() const;

    std::uint32_t workers() const noexcept { return workers_; }

private:
    void capture_main() noexcept;
    void worker_main(std::uint32_t index);
    bool stop_requested() const noexcept;

    const config::DaemonConfig& cfg_;
    std::vector<capture::PacketSource*> sources_;
    output::RowQueue& rows_;
    PipelineOptions options_;
    std::uint32_t workers_;
    dispatch::ShardMap shard_map_;

    // Shared between threads (see each comment for the rule).
    std::atomic<bool> stop_{false};        ///< set by anyone, read relaxed by C
    std::atomic<bool> input_done_{false};  ///< C stores (release) after its last enqueue; W load
                                           ///< (acquire) before pumping their queues dry
    std::vector<std::unique_ptr<dispatch::PacketQueue>> queues_;  ///< queues_[i]: C -> W i
    std::vector<dispatch::PacketQueue*> queue_ptrs_;

    // Counter blocks, one writer each, cache-line separated.
    CaptureCounters capture_counters_;
    dispatch::DispatchCounters dispatch_counters_;
    std::unique_ptr<flow::WorkerCounters[]> worker_counters_;
    std::unique_ptr<OutputHandoffCounters[]> handoff_counters_;

    // Capture thread only (after start).
    decode::Decoder decoder_;
    std::unique_ptr<capture::RawBatch> raw_;
    std::vector<std::string> source_errors_;
    std::string capture_error_;

    // Workers: each FlowWorker is used by its thread only; final counters read after join.
    std::vector<std::unique_ptr<flow::FlowWorker>> flow_workers_;
    std::vector<std::thread> worker_threads_;
    std::thread capture_thread_;
    bool started_ = false;
    bool joined_ = false;
};

/// The whole offline or daemon run in the documented order: writer thread on `writer`,
/// pipeline start, wait for the end of input (or `options.stop_flag`), workers drained, writer
/// drained, file closed. With workers = 1 the output is the single-threaded engine's output,
/// row for row. Throws PipelineError at startup; runtime problems are in the result.
PipelineResult run_pipeline(const config::DaemonConfig& cfg,
                            std::vector<capture::PacketSource*> sources,
                            output::RotatingCsvWriter& writer, PipelineOptions options = {});

/// The stats reporter's view of a running pipeline and its writer (daemon/stats_reporter.hpp):
/// totals plus named counters (decode.*, dispatch.*, output.*) for the final statistics.
/// Any thread.
StatsSnapshot stats_snapshot(const Pipeline& pipeline, const output::WriterStats& writer);

/// run_pipeline() with an in-memory writer: the rows are appended to `csv` (no header) in the
/// order the writer receives them, and result.writer counts them. For tests, benchmarks and
/// in-process runs that keep the CSV in memory (no disk in the loop).
PipelineResult run_pipeline_to_memory(const config::DaemonConfig& cfg,
                                      std::vector<capture::PacketSource*> sources, std::string& csv,
                                      PipelineOptions options = {});

}  // namespace fm::daemon
