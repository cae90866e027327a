// SPDX-License-Identifier: BSD-3-Clause
// Pipeline life cycle: at the end of input every queue and table is drained and the rows out
// are exactly the flows the profile emits (proved by the stage counters and the file); a stop
// request mid-stream still writes everything read so far; full queues make producers wait and
// lose nothing; bad layouts fail at startup.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture/packet_source.hpp"
#include "common/tsan_sync.hpp"
#include "daemon/pipeline.hpp"
#include "dispatch/worker_queue.hpp"
#include "flowgen/traffic_model.hpp"
#include "output/csv_format.hpp"
#include "output/rotating_csv_writer.hpp"
#include "pipeline_test_support.hpp"

namespace fm::pipeline_test {
namespace {

std::vector<std::uint8_t> make_capture(std::uint64_t flows, std::uint32_t concurrency) {
    flowgen::TrafficConfig t;
    t.flows = flows;
    t.concurrency = concurrency;
    t.duration_s = 200;  // longer than the 120 s flow timeout: some flows split by timeout
    t.seed = 7;
    return flowgen::generate_pcap(t, flowgen::TsPrecision::Micro);
}

std::unique_ptr<capture::CaptureFileReader> open(const std::vector<std::uint8_t>& pcap) {
    return std::make_unique<capture::CaptureFileReader>(
        std::span<const std::uint8_t>(pcap.data(), pcap.size()), "generated");
}

/// Reads the row queue as the writer thread would, handing each chunk to `take`, until `done`
/// is set and the queue is empty.
template <typename Take>
void read_rows_until_done(output::RowQueue& rows, const std::atomic<bool>& done, Take take) {
    moodycamel::ConsumerToken token(rows);
    output::RowChunk chunk;
    for (;;) {
        tsan_queue_acquire(&rows);
        const bool got = rows.wait_dequeue_timed(token, chunk, 1000);
        tsan_queue_release(&rows);
        if (got) {
            take(chunk);
        } else if (done.load(std::memory_order_acquire) && rows.size_approx() == 0) {
            return;
        }
    }
}

/// Every flow the engines created has ended, and exactly the ones the profile writes were
/// emitted (the others are the single-packet flows the profile suppresses).
void expect_every_flow_accounted(const flow::FlowCounters& c) {
    EXPECT_EQ(c.flows_created, c.ended_timeout + c.ended_fin_rst + c.ended_new_connection +
                                   c.ended_drain + c.ended_drain_torn_down + c.expired_timeout +
                                   c.expired_idle + c.evicted_table_full);
    EXPECT_EQ(c.rows_emitted, c.flows_created - c.dropped_single_packet);
}

using test_support::read_file;
using test_support::TempDir;

/// The configuration of a pipeline test: `workers` workers, room for `max_flows` flows, the
/// rest the defaults.
config::DaemonConfig pipeline_config(std::uint32_t workers, std::uint32_t max_flows) {
    config::DaemonConfig cfg;
    cfg.pipeline.workers = workers;
    cfg.flow.max_flows = max_flows;
    return cfg;
}

TEST(Shutdown, RowsOutEqualFlowsEmittedThroughTheFileWriter) {
    const auto pcap = make_capture(kSanitized ? 2000 : 20000, 2000);
    for (const Profile profile : kAllProfiles) {
        SCOPED_TRACE(std::string(to_string(profile)));
        config::DaemonConfig cfg;
        cfg.flow.profile = profile;
        cfg.flow.max_flows = 200000;
        cfg.pipeline.workers = 4;
        auto ref_source = open(pcap);
        const Rows reference = reference_run(cfg, *ref_source);

        TempDir dir("fm-pipeline");
        cfg.output.file = (dir.path() / "flows.csv").string();
        cfg.output.fsync = false;
        const output::CsvFormatter formatter(profile, cfg.output.timezone, cfg.output.label);
        daemon::PipelineResult r;
        {
            auto source = open(pcap);
            daemon::RunOptions options;
            options.sources = {source.get()};
            r = daemon::run_to_end(cfg, options);
        }
        const std::vector<std::string> lines = split_lines(read_file(cfg.output.file));
        ASSERT_FALSE(lines.empty());
        EXPECT_EQ(lines.front(), formatter.header());
        const std::vector<std::string> rows(lines.begin() + 1, lines.end());

        // Stage by stage: read -> decoded -> dispatched -> processed -> emitted -> queued ->
        // written -> in the file. Nothing is lost between threads.
        EXPECT_EQ(r.stats.packets_read, reference.frames);
        EXPECT_EQ(r.stats.packets_decoded, reference.decoded);
        EXPECT_EQ(r.stats.packets_dispatched, r.stats.packets_decoded);
        EXPECT_EQ(r.stats.worker_packets, r.stats.packets_dispatched);
        EXPECT_EQ(r.flow.packets_in, r.stats.worker_packets);
        EXPECT_EQ(r.stats.rows_emitted, r.flow.rows_emitted);
        EXPECT_EQ(r.stats.rows_queued, r.flow.rows_emitted);
        EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
        EXPECT_EQ(rows.size(), r.writer.rows_written);
        EXPECT_EQ(r.writer.rows_lost, 0U);
        // Tables drained: every flow ended, the profile's rows were all emitted.
        expect_every_flow_accounted(r.flow);
        EXPECT_GT(r.flow.ended_drain, 0U) << "the capture should leave flows open at its end";
        for (const daemon::WorkerSnapshot& w : r.stats.workers) {
            EXPECT_EQ(w.active_flows, 0U) << "a worker ended with open flows";
            EXPECT_GT(w.packets, 0U) << "a worker got no traffic: steering is broken";
        }
        // And they are the single-threaded engine's rows.
        EXPECT_EQ(r.flow.rows_emitted, reference.flow.rows_emitted);
        EXPECT_EQ(r.flow.flows_created, reference.flow.flows_created);
        EXPECT_TRUE(same_multiset(rows, reference.lines));
    }
}

/// Delivers the first `limit_batches` batches of a capture, then asks the pipeline to stop
/// (like a signal arriving while a live capture runs).
class StoppingSource final : public capture::PacketSource {
public:
    StoppingSource(std::unique_ptr<capture::PacketSource> inner, std::size_t limit_batches,
                   std::atomic<bool>& stop)
        : PacketSource("stopping"), inner_(std::move(inner)), limit_(limit_batches), stop_(stop) {}

