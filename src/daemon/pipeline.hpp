// SPDX-License-Identifier: BSD-3-Clause
// Pipeline: owns and wires the multithreaded data path (docs/architecture.md has the thread
// diagram and the life of a packet):
//
//   C  capture thread (flow::CaptureLane): PacketSource::next_batch -> Decoder -> flow key
//      hash, once -> Dispatcher (per-worker staging, bulk enqueue, waits when a queue is full)
//   W  N flow workers: bulk dequeue -> FlowEngine (one shard each, created on its thread) ->
//      rows formatted as CSV on the worker -> chunks into the writer's RowQueue
//   O  the writer thread (output::WriterThread), owned by daemon::Run (daemon/run.hpp)
//
// Only PacketMeta crosses from C to W, only RowChunk text from W to O. Nothing is dropped
// between stages: a full queue makes its producer wait. Start order: O, W (each signals that
// its engine exists), C. Stop order: stop the sources -> flush the dispatchers -> workers pump
// their inboxes and drain() their tables -> the writer drains -> close. Capture files are read
// by one capture thread; live input gets one capture thread per source (fanout socket, NIC
// queue), each with its own decoder, dispatcher and lane in every worker's inbox. With run to
// completion (NIC queues spread by symmetric hardware RSS, one worker per queue) there is no
// capture thread and no packet queue: each worker reads and decodes its own queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "common/named_counters.hpp"
#include "common/stage_counter.hpp"
#include "config/config.hpp"
#include "daemon/stats_reporter.hpp"
#include "decode/decoder.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/flow_hash.hpp"
#include "dispatch/worker_queue.hpp"
#include "flow/capture_lane.hpp"
#include "flow/flow_engine.hpp"
#include "flow/flow_worker.hpp"
#include "output/csv_chunk_sink.hpp"
#include "output/label_matcher.hpp"
#include "output/rotating_csv_writer.hpp"
#include "output/writer_thread.hpp"

namespace fm::daemon {

/// The pipeline cannot be set up or started (bad layout, CPU pinning refused, a worker could
/// not allocate its table). Startup only.
class PipelineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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
    std::uint64_t rows_abandoned = 0;      ///< sum of output.rows_abandoned (fast stop only)
    std::uint64_t active_flows = 0;        ///< sum of the workers' open flows (gauge)
    std::vector<WorkerSnapshot> workers;
};

/// What a finished run reports (Pipeline::wait, Run::wait).
struct PipelineResult {
    PipelineStats stats;
    flow::FlowCounters flow;  ///< engine counters summed over workers
    /// Every counter of every stage, summed over its threads, by name, in stage order: decode.*,
    /// capture.*, dispatch.*, worker.*, flow.*, output.* (Run::wait adds the writer's).
    NamedCounters counters;
    std::vector<std::string> source_errors;  ///< one line per source that failed
    std::string capture_error;               ///< a capture thread stopped on an exception
    output::WriterStats writer;              ///< filled by Run::wait
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
    /// Fast stop: once this is true, a worker waiting for room in the writer queue gives up
    /// (its rows are lost, and counted). Set it when the writer stops draining (second
    /// signal) so the workers can finish. May be null.
    const std::atomic<bool>* abandon_output = nullptr;
    /// Run to completion: worker i reads and decodes capture lane i itself, with no capture
    /// thread and no packet queue in between. Only correct when each lane's flows are its own
    /// (every packet of a flow, either direction, arrives on the same lane): NIC queues of one
    /// port spread by symmetric hardware RSS, or a single lane. Needs one worker per lane
    /// (PipelineError otherwise).
    bool run_to_completion = false;
    /// An upper bound on the packets the sources hold (capture files: from their size), or 0
    /// when unknown. A shard never holds more flows than packets, so its table is sized to
    /// min(flow.max_flows / workers, this): a small capture does not pay for a table of a
    /// million flows, and the rows are the same, since such a table never fills. The worker
    /// queues are bounded by it too.
    std::uint64_t max_input_packets = 0;
};

class Pipeline {
public:
    /// The writer queue for `workers` producers (output::kRowQueueDepth chunks each).
    static std::unique_ptr<output::RowQueue> make_row_queue(std::uint32_t workers);

    /// The CSV header of the configured profile; checks the time zone and label by building
    /// the formatter the workers will build. Throws PipelineError.
    static std::string csv_header(const config::DaemonConfig& cfg);

