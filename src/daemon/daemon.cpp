// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd's wiring and control loop (STYLE 4.2 step 9). One function per phase: the command
// line picks an action; a run builds its parts in the start order below, hands the data path to
// the pipeline and the writer thread, and keeps the main thread as the control thread, which
// sleeps on the signal eventfd and wakes a few times a second for signals, the progress line,
// the stats line and systemd notifications.
//
// Start order (each part exists before anything that uses it):
//   logging -> signal handlers -> capture sources (files opened, interfaces/ports set up) ->
//   output writer (directory checked) -> writer queue -> writer thread -> pipeline: workers,
//   then capture thread(s) -> READY=1.
// Stop order (graceful: end of input, -c reached, or the first SIGTERM/SIGINT):
//   STOPPING=1 -> pipeline.request_stop() and request_stop() on every source -> capture threads
//   flush their dispatchers and end -> workers pump their queues dry and drain their tables
//   (every open flow is ended and written) -> writer thread writes what is queued, closes and
//   renames the file -> final statistics -> destruction in reverse order of construction.
// A second SIGTERM/SIGINT makes the writer write only what is already formatted, close and
// rename; the workers abandon the rows they still make, and the process exits once they are
// done, or after kFastStopGrace without waiting for them (fast stop).
#include "daemon/daemon.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "capture/capture_error.hpp"
#include "capture/capture_file_reader.hpp"
#include "capture/packet_source.hpp"
#include "capture/pcap_live_source.hpp"
#ifdef FM_HAVE_DPDK
#include "capture/dpdk_source.hpp"
#endif
#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "daemon/cli.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/list_interfaces.hpp"
#include "daemon/logging.hpp"
#include "daemon/notify.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/progress.hpp"
#include "daemon/signals.hpp"
#include "daemon/stats_reporter.hpp"
#include "output/csv_format.hpp"
#include "output/rotating_csv_writer.hpp"
#include "output/writer_thread.hpp"

namespace fm::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using NamedCounters = std::vector<std::pair<std::string, std::uint64_t>>;

/// Longest sleep of the control loop: bounds how late it notices the end of the pipeline (and
/// so how long an offline run lingers after its last row), a redraw or a notification due.
constexpr std::chrono::milliseconds kControlTick{50};
/// Period of the progress line checks (ProgressMeter redraws about once a second).
constexpr std::chrono::milliseconds kProgressTick{250};
/// systemd STATUS= refresh period, independent of the stats line (which may be off).
constexpr std::chrono::seconds kStatusPeriod{5};
/// At a fast stop, how long the workers may take to give up their rows after the writer has
/// closed its file, before the process exits without them.
constexpr std::chrono::seconds kFastStopGrace{2};

/// The capture sources of one run, owned here and lent to the pipeline as PacketSource
/// pointers; they outlive it. Built on the control thread; request_stop(), drops() and
/// named_counters() may be called while capture threads read the sources.
class Inputs {
public:
    /// Opens what `cfg` names. Capture files that cannot be opened are left out and listed in
    /// open_errors(); live sources throw capture::CaptureError.
    explicit Inputs(const config::CaptureConfig& cfg) : source_(cfg.source) {
        switch (cfg.source) {
            case config::CaptureSource::PcapFile:
                for (const std::string& path : cfg.files) {
                    auto reader = std::make_unique<capture::CaptureFileReader>(path);
                    if (reader->is_open()) {
                        files_.push_back(std::move(reader));
                    } else {
                        open_errors_.push_back(reader->error());
                    }
                }
                break;
            case config::CaptureSource::PcapLive:
                pcap_ = capture::open_pcap_live(cfg);
                break;
            case config::CaptureSource::Dpdk:
#ifdef FM_HAVE_DPDK
                dpdk_ = std::make_unique<capture::DpdkCapture>(cfg);
#else
                // config::validate() rejects this combination; kept for a library caller.
                throw capture::CaptureError(capture::CaptureError::Kind::Config,
                                            "capture.source dpdk: built without DPDK");
#endif
                break;
        }
    }

    bool live() const noexcept {
        return source_ != config::CaptureSource::PcapFile;
    }