    std::size_t next_batch(capture::RawBatch& batch) override {
        if (batches_ == limit_) {
            stop_.store(true);
            // A live source keeps delivering until the loop notices the flag.
        }
        const std::size_t n = inner_->next_batch(batch);
        if (n == 0) {
            finish();
            return 0;
        }
        ++batches_;
        delivered_ += n;
        add_packets(n);
        return n;
    }
    std::uint64_t delivered() const { return delivered_; }

private:
    std::unique_ptr<capture::PacketSource> inner_;
    std::size_t limit_;
    std::atomic<bool>& stop_;
    std::size_t batches_ = 0;
    std::uint64_t delivered_ = 0;
};

/// The first `frames` frames of a capture.
class PrefixSource final : public capture::PacketSource {
public:
    PrefixSource(std::unique_ptr<capture::PacketSource> inner, std::uint64_t frames)
        : PacketSource("prefix"), inner_(std::move(inner)), left_(frames) {}
    std::size_t next_batch(capture::RawBatch& batch) override {
        if (left_ == 0) {
            finish();
            return 0;
        }
        std::size_t n = inner_->next_batch(batch);
        if (n == 0) {
            finish();
            return 0;
        }
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, left_));
        left_ -= n;
        return n;
    }

private:
    std::unique_ptr<capture::PacketSource> inner_;
    std::uint64_t left_;
};

