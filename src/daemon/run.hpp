// SPDX-License-Identifier: BSD-3-Clause
// One run of flowmeterd, built from a DaemonConfig: the capture sources, the output writer, the
// writer queue and thread, and the pipeline, in the start order of docs/architecture.md. This is
// the one way a data path is put together: `flowmeterd` (offline files, live capture, DPDK, the
// daemon) runs it under its control loop (daemon.cpp: signals, progress, systemd), and the
// conformance suite, the determinism tests and the benchmarks run the same object through
// run_to_end().
//
// Start order: sources opened -> writer (output checked) -> writer queue -> writer thread ->
// pipeline (workers, then capture threads). Stop order: request_stop() -> the capture threads
// end -> workers drain their tables -> wait(): the writer writes what is queued, closes and
// renames. Destruction runs in the reverse order of construction.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "capture/packet_source.hpp"
#include "config/config.hpp"
#include "daemon/inputs.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/stats_reporter.hpp"
#include "output/rotating_csv_writer.hpp"
#include "output/writer_thread.hpp"

namespace fm::daemon {

/// What changes how a run is put together but is not user configuration.
struct RunOptions {
    /// Packet sources lent by the caller (tests and benchmarks: memory sources, a paced ring)
    /// instead of those cfg.capture names. They must outlive the Run; cfg.capture.source says
    /// whether they are read as files (one lane, in order) or as live sources (one lane each).
    std::vector<capture::PacketSource*> sources;
    /// Pipeline tunables (test clocks, chunk size, stop flag). abandon_output is the Run's own.
    PipelineOptions pipeline;
};

class Run {
public:
    /// Opens the sources and the output and builds the pipeline; starts no thread. Throws
    /// capture::CaptureError (a live source cannot be opened), output::OutputError (the output
    /// cannot be created), PipelineError (bad layout, or no capture file could be opened: the
    /// message lists why for each file) and config::ConfigError.
    explicit Run(const config::DaemonConfig& cfg, RunOptions options = {});
    /// Stops and joins like request_stop() + wait() when still running.
    ~Run();

    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    /// Starts the writer thread, then the pipeline. Throws PipelineError.
    void start();

    /// Blocks until the end of input (or a stop), the workers' drain and the writer's close.
    /// Call once, from any one thread; the other calls below stay usable meanwhile.
    PipelineResult wait();

    /// True once the pipeline has finished (wait() then only drains the writer).
    bool pipeline_finished() const noexcept { return pipeline_->finished(); }

    /// Graceful stop: capture ends, every open flow is still written. Any thread.
    void request_stop() noexcept;
    /// Second stop signal: the writer writes only what is formatted and closes; workers give
    /// up their remaining rows. Any thread.
    void request_fast_stop() noexcept;
    /// Start a new output file (rotating output only). Any thread.
    void request_rotate() noexcept { writer_thread_->request_rotate(); }

    /// Totals and named counters of every stage, for the stats line and the progress line.
    /// Any thread.
    StatsSnapshot snapshot() const;

    const Inputs& inputs() const noexcept { return *inputs_; }
    const Pipeline& pipeline() const noexcept { return *pipeline_; }
    const output::WriterThread& writer_thread() const noexcept { return *writer_thread_; }
    /// The file writer: closed-file facts are final after wait().
    const output::RotatingCsvWriter& writer() const noexcept { return *writer_; }
    /// The sources the pipeline reads (the Run's own or the lent ones).
    const std::vector<capture::PacketSource*>& sources() const noexcept { return sources_; }

private:
    // Declaration order = construction order; members are destroyed in reverse.
    std::unique_ptr<Inputs> inputs_;
    std::vector<capture::PacketSource*> sources_;
    std::unique_ptr<output::RotatingCsvWriter> writer_;
    std::unique_ptr<output::RowQueue> rows_;
    /// The Kafka sink when output.sinks names kafka (fed by the writer thread).
    std::unique_ptr<output::RowStream> stream_;
    std::unique_ptr<output::WriterThread> writer_thread_;
    /// Set at a fast stop, when the writer no longer takes rows: workers then give up waiting
    /// for room in its queue instead of blocking for ever.
    std::atomic<bool> abandon_output_{false};
    /// Set by request_stop(): bounds an output stream's wait for its destination (the Kafka
    /// spool full) to its flush deadline.
    std::atomic<bool> stop_requested_{false};
    std::unique_ptr<Pipeline> pipeline_;
    bool started_ = false;
    bool waited_ = false;
};

/// The whole run without a control loop: start, wait for the end of input (or
/// options.pipeline.stop_flag), drain, close. Throws what Run's constructor and start() throw.
PipelineResult run_to_end(const config::DaemonConfig& cfg, RunOptions options = {});

}  // namespace fm::daemon