    /// True when each source receives whole flows only (DPDK queues of one port spread by
    /// symmetric hardware RSS), so that workers can read their sources themselves.
    bool flows_partitioned() const noexcept {
#ifdef FM_HAVE_DPDK
        return dpdk_ != nullptr && dpdk_->flows_partitioned_by_queue();
#else
        return false;
#endif
    }

    std::vector<capture::PacketSource*> sources() const {
        std::vector<capture::PacketSource*> out;
        for (const auto& f : files_) {
            out.push_back(f.get());
        }
        for (const auto& p : pcap_) {
            out.push_back(p.get());
        }
#ifdef FM_HAVE_DPDK
        if (dpdk_) {
            for (capture::PacketSource* s : dpdk_->sources()) {
                out.push_back(s);
            }
        }
#endif
        return out;
    }

    /// Summed size of the capture files (progress), 0 for live input.
    std::uint64_t input_total() const noexcept {
        std::uint64_t total = 0;
        for (const auto& f : files_) {
            total += f->size_bytes();
        }
        return total;
    }

    /// Wakes capture threads blocked in a live source; they then see at_end(). Any thread.
    void request_stop() noexcept {
        for (const auto& p : pcap_) {
            p->request_stop();
        }
#ifdef FM_HAVE_DPDK
        if (dpdk_) {
            dpdk_->request_stop();
        }
#endif
    }

    /// Frames the kernel or the NIC dropped before flowmeterd saw them.
    std::uint64_t drops() const {
        std::uint64_t n = 0;
        for (const auto& p : pcap_) {
            n += p->drops();
        }
#ifdef FM_HAVE_DPDK
        if (dpdk_) {
            n += dpdk_->drops();
        }
#endif
        return n;
    }

    /// capture.* counters of the live sources (summed over the sockets of a fanout group).
    NamedCounters named_counters() const {
        NamedCounters out;
        for (const auto& p : pcap_) {
            for (auto& [name, value] : p->named_counters()) {
                add_counter(out, name, value);
            }
        }
#ifdef FM_HAVE_DPDK
        if (dpdk_) {
            for (auto& [name, value] : dpdk_->named_counters()) {
                add_counter(out, name, value);
            }
        }
#endif
        return out;
    }

    /// Reads the kernel counters once more for the final statistics. Only after the capture
    /// threads have stopped (PcapLiveSource::refresh_stats is a source-thread call).
    void refresh_stats() noexcept {
        for (const auto& p : pcap_) {
            p->refresh_stats();
        }
    }

    /// Startup log lines: one per live socket or DPDK port.
    std::vector<std::string> describe() const {
        std::vector<std::string> out;
        for (const auto& p : pcap_) {
            out.push_back(p->describe());
        }
#ifdef FM_HAVE_DPDK
        if (dpdk_) {
            for (std::string& line : dpdk_->describe()) {
                out.push_back(std::move(line));
            }
        }
#endif
        return out;
    }

    const std::vector<std::string>& open_errors() const noexcept {
        return open_errors_;
    }

    static void add_counter(NamedCounters& out, const std::string& name, std::uint64_t value) {
        for (auto& [n, v] : out) {
            if (n == name) {
                v += value;
                return;
            }
        }
        out.emplace_back(name, value);
    }

private:
    config::CaptureSource source_;
    std::vector<std::unique_ptr<capture::CaptureFileReader>> files_;
    std::vector<std::unique_ptr<capture::PcapLiveSource>> pcap_;
#ifdef FM_HAVE_DPDK
    std::unique_ptr<capture::DpdkCapture> dpdk_;
#endif
    std::vector<std::string> open_errors_;
};

/// The stats reporter's and the progress line's view of the whole run.
StatsSnapshot take_snapshot(const Pipeline& pipeline, const output::WriterThread& writer,
                            const Inputs& inputs) {
    StatsSnapshot s = stats_snapshot(pipeline, writer.stats());
    s.capture_drops = inputs.drops();
    for (auto& [name, value] : inputs.named_counters()) {
        s.details.emplace_back(std::move(name), value);
    }
    return s;
}