TEST(Shutdown, StopMidStreamWritesEverythingRead) {
    const auto pcap = make_capture(kSanitized ? 3000 : 20000, 1000);
    std::atomic<bool> stop{false};
    StoppingSource source(open(pcap), 40, stop);
    config::DaemonConfig cfg = pipeline_config(3, 100000);
    daemon::PipelineOptions options;
    options.stop_flag = &stop;
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&source}, csv, options);
    ASSERT_TRUE(stop.load());
    EXPECT_EQ(r.stats.packets_read, source.delivered());
    EXPECT_LT(source.delivered(), 60U * capture::RawBatch::kCapacity) << "the stop was ignored";
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
    EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
    expect_every_flow_accounted(r.flow);

    // Exactly the rows a single-threaded run over the same frames gives.
    PrefixSource prefix(open(pcap), source.delivered());
    const Rows reference = reference_run(cfg, prefix);
    EXPECT_TRUE(same_multiset(split_lines(csv), reference.lines));
}

TEST(Shutdown, MaxPacketsStopsAtExactlyThatFrame) {
    const auto pcap = make_capture(500, 100);
    config::DaemonConfig cfg = pipeline_config(2, 10000);
    cfg.capture.max_packets = 1000;  // not a multiple of the batch size
    auto source = open(pcap);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {source.get()}, csv);
    EXPECT_EQ(r.stats.packets_read, 1000U);
    PrefixSource prefix(open(pcap), 1000);
    const Rows reference = reference_run(cfg, prefix);
    EXPECT_TRUE(same_multiset(split_lines(csv), reference.lines));
}

TEST(Shutdown, SeveralSourcesAreOneStream) {
    const auto pcap = make_capture(400, 50);
    config::DaemonConfig cfg = pipeline_config(2, 10000);
    auto a = open(pcap);
    auto b = open(pcap);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {a.get(), b.get()}, csv);
    auto single = open(pcap);
    const Rows once = reference_run(cfg, *single);
    EXPECT_EQ(r.stats.packets_read, 2 * once.frames);
    EXPECT_TRUE(r.source_errors.empty());
}

