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
//   STOPPING=1 -> Run::request_stop() (pipeline and every source) -> capture threads
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
#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "config/pipeline_layout.hpp"
#include "daemon/batch.hpp"
#include "daemon/cli.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/list_interfaces.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics_endpoint.hpp"
#include "daemon/notify.hpp"
#include "daemon/privileges.hpp"
#include "daemon/progress.hpp"
#include "daemon/run.hpp"
#include "daemon/signals.hpp"
#include "daemon/start_checks.hpp"
#include "daemon/stats_reporter.hpp"
#include "output/clickhouse_schema.hpp"
#include "output/json_schema.hpp"
#include "output/rotating_csv_writer.hpp"

namespace fm::daemon {

namespace {

using Clock = std::chrono::steady_clock;

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
                       input, to_string(cfg.flow.profile), config::resolved_workers(cfg.pipeline),
                       output);
}

/// Logs the final statistics: the seed's four totals, then the detailed lines (rates, flows,
/// rows, drops, and every non-zero per-stage and per-reason counter).
void log_final_stats(spdlog::logger& log, StatsSnapshot s, const PipelineResult* result,
                     double seconds) {
    log.info("total packets processed: {}", s.packets);
    log.info("valid flow packets: {}", s.packets - std::min(s.packets, s.decode_errors));
    // After a drain the tables are empty: the flows that were open are the drained ones
    // (flow.ended_drain; fixed's torn-down connections, written too, are counted apart). A
    // fast stop leaves them in the tables, unwritten.
    log.info("active flows at end of input: {}",
             result != nullptr ? result->flow.ended_drain : s.flows_active);
    log.info("completed flows written: {}", s.rows_written);
    if (result != nullptr) {
        // Every counter of every stage, final (the engines' flow.* are only known once the
        // workers have joined).
        s.details = result->counters;
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

/// After the capture handles and the output are open, before any pipeline thread: switch to
/// security.user and give up every capability (daemon/privileges.hpp), then prove the output
/// directory is still writable, since rotation creates new files there.
void give_up_privileges(const config::DaemonConfig& cfg, const output::RotatingCsvWriter& writer,
                        spdlog::logger& log, bool interactive) {
    const PrivilegeState st = drop_privileges(cfg.security);
    if (st.switched) {
        log.info("running as {} from now on, with no capability", st.account);
        if (const int e = writer.check_writable(); e != 0) {
            throw output::OutputError(
                fmt::format("output directory \"{}\": not writable by {}: {} (make it writable "
                            "for that account, for example chown {} \"{}\")",
                            writer.directory(), st.account,
                            std::error_code(e, std::generic_category()).message(),
                            cfg.security.user, writer.directory()),
                e);
        }
    } else if (st.uid == 0) {
        log.log(interactive ? spdlog::level::debug : spdlog::level::info,
                "running as root with every capability: set security.user to switch to an "
                "unprivileged account once capture and output are open");
    } else if (st.caps_error != 0) {
        log.info("running as {}; keeping its capabilities: giving them up was refused ({})",
                 account_text(st),
                 std::error_code(st.caps_error, std::generic_category()).message());
    } else if (st.caps_cleared && log.should_log(spdlog::level::debug)) {
        log.debug("running as {}, with no capability", account_text(st));
    }
}

/// A configured run (CliAction::Run). Startup errors are thrown to daemon_main, which maps
/// them to exit statuses; everything after the start is reported in the result.
int run(const CliResult& cli) {
    const config::DaemonConfig& cfg = cli.config;
    check_start_config(cfg, cli.origins);
    setup_logging(cfg.logging);
    if (cli.batch.enabled) {
        return run_batch(cli);
    }
    const auto log = get_logger("daemon");
    for (const std::string& warning : ignored_settings(cfg, cli.origins)) {
        log->warn("{}", warning);
    }
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

    Run session(cfg);
    const Inputs& inputs = session.inputs();
    for (const std::string& e : inputs.open_errors()) {
        capture_log->error("{}", e);
    }
    for (const std::string& line : inputs.describe()) {
        capture_log->info("{}", line);
    }
    const std::size_t n_sources = session.sources().size();
    const std::uint32_t workers = session.pipeline().workers();
    if (inputs.flows_partitioned() && workers != n_sources) {
        log->info(
            "hardware RSS spreads flows over {} queues; with pipeline.workers {} the capture "
            "threads hand packets to the workers in software (set pipeline.workers to {} to let "
            "each worker read its own queue)",
            n_sources, workers, n_sources);
    }
    log->info("{}", session.pipeline().layout());
    // No capability and no root from here on (security.user). Before the metrics endpoint,
    // whose server threads would otherwise keep the capabilities (they are per thread): its
    // port must then be one an unprivileged user may bind (1024 and above, as 9464).
    give_up_privileges(cfg, session.writer(), *log, interactive);
    // Before the start, so that a busy address stops the run before any packet is read; it is
    // declared after the run, so it stops serving before the run is destroyed.
    const std::unique_ptr<MetricsEndpoint> metrics =
        start_metrics_endpoint(session, cfg, cli.origins);
    if (metrics) {
        log->info("metrics: serving Prometheus metrics at {}", metrics->url());
    }

    const auto started = Clock::now();
    session.start();
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
        result = session.wait();
        finished.store(true, std::memory_order_release);
        signals.wake();  // the control loop ends now, not at its next tick
    });

    auto snapshot = [&] {
        return session.snapshot();
    };
    const bool show_progress =
        interactive && !inputs.live() && !cli.quiet && ProgressMeter::stderr_is_tty();
    ProgressMeter progress(inputs.input_total(), show_progress);
    StatsReporter reporter(std::chrono::seconds(show_progress ? 0 : cfg.logging.stats_interval_s),
                           snapshot, log);

    bool stopping = false;
    bool fast = false;
    std::optional<Clock::time_point> fast_deadline;
    auto next_progress = started + kProgressTick;
    auto next_status = started + kStatusPeriod;
    auto next_watchdog = started + watchdog.value_or(std::chrono::microseconds(0));
    std::uint64_t last_heartbeat = session.writer_thread().stats().heartbeat;
    while (!finished.load(std::memory_order_acquire)) {
        signals.wait(kControlTick);
        if (signals.stop_requested() && !stopping) {
            stopping = true;
            notifier.stopping();
            log->info("stop requested: ending capture, writing every open flow");
            session.request_stop();
        }
        if (signals.fast_stop_requested() && !fast) {
            fast = true;
            log->warn(
                "second stop signal: writing only rows already formatted; flows still "
                "open are not written");
            session.request_fast_stop();
        }
        if (signals.take_rotate_request()) {
            if (cfg.output.file.empty()) {
                log->info("SIGHUP: closing the current output file");
                session.request_rotate();
            } else {
                log->warn(
                    "SIGHUP ignored: writing the single file {} (output.file, -o), which "
                    "is renamed only at the end; rotation needs rotating files",
                    cfg.output.file);
            }
        }
        if (fast && session.writer_thread().finished() && !fast_deadline) {
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
            const std::uint64_t heartbeat = session.writer_thread().stats().heartbeat;
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
    const StatsSnapshot final_stats = snapshot();
    notifier.status(
        format_status(final_stats.packets, final_stats.flows_done, final_stats.rows_written));
    log_final_stats(*log, final_stats, &result,
                    std::chrono::duration<double>(Clock::now() - started).count());
    if (!session.writer().last_closed_path().empty()) {
        get_logger("output")->info("{} file(s) written, the last one {}",
                                   session.writer().files_closed(),
                                   session.writer().last_closed_path());
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
            // What the start checks without opening a capture handle, the check checks too.
            try {
                check_start_config(cli.config, cli.origins);
            } catch (const config::ConfigError& e) {
                std::fprintf(stderr, "%s\n", e.what());
                return kExitConfig;
            }
            for (const std::string& warning : ignored_settings(cli.config, cli.origins)) {
                std::fprintf(stderr, "flowmeterd: warning: %s\n", warning.c_str());
            }
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
        case CliAction::PrintSchema:
            try {
                const std::string schema = cli.schema == "json"
                                               ? output::json_schema(cli.config)
                                               : output::clickhouse_ddl(cli.config, cli.origins);
                std::fputs(schema.c_str(), stdout);
            } catch (const config::ConfigError& e) {
                std::fprintf(stderr, "%s\n", e.what());
                return kExitConfig;
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
    } catch (const PrivilegeError& e) {
        critical(e.what());
        return kExitNoPerm;
    } catch (const PipelineError& e) {
        critical(e.what());
        return kExitFailure;
    } catch (const std::exception& e) {
        critical(e.what());
        return kExitFailure;
    }
}

}  // namespace fm::daemon