/// One line for the startup log: where packets come from and where rows go.
std::string describe_run(const config::DaemonConfig& cfg) {
    std::string input;
    switch (cfg.capture.source) {
        case config::CaptureSource::PcapFile:
            input =
                cfg.capture.files.size() == 1
                    ? fmt::format("reading {}", cfg.capture.files.front())
                    : fmt::format("reading {} capture files in order", cfg.capture.files.size());
            break;
        case config::CaptureSource::PcapLive:
            input = fmt::format("capturing on {} ({} socket(s))", cfg.capture.interface,
                                cfg.capture.threads);
            break;
        case config::CaptureSource::Dpdk:
            input = fmt::format("capturing from {} DPDK port(s)", cfg.capture.dpdk.ports.size());
            break;
    }
    const std::string output = cfg.output.file.empty()
                                   ? fmt::format("rotating files {}/{}-*.csv", cfg.output.directory,
                                                 cfg.output.file_prefix)
                                   : cfg.output.file;
    return fmt::format("flowmeterd {}: {}, profile {}, {} worker(s), writing {}", version_string(),
                       input, to_string(cfg.flow.profile), cfg.pipeline.workers, output);
}

/// Logs the final statistics: the seed's four totals, then the detailed lines (rates, flows,
/// rows, drops, and every non-zero per-stage and per-reason counter).
void log_final_stats(spdlog::logger& log, StatsSnapshot s, const PipelineResult* result,
                     double seconds) {
    log.info("total packets processed: {}", s.packets);
    log.info("valid flow packets: {}", s.packets - std::min(s.packets, s.decode_errors));
    // After a drain the tables are empty: the flows that were open are the drained ones. A
    // fast stop leaves them in the tables, unwritten.
    log.info("active flows at end of input: {}",
             result != nullptr ? result->flow.ended_drain : s.flows_active);
    log.info("completed flows written: {}", s.rows_written);
    if (result != nullptr) {
        // The engine counters (flow.ended_*, …) are only known once the workers have joined.
        for (const auto& [name, value] : result->counters) {
            bool seen = false;
            for (const auto& [n, v] : s.details) {
                seen = seen || n == name;
            }
            if (!seen) {
                s.details.emplace_back(name, value);
            }
        }
    }
    for (const std::string& line : format_final_stats(s, seconds)) {
        log.info("{}", line);
    }
}

void flush_logs() noexcept {
    try {
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
    } catch (...) {
        // nothing more can be reported
    }
}