TEST(Backpressure, FullQueuesWaitAndLoseNothing) {
    const auto pcap = make_capture(3000, 1000);
    config::DaemonConfig cfg;
    // cic2017 ends a flow at its first FIN: rows leave the engines all along the capture, not
    // only when the tables are drained at the end.
    cfg.flow.profile = Profile::Cic2017;
    cfg.pipeline.workers = 2;
    cfg.pipeline.queue_capacity = 256;  // tiny packet queues
    cfg.flow.max_flows = 100000;

    // One row per chunk (output::kRowQueueDepth chunks fill a worker's share of the queue) and
    // a writer that does not read until a worker had to wait for it and, through the stalled
    // worker's full packet queue, the capture thread too. Then everything must still arrive.
    auto rows = output::make_row_queue(cfg.pipeline.workers);
    auto source = open(pcap);
    daemon::PipelineOptions options;
    options.chunk_bytes = 1;
    daemon::Pipeline pipeline(cfg, {source.get()}, *rows, options);
    std::atomic<bool> done{false};
    std::string csv;
    std::uint64_t written = 0;
    std::thread writer([&] {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        // Hold until the stall has reached the capture thread as well.
        for (;;) {
            const daemon::PipelineStats st = pipeline.stats();
            if ((st.output_full_waits > 0 && st.queue_full_waits > 0) ||
                std::chrono::steady_clock::now() > give_up) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        read_rows_until_done(*rows, done, [&](const output::RowChunk& chunk) {
            csv += chunk.text;
            written += chunk.rows;
        });
    });
    pipeline.start();
    const daemon::PipelineResult r = pipeline.wait();
    done.store(true, std::memory_order_release);
    writer.join();

    EXPECT_GT(r.stats.output_full_waits, 0U) << "the row queue never filled: no test";
    EXPECT_GT(r.stats.queue_full_waits, 0U) << "the packet queues never filled: no test";
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
    EXPECT_EQ(written, r.flow.rows_emitted);
    auto ref_source = open(pcap);
    const Rows reference = reference_run(cfg, *ref_source);
    EXPECT_TRUE(same_multiset(split_lines(csv), reference.lines));
}

TEST(Shutdown, FastStopAbandonsOutputAndFinishes) {
    // Nobody drains the row queue (the writer has stopped after a second signal): with the
    // abandon flag set, workers give up on the rows that do not fit and the pipeline ends.
    const auto pcap = make_capture(3000, 1000);
    config::DaemonConfig cfg;
    cfg.flow.profile = Profile::Cic2017;
    cfg.pipeline.workers = 2;
    cfg.flow.max_flows = 100000;
    auto rows = output::make_row_queue(cfg.pipeline.workers);
    auto source = open(pcap);
    std::atomic<bool> abandon{true};
    daemon::PipelineOptions options;
    options.chunk_bytes = 1;
    options.abandon_output = &abandon;
    daemon::Pipeline pipeline(cfg, {source.get()}, *rows, options);
    EXPECT_FALSE(pipeline.finished());
    pipeline.start();
    const daemon::PipelineResult r = pipeline.wait();
    EXPECT_TRUE(pipeline.finished());
    EXPECT_GT(r.stats.rows_abandoned, 0U);
    EXPECT_EQ(r.stats.rows_queued + r.stats.rows_abandoned, r.flow.rows_emitted);
    EXPECT_EQ(rows->size_approx(), r.stats.rows_queued) << "one row per chunk";
}

TEST(Shutdown, FinishedTurnsTrueWithoutWaiting) {
    const auto pcap = make_capture(300, 50);
    config::DaemonConfig cfg = pipeline_config(2, 10000);
    auto rows = output::make_row_queue(cfg.pipeline.workers);
    auto source = open(pcap);
    daemon::Pipeline pipeline(cfg, {source.get()}, *rows);
    std::atomic<bool> done{false};
    std::thread writer([&] { read_rows_until_done(*rows, done, [](const output::RowChunk&) {}); });
    pipeline.start();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!pipeline.finished() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(pipeline.finished());
    const daemon::PipelineResult r = pipeline.wait();
    done.store(true, std::memory_order_release);
    writer.join();
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
}

/// A live-like source: delivers a capture, with empty polls (0 frames, not at end) between
/// batches, as a live source does when its poll interval passes without traffic.
class PollingSource final : public capture::PacketSource {
public:
    explicit PollingSource(std::unique_ptr<capture::PacketSource> inner)
        : PacketSource("polling"), inner_(std::move(inner)) {}
    std::size_t next_batch(capture::RawBatch& batch) override {
        if ((calls_++ % 3) == 0) {
            return 0;  // an empty poll: at_end() stays false
        }
        const std::size_t n = inner_->next_batch(batch);
        if (n == 0) {
            finish();
        }
        add_packets(n);
        return n;
    }

private:
    std::unique_ptr<capture::PacketSource> inner_;
    std::uint64_t calls_ = 0;
};

/// Two captures of different flows (different seeds), as two RSS queues or fanout sockets
/// would see them.
std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>> two_captures() {
    flowgen::TrafficConfig t;
    t.flows = kSanitized ? 1000 : 5000;
    t.concurrency = 500;
    t.duration_s = 200;
    t.seed = 99;
    return {make_capture(t.flows, t.concurrency),
            flowgen::generate_pcap(t, flowgen::TsPrecision::Micro)};
}

/// The configuration of a run with live sources: `workers` workers, room for `max_flows` flows.
config::DaemonConfig live_config(std::uint32_t workers, std::uint32_t max_flows) {
    config::DaemonConfig cfg = pipeline_config(workers, max_flows);
    cfg.capture.source = config::CaptureSource::PcapLive;
    return cfg;
}

/// Options for a run with live sources whose flows end by packet time only (never by the
/// clock), so that the rows do not depend on the machine's speed.
daemon::PipelineOptions packet_time_options(bool run_to_completion) {
    daemon::PipelineOptions options;
    options.expire_with_clock = false;
    options.run_to_completion = run_to_completion;
    return options;
}

/// Checks what a pipeline run over both captures of two_captures() must account for (every
/// frame read and decoded, every decoded packet processed, every flow ended, no capture error)
/// and returns the rows of the two captures' single-threaded runs together.
std::vector<std::string> expect_both_captures_accounted(const daemon::PipelineResult& r,
                                                        const config::DaemonConfig& cfg,
                                                        const std::vector<std::uint8_t>& pcap_a,
                                                        const std::vector<std::uint8_t>& pcap_b) {
    auto ref_a = open(pcap_a);
    auto ref_b = open(pcap_b);
    const Rows one = reference_run(cfg, *ref_a);
    const Rows two = reference_run(cfg, *ref_b);
    EXPECT_EQ(r.stats.packets_read, one.frames + two.frames);
    EXPECT_EQ(r.stats.packets_decoded, one.decoded + two.decoded);
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
    expect_every_flow_accounted(r.flow);
    EXPECT_TRUE(r.capture_error.empty()) << r.capture_error;
    std::vector<std::string> lines = one.lines;
    lines.insert(lines.end(), two.lines.begin(), two.lines.end());
    return lines;
}

TEST(LiveInput, EachSourceGetsACaptureThread) {
    // Two live sources (fanout sockets, NIC queues) never end on their own, so each has its own
    // capture thread feeding its own lane of every worker's inbox. Flows here are split over
    // two captures made with different seeds, so only the accounting is compared.
    const auto [pcap_a, pcap_b] = two_captures();
    config::DaemonConfig cfg = live_config(3, 100000);
    PollingSource a(open(pcap_a));
    PollingSource b(open(pcap_b));
    auto rows = output::make_row_queue(cfg.pipeline.workers);
    const daemon::PipelineOptions options = packet_time_options(false);
    daemon::Pipeline pipeline(cfg, {&a, &b}, *rows, options);
    EXPECT_EQ(pipeline.capture_lanes(), 2U);
    EXPECT_NE(pipeline.layout().find("2 capture thread(s)"), std::string::npos)
        << pipeline.layout();
    std::atomic<bool> done{false};
    std::uint64_t written = 0;
    std::thread writer([&] {
        read_rows_until_done(*rows, done,
                             [&](const output::RowChunk& chunk) { written += chunk.rows; });
    });
    pipeline.start();
    const daemon::PipelineResult r = pipeline.wait();
    done.store(true, std::memory_order_release);
    writer.join();

    expect_both_captures_accounted(r, cfg, pcap_a, pcap_b);
    EXPECT_EQ(written, r.flow.rows_emitted);
}

TEST(LiveInput, MaxPacketsIsSharedByAllCaptureThreads) {
    const auto pcap = make_capture(500, 100);
    config::DaemonConfig cfg = live_config(2, 10000);
    cfg.capture.max_packets = 1500;
    PollingSource a(open(pcap));
    PollingSource b(open(pcap));
    const daemon::PipelineOptions options = packet_time_options(false);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&a, &b}, csv, options);
    EXPECT_EQ(r.stats.packets_read, 1500U);
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
}