    /// Checks the layout (workers >= 1, one CPU per worker when pinning), checks the time zone
    /// and label by building a formatter, preallocates every packet queue. Starts nothing.
    /// Capture files (capture.source pcap_file) are read in order as one stream by one capture
    /// thread; live sources (pcap_live, dpdk: fanout sockets, NIC queues) never end on their
    /// own, so each gets its own capture thread ("lane"). `sources`, `rows` and `cfg` must
    /// outlive the pipeline. Throws PipelineError.
    Pipeline(const config::DaemonConfig& cfg, std::vector<capture::PacketSource*> sources,
             output::RowQueue& rows, PipelineOptions options = {});
    /// Stops and joins like request_stop() + wait() when still running.
    ~Pipeline();

    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Starts the workers, waits until each has created its engine, then starts the capture
    /// threads. The writer must already be consuming `rows`. Throws PipelineError (after
    /// stopping whatever it started).
    void start();

    /// Any thread, async-signal-safe: the capture threads stop reading at the next batch
    /// boundary; everything read so far still flows through and is written. A live source
    /// that blocks in next_batch must return regularly (its poll interval) for this to act.
    void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

    /// Blocks until the capture threads and all workers have finished (end of input or stop).
    /// Afterwards nothing writes to `rows` any more: the writer may drain and close.
    PipelineResult wait();

    /// Any thread, non-blocking: true once every capture thread and every worker is done
    /// (wait() then returns without blocking).
    bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

    /// Any thread (stats reporter).
    PipelineStats stats() const;

    /// Every counter of the running stages, summed over their threads (decode.*, capture.*,
    /// dispatch.*, worker.*, output.* of the hand-off). Any thread, relaxed loads. The flow
    /// engines' counters (flow.*) are final in wait()'s result only.
    NamedCounters counters() const;

    /// The flow engines' counters (flow.*) summed over the workers as each published them after
    /// its last batch (flow/flow_worker.hpp WorkerCounters::LiveFlow); after wait() they equal
    /// PipelineResult::flow. Any thread, relaxed loads.
    NamedCounters live_flow_counters() const;

    /// One line for the startup log: threads, queues, shards, pinning.
    std::string layout() const;

    std::uint32_t workers() const noexcept { return workers_; }
    /// Capture lanes: 1 for capture files, one per source for live input.
    std::size_t capture_lanes() const noexcept { return lanes_.size(); }
    /// True when the workers read their lanes themselves (PipelineOptions::run_to_completion).
    bool runs_to_completion() const noexcept { return options_.run_to_completion; }

    /// Flows one worker's table holds (see PipelineOptions::max_input_packets).
    std::size_t shard_capacity() const noexcept;
    /// Packets one worker's inbox holds: pipeline.queue_capacity, or less for a capture that
    /// holds fewer packets (PipelineOptions::max_input_packets).
    std::size_t queue_capacity() const noexcept;

private:
    void capture_main(std::size_t lane) noexcept;
    /// No packet will come any more: closes every worker inbox, which wakes its worker at once
    /// (WorkerInbox::close). After the capture threads' last enqueue, or when they never start.
    void close_inboxes() noexcept;

    const config::DaemonConfig& cfg_;
    std::vector<capture::PacketSource*> sources_;
    output::RowQueue& rows_;
    PipelineOptions options_;
    /// cfg.labels compiled once; read-only, shared by every worker's formatter (null: none).
    std::shared_ptr<const output::LabelMatcher> labels_;
    std::uint32_t workers_;
    dispatch::ShardMap shard_map_;

    // Shared between threads (see each comment for the rule).
    std::atomic<bool> stop_{false};              ///< set by anyone, read relaxed by capture threads
    std::atomic<std::size_t> lanes_running_{0};  ///< capture threads not finished (acq_rel)
    std::atomic<std::uint32_t> workers_running_{0};  ///< workers not finished (acq_rel)
    std::atomic<bool> finished_{false};  ///< stored (release) by the last thread to finish
    flow::PacketBudget budget_;          ///< capture.max_packets, shared by the lanes
    std::vector<std::unique_ptr<dispatch::WorkerInbox>> inboxes_;  ///< inboxes_[i]: -> W i
    std::vector<dispatch::WorkerInbox*> inbox_ptrs_;

    // Counter blocks, one writer each, cache-line separated.
    std::unique_ptr<flow::WorkerCounters[]> worker_counters_;
    std::unique_ptr<output::HandoffCounters[]> handoff_counters_;

    std::vector<std::unique_ptr<flow::CaptureLane>> lanes_;

    // Workers: each FlowWorker is used by its thread only; final counters read after join.
    std::vector<std::unique_ptr<flow::FlowWorker>> flow_workers_;
    std::vector<std::thread> worker_threads_;
    bool started_ = false;
    bool joined_ = false;
};

/// The stats reporter's view of a running pipeline and its writer (daemon/stats_reporter.hpp):
/// totals plus every named counter of the pipeline and the writer.
/// Any thread.
StatsSnapshot stats_snapshot(const Pipeline& pipeline, const output::WriterStats& writer);

}  // namespace fm::daemon