/// A configured run (CliAction::Run). Startup errors are thrown to daemon_main, which maps
/// them to exit statuses; everything after the start is reported in the result.
int run(const CliResult& cli) {
    const config::DaemonConfig& cfg = cli.config;
    setup_logging(cfg.logging);
    const auto log = get_logger("daemon");
    const auto capture_log = get_logger("capture");
    const bool interactive = cli.config_path.empty();

    // Before the sources and threads exist: a stop signal during a slow setup (DPDK EAL,
    // hugepages) is remembered and ends the run right after it started, cleanly.
    Signals signals;
    const Notifier notifier;

    log->info("{}", describe_run(cfg));
    // The daemon logs its whole effective configuration once (the journal keeps it with the
    // run); an interactive run keeps stderr short and logs it at debug level only.
    log->log(interactive ? spdlog::level::debug : spdlog::level::info,
             "effective configuration:\n{}", config::to_yaml(cfg));

    Inputs inputs(cfg.capture);
    for (const std::string& e : inputs.open_errors()) {
        capture_log->error("{}", e);
    }
    const std::vector<capture::PacketSource*> sources = inputs.sources();
    if (sources.empty()) {
        log->critical("no capture file could be opened; nothing was written");
        return kExitFailure;
    }
    for (const std::string& line : inputs.describe()) {
        capture_log->info("{}", line);
    }

    const output::CsvFormatter formatter(cfg.flow.profile, cfg.output.timezone, cfg.output.label);
    output::RotatingCsvWriter writer(cfg.output, formatter.header() + "\n");

    // Declaration order = start order; destruction runs in reverse (pipeline first, then the
    // writer thread, the queue between them, the sources, the writer).
    const std::unique_ptr<output::RowQueue> rows = Pipeline::make_row_queue(cfg.pipeline.workers);
    output::WriterThreadOptions writer_options;
    writer_options.hold_max_bytes = cfg.output.hold_max_bytes;
    output::WriterThread writer_thread(*rows, writer, writer_options);
    // Set at a fast stop, when the writer no longer takes rows: workers then give up waiting
    // for room in its queue instead of blocking for ever.
    std::atomic<bool> abandon_output{false};
    PipelineOptions pipeline_options;
    pipeline_options.abandon_output = &abandon_output;
    // Hardware RSS already keeps each flow on one queue: with one worker per queue, each
    // worker polls its own queue and the software hand-off is left out (run to completion).
    if (inputs.flows_partitioned()) {
        if (cfg.pipeline.workers == sources.size()) {
            pipeline_options.run_to_completion = true;
        } else {
            log->info(
                "hardware RSS spreads flows over {} queues; with pipeline.workers {} the "
                "capture threads hand packets to the workers in software (set pipeline.workers "
                "to {} to let each worker read its own queue)",
                sources.size(), cfg.pipeline.workers, sources.size());
        }
    }
    Pipeline pipeline(cfg, sources, *rows, pipeline_options);
    log->info("{}", pipeline.layout());

    const auto started = Clock::now();
    writer_thread.start();
    pipeline.start();
    // The sources exist and the capture threads run: from now on every frame is seen.
    notifier.ready();
    const std::optional<std::chrono::microseconds> watchdog = notifier.watchdog_period();
    if (watchdog) {
        notifier.watchdog();
    }

    // The finisher waits for the end of the data path and then for the writer, so the control
    // loop below stays free to react to a second signal while the drain runs.
    PipelineResult result;
    std::atomic<bool> finished{false};
    std::thread finisher([&] {
        result = pipeline.wait();
        inputs.refresh_stats();  // capture threads have stopped
        writer_thread.stop();
        finished.store(true, std::memory_order_release);
    });

    auto snapshot = [&] {
        return take_snapshot(pipeline, writer_thread, inputs);
    };
    const bool show_progress = interactive && !inputs.live() && ProgressMeter::stderr_is_tty();
    ProgressMeter progress(inputs.input_total(), show_progress);
    StatsReporter reporter(std::chrono::seconds(show_progress ? 0 : cfg.logging.stats_interval_s),
                           snapshot, log);

    bool stopping = false;
    bool fast = false;
    std::optional<Clock::time_point> fast_deadline;
    auto next_progress = started + kProgressTick;
    auto next_status = started + kStatusPeriod;
    auto next_watchdog = started + watchdog.value_or(std::chrono::microseconds(0));
    std::uint64_t last_heartbeat = writer_thread.stats().heartbeat;
    while (!finished.load(std::memory_order_acquire)) {
        signals.wait(kControlTick);
        if (signals.stop_requested() && !stopping) {
            stopping = true;
            notifier.stopping();
            log->info("stop requested: ending capture, writing every open flow");
            pipeline.request_stop();
            inputs.request_stop();
        }
        if (signals.fast_stop_requested() && !fast) {
            fast = true;
            log->warn(
                "second stop signal: writing only rows already formatted; flows still "
                "open are not written");
            writer_thread.request_fast_stop();
            abandon_output.store(true, std::memory_order_relaxed);
        }
        if (signals.take_rotate_request() && cfg.output.file.empty()) {
            log->info("SIGHUP: closing the current output file");
            writer_thread.request_rotate();
        }
        if (fast && writer_thread.finished() && !fast_deadline) {
            fast_deadline = Clock::now() + kFastStopGrace;
        }
        if (fast_deadline && Clock::now() >= *fast_deadline &&
            !finished.load(std::memory_order_acquire)) {
            // The file is closed and renamed, but the workers are still ending the flows of
            // their tables (rows that are abandoned now). Exit without waiting for them.
            progress.finish();
            log_final_stats(*log, snapshot(), nullptr,
                            std::chrono::duration<double>(Clock::now() - started).count());
            flush_logs();
            std::_Exit(kExitOk);
        }

        const auto now = Clock::now();
        if (show_progress && now >= next_progress) {
            progress.update(snapshot(), now);
            next_progress = now + kProgressTick;
        }
        reporter.tick(now);
        if (notifier.active() && now >= next_status) {
            const StatsSnapshot s = snapshot();
            notifier.status(format_status(s.packets, s.flows_done, s.rows_written));
            next_status = now + kStatusPeriod;
        }
        if (watchdog && now >= next_watchdog) {
            // Only while the writer thread is alive: a hung writer gets the service restarted.
            const std::uint64_t heartbeat = writer_thread.stats().heartbeat;
            if (heartbeat != last_heartbeat) {
                notifier.watchdog();
                last_heartbeat = heartbeat;
            }
            next_watchdog = now + *watchdog;
        }
    }
    finisher.join();
    progress.finish();
    if (!stopping) {
        notifier.stopping();
    }

    for (const std::string& e : result.source_errors) {
        capture_log->error("{}", e);
    }
    if (!result.capture_error.empty()) {
        capture_log->error("capture stopped: {}", result.capture_error);
    }
    result.writer = writer_thread.stats();
    const StatsSnapshot final_stats = snapshot();
    notifier.status(
        format_status(final_stats.packets, final_stats.flows_done, final_stats.rows_written));
    log_final_stats(*log, final_stats, &result,
                    std::chrono::duration<double>(Clock::now() - started).count());
    if (!writer.last_closed_path().empty()) {
        get_logger("output")->info("{} file(s) written, the last one {}", writer.files_closed(),
                                   writer.last_closed_path());
    }

    if (!result.capture_error.empty()) {
        return kExitFailure;
    }
    if (inputs.live()) {
        // A live source only ends with an error when the interface or port failed.
        return result.source_errors.empty() ? kExitOk : kExitFailure;
    }
    // Offline: damaged or unreadable files are reported above; the run failed only when
    // nothing at all could be read.
    const bool errors = !result.source_errors.empty() || !inputs.open_errors().empty();
    return errors && result.stats.packets_read == 0 ? kExitFailure : kExitOk;
}

}  // namespace