// Run to completion: each worker reads and decodes its own lane (a NIC queue of a port with
// symmetric hardware RSS in production); no capture thread, no packet queue.
TEST(RunToCompletion, OneLaneOneWorkerGivesTheSingleThreadedRowsInOrder) {
    const auto pcap = make_capture(kSanitized ? 1000 : 5000, 200);
    config::DaemonConfig cfg = pipeline_config(1, 100000);
    daemon::PipelineOptions options;
    options.run_to_completion = true;
    auto source = open(pcap);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {source.get()}, csv, options);
    auto ref = open(pcap);
    const Rows reference = reference_run(cfg, *ref);
    EXPECT_EQ(split_lines(csv), reference.lines);
    EXPECT_EQ(r.stats.packets_read, reference.frames);
    EXPECT_EQ(r.stats.packets_decoded, reference.decoded);
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
    EXPECT_EQ(r.stats.packets_dispatched, 0U) << "no software hand-off";
    expect_every_flow_accounted(r.flow);
}

TEST(RunToCompletion, EachWorkerReadsItsOwnLiveLane) {
    // Two live lanes whose flows are disjoint (two captures with different seeds), as RSS
    // queues are: every row of each capture's own single-threaded run, and nothing else.
    const auto [pcap_a, pcap_b] = two_captures();
    config::DaemonConfig cfg = live_config(2, 100000);
    PollingSource a(open(pcap_a));
    PollingSource b(open(pcap_b));
    const daemon::PipelineOptions options = packet_time_options(true);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&a, &b}, csv, options);

    const std::vector<std::string> expected =
        expect_both_captures_accounted(r, cfg, pcap_a, pcap_b);
    EXPECT_TRUE(same_multiset(split_lines(csv), expected));
    EXPECT_EQ(r.stats.packets_dispatched, 0U);
}

