// SPDX-License-Identifier: BSD-3-Clause
#include "daemon/run.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "config/config_loader.hpp"
#include "config/kafka_properties.hpp"
#include "config/pipeline_layout.hpp"
#include "daemon/modules.hpp"

namespace fm::daemon {

namespace {

/// Why no capture file could be opened, one file per line.
std::string no_input_message(const Inputs& inputs) {
    std::string message = "no capture file could be opened; nothing was written";
    for (const std::string& e : inputs.open_errors()) {
        message += fmt::format("\n  {}", e);
    }
    return message;
}

/// The smallest record a capture file can hold: a pcap record header (16 bytes) with no data;
/// pcapng's smallest packet block, the simple packet block, is 16 bytes too.
constexpr std::uint64_t kMinRecordBytes = 16;
/// Slack for a capture file that is still growing while it is read.
constexpr std::uint64_t kGrowthSlack = 4096;

/// At most how many packets the run's capture files hold, 0 when unknown (live input, a pipe,
/// lent sources). Sizes the flow tables (PipelineOptions::max_input_packets).
std::uint64_t max_input_packets(const config::CaptureConfig& cfg, const Inputs& inputs,
                                const std::vector<capture::PacketSource*>& sources) {
    if (inputs.live()) {
        return 0;
    }
    std::uint64_t bound = 0;
    for (const capture::PacketSource* s : sources) {
        if (s->size_bytes() == 0) {
            return 0;  // not a regular file
        }
        bound += s->size_bytes() / kMinRecordBytes;
    }
    bound += kGrowthSlack;
    return cfg.max_packets != 0 ? std::min(bound, cfg.max_packets) : bound;
}

}  // namespace

Run::Run(const config::DaemonConfig& cfg, RunOptions options)
    : inputs_(options.sources.empty() ? std::make_unique<Inputs>(cfg.capture)
                                      : std::make_unique<Inputs>()) {
    const bool own_sources = options.sources.empty();
    sources_ = own_sources ? inputs_->sources() : std::move(options.sources);
    if (sources_.empty()) {
        throw PipelineError(no_input_message(*inputs_));
    }
    // Before the writer creates a file: an unknown time zone fails here.
    writer_ =
        std::make_unique<output::RotatingCsvWriter>(cfg.output, Pipeline::csv_header(cfg) + "\n");
    const std::uint32_t workers = config::resolved_workers(cfg.pipeline);
    rows_ = Pipeline::make_row_queue(workers);
    output::WriterThreadOptions writer_options;
    writer_options.hold_max_bytes = cfg.output.hold_max_bytes;
    writer_options.csv = config::has_sink(cfg.output, config::kSinkCsv);
    if (config::has_sink(cfg.output, config::kSinkKafka)) {
        // Loaded by check_start_config() already, before the privileges were dropped.
        stream_ = kafka_module("output.sinks")
                      .open(cfg, Pipeline::csv_header(cfg), &abandon_output_, &stop_requested_);
        writer_options.stream = stream_.get();
    }
    writer_thread_ = std::make_unique<output::WriterThread>(*rows_, *writer_, writer_options);

    PipelineOptions pipeline_options = options.pipeline;
    if (own_sources) {
        pipeline_options.max_input_packets = max_input_packets(cfg.capture, *inputs_, sources_);
    }
    pipeline_options.abandon_output = &abandon_output_;
    // Hardware RSS already keeps each flow on one queue: with one worker per queue, each
    // worker polls its own queue and the software hand-off is left out (run to completion).
    if (inputs_->flows_partitioned() && workers == sources_.size()) {
        pipeline_options.run_to_completion = true;
    }
    pipeline_ = std::make_unique<Pipeline>(cfg, sources_, *rows_, pipeline_options);
}

Run::~Run() {
    if (started_ && !waited_) {
        request_stop();
        wait();
    }
}

void Run::start() {
    if (started_) {
        throw PipelineError("run: started twice");
    }
    writer_thread_->start();
    try {
        pipeline_->start();
    } catch (...) {
        writer_thread_->stop();
        throw;
    }
    started_ = true;
}

PipelineResult Run::wait() {
    PipelineResult result;
    if (!started_ || waited_) {
        return result;
    }
    result = pipeline_->wait();
    inputs_->refresh_stats();  // the capture threads have stopped
    // Every producer has joined: the writer writes what is queued, closes and renames.
    writer_thread_->stop();
    result.writer = writer_thread_->stats();
    add_counters(result.counters, result.writer);
    if (stream_) {
        stream_->add_counters_to(result.counters);
    }
    for (const auto& [name, value] : inputs_->named_counters()) {
        add_counter(result.counters, name, value);
    }
    waited_ = true;
    return result;
}

void Run::request_stop() noexcept {
    stop_requested_.store(true, std::memory_order_relaxed);
    pipeline_->request_stop();
    inputs_->request_stop();
}

void Run::request_fast_stop() noexcept {
    writer_thread_->request_fast_stop();
    abandon_output_.store(true, std::memory_order_relaxed);
}

StatsSnapshot Run::snapshot() const {
    StatsSnapshot s = stats_snapshot(*pipeline_, writer_thread_->stats());
    s.capture_drops = inputs_->drops();
    if (stream_) {
        stream_->add_counters_to(s.details);
    }
    for (const auto& [name, value] : inputs_->named_counters()) {
        add_counter(s.details, name, value);
    }
    return s;
}

PipelineResult run_to_end(const config::DaemonConfig& cfg, RunOptions options) {
    Run run(cfg, std::move(options));
    run.start();
    return run.wait();
}

}  // namespace fm::daemon