int daemon_main(int argc, char** argv) {
    CliResult cli;
    try {
        cli = parse_command_line(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "flowmeterd: %s\nRun 'flowmeterd --help' for the options.\n",
                     e.what());
        return kExitUsage;
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flowmeterd: %s\n", e.what());
        return kExitFailure;
    }

    switch (cli.action) {
        case CliAction::Help:
        case CliAction::Version:
            std::fputs(cli.text.c_str(), stdout);
            return kExitOk;
        case CliAction::CheckConfig:
            std::fputs(config::to_yaml(cli.config).c_str(), stdout);
            return kExitOk;
        case CliAction::ListInterfaces:
            try {
                std::fputs(list_interfaces().c_str(), stdout);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "flowmeterd: %s\n", e.what());
                return kExitFailure;
            }
            return kExitOk;
        case CliAction::Run:
            break;
    }

    // Startup errors of a run. Logging may not exist yet (a bad logging.target), so the
    // message goes to the daemon logger when there is one and to stderr otherwise.
    auto critical = [](const std::string& message) {
        if (spdlog::get("daemon")) {
            get_logger("daemon")->critical("{}", message);
            flush_logs();
        } else {
            std::fprintf(stderr, "flowmeterd: %s\n", message.c_str());
        }
    };
    try {
        return run(cli);
    } catch (const config::ConfigError& e) {
        if (spdlog::get("daemon")) {
            critical(e.what());
        } else {
            std::fprintf(stderr, "%s\n", e.what());
        }
        return kExitConfig;
    } catch (const capture::CaptureError& e) {
        critical(e.what());
        return e.exit_code();
    } catch (const output::OutputError& e) {
        critical(e.what());
        return kExitCantCreate;
    } catch (const PipelineError& e) {
        critical(e.what());
        return kExitFailure;
    } catch (const std::exception& e) {
        critical(e.what());
        return kExitFailure;
    }
}

}  // namespace fm::daemon