TEST(RunToCompletion, StopAndMaxPacketsActAsWithCaptureThreads) {
    const auto pcap = make_capture(500, 100);
    config::DaemonConfig cfg = live_config(2, 10000);
    cfg.capture.max_packets = 1500;
    PollingSource a(open(pcap));
    PollingSource b(open(pcap));
    daemon::PipelineOptions options = packet_time_options(true);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&a, &b}, csv, options);
    EXPECT_EQ(r.stats.packets_read, 1500U);
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
    expect_every_flow_accounted(r.flow);

    // A stop request ends both workers' reading; what was read is still written.
    std::atomic<bool> stop{true};
    cfg.capture.max_packets = 0;
    PollingSource c(open(pcap));
    PollingSource d(open(pcap));
    options.stop_flag = &stop;
    std::string csv2;
    const daemon::PipelineResult s = run_to_memory(cfg, {&c, &d}, csv2, options);
    EXPECT_EQ(s.stats.packets_read, 0U);
    EXPECT_EQ(s.stats.rows_queued, 0U);
}

TEST(RunToCompletion, NeedsOneWorkerPerLane) {
    const auto pcap = make_capture(10, 5);
    auto source = open(pcap);
    auto rows = output::make_row_queue(2);
    config::DaemonConfig cfg = pipeline_config(2, 1000);
    daemon::PipelineOptions options;
    options.run_to_completion = true;
    EXPECT_THROW(daemon::Pipeline(cfg, {source.get()}, *rows, options), daemon::PipelineError);
    cfg.pipeline.workers = 1;
    const daemon::Pipeline ok(cfg, {source.get()}, *rows, options);
    EXPECT_TRUE(ok.runs_to_completion());
    EXPECT_NE(ok.layout().find("run to completion"), std::string::npos) << ok.layout();
}

TEST(Layout, BadConfigurationsFailAtStartup) {
    const auto pcap = make_capture(10, 5);
    auto source = open(pcap);
    auto rows = output::make_row_queue(2);
    config::DaemonConfig cfg;
    cfg.flow.max_flows = 1000;

    cfg.pipeline.workers = 0;
    EXPECT_THROW(daemon::Pipeline(cfg, {source.get()}, *rows), daemon::PipelineError);
    cfg.pipeline.workers = 2;
    cfg.pipeline.cpu_affinity = {0};
    EXPECT_THROW(daemon::Pipeline(cfg, {source.get()}, *rows), daemon::PipelineError);
    cfg.pipeline.cpu_affinity.clear();
    cfg.output.timezone = "Not/AZone";
    cfg.flow.profile = Profile::V4;  // a profile that prints local time
    EXPECT_THROW(daemon::Pipeline(cfg, {source.get()}, *rows), daemon::PipelineError);
    cfg.output.timezone = "UTC";
    cfg.pipeline.queue_capacity = 0;
    EXPECT_THROW(daemon::Pipeline(cfg, {source.get()}, *rows), daemon::PipelineError);
}

TEST(Layout, PinsWorkersAndReportsImpossiblePinning) {
    const auto pcap = make_capture(200, 20);
    config::DaemonConfig cfg = pipeline_config(2, 10000);
    cfg.pipeline.cpu_affinity = {0, 0};  // CPU 0 exists everywhere
    {
        auto source = open(pcap);
        std::string csv;
        const daemon::PipelineResult r = run_to_memory(cfg, {source.get()}, csv);
        EXPECT_EQ(r.stats.worker_packets, r.stats.packets_decoded);
        EXPECT_GT(r.writer.rows_written, 0U);
    }
    cfg.pipeline.cpu_affinity = {0, CPU_SETSIZE - 1};  // no machine here has that many CPUs
    auto source = open(pcap);
    auto rows = output::make_row_queue(2);
    daemon::Pipeline pipeline(cfg, {source.get()}, *rows);
    EXPECT_THROW(pipeline.start(), daemon::PipelineError);
}

}  // namespace
}  // namespace fm::pipeline_test
