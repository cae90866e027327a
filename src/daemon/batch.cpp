// SPDX-License-Identifier: BSD-3-Clause
// Batch mode. Job threads take the next capture from a shared index and run it to the end
// with its own Run (one capture thread, one worker, one writer), so there is nothing to
// coordinate between captures but the index. The control thread (the main thread) sleeps on
// the signal eventfd: a job thread that finishes the last capture wakes it, so the batch ends
// as soon as its last file is closed.
//
// Files interrupted by a stop signal are renamed back to NAME.partial (the writer's name for
// an unfinished file) so that a later --skip-existing run, which trusts every complete name,
// processes them again.
#include "daemon/batch.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "config/pipeline_layout.hpp"
#include "daemon/batch_files.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/logging.hpp"
#include "daemon/progress.hpp"
#include "daemon/run.hpp"
#include "daemon/signals.hpp"

namespace fm::daemon {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Longest sleep of the control loop between progress redraws and signal checks; the end of
/// the batch wakes it at once.
constexpr std::chrono::milliseconds kControlTick{250};

enum class Outcome {
    NotStarted,   ///< a stop signal came first
    Done,         ///< processed, CSV complete
    Failed,       ///< an error (the CSV holds what was read, if anything)
    Existing,     ///< --skip-existing: the CSV was already there
    Interrupted,  ///< stopped midway; the rows so far are in OUT.partial
};

struct Job {
    BatchFile file;
    std::string output;  ///< OUT/<expanded --output-name>
    Outcome outcome = Outcome::NotStarted;
    std::string error;
    std::uint64_t packets = 0;
    std::uint64_t valid_packets = 0;
    std::uint64_t drained_flows = 0;  ///< flows still open at the end of the capture
    std::uint64_t rows = 0;
};

/// What the control thread reads while jobs run: finished totals plus the live Runs.
class BatchMonitor {
public:
    explicit BatchMonitor(std::size_t jobs) : live_(jobs, nullptr) {}

    void attach(std::size_t slot, Run* run) {
        const std::lock_guard lock(mutex_);
        live_[slot] = run;
    }

    /// The job's Run ends: its final figures join the totals.
    void detach(std::size_t slot, const StatsSnapshot& final_stats, std::uint64_t input_size) {
        const std::lock_guard lock(mutex_);
        live_[slot] = nullptr;
        finished_.packets += final_stats.packets;
        finished_.bytes += final_stats.bytes;
        finished_.flows_done += final_stats.flows_done;
        finished_.rows_written += final_stats.rows_written;
        finished_.input_offset += input_size;
        ++files_done_;
    }

    /// A job that never got a Run (an error at start, an existing output).
    void count_file(std::uint64_t input_size) {
        const std::lock_guard lock(mutex_);
        finished_.input_offset += input_size;
        ++files_done_;
    }

    StatsSnapshot snapshot(std::uint64_t& files_done) const {
        const std::lock_guard lock(mutex_);
        StatsSnapshot s = finished_;
        for (const Run* run : live_) {
            if (run == nullptr) {
                continue;
            }
            const StatsSnapshot r = run->snapshot();
            s.packets += r.packets;
            s.bytes += r.bytes;
            s.input_offset += r.input_offset;
            s.flows_active += r.flows_active;
            s.flows_done += r.flows_done;
            s.rows_written += r.rows_written;
        }
        files_done = files_done_;
        return s;
    }

    /// Second stop signal: every running capture stops fast.
    void fast_stop() {
        const std::lock_guard lock(mutex_);
        for (Run* run : live_) {
            if (run != nullptr) {
                run->request_fast_stop();
            }
        }
    }

private:
    mutable std::mutex mutex_;
    std::vector<Run*> live_;  ///< live_[slot]: the Run of job thread `slot`, or null
    StatsSnapshot finished_;
    std::uint64_t files_done_ = 0;
};

/// The configuration of one capture's run: the batch's settings, that file, that output.
config::DaemonConfig job_config(const config::DaemonConfig& base, const Job& job) {
    config::DaemonConfig cfg = base;
    cfg.capture.source = config::CaptureSource::PcapFile;
    cfg.capture.files = {job.file.path};
    cfg.output.file = job.output;
    // Parallelism comes from the jobs; one worker per capture keeps each file's row order
    // that of `flowmeterd -f FILE --workers 1`. An explicit --workers is kept.
    if (cfg.pipeline.workers == config::kAutoWorkers) {
        cfg.pipeline.workers = 1;
    }
    cfg.pipeline.cpu_affinity.clear();
    return cfg;
}

/// Runs one capture to its end (or a stop) and fills in its outcome.
void process(const config::DaemonConfig& base, Job& job, std::size_t slot, BatchMonitor& monitor,
             const std::atomic<bool>& stop) {
    const config::DaemonConfig cfg = job_config(base, job);
    RunOptions options;
    options.pipeline.stop_flag = &stop;
    bool attached = false;
    try {
        Run run(cfg, options);
        monitor.attach(slot, &run);
        attached = true;
        PipelineResult result;
        try {
            run.start();
            result = run.wait();
        } catch (...) {
            monitor.detach(slot, StatsSnapshot{}, job.file.size);
            throw;
        }
        const StatsSnapshot final_stats = run.snapshot();
        monitor.detach(slot, final_stats, job.file.size);
        job.packets = result.stats.packets_read;
        job.valid_packets = result.stats.packets_decoded;
        job.drained_flows = result.flow.ended_drain;
        job.rows = result.writer.rows_written;
        std::vector<std::string> errors = result.source_errors;
        for (const std::string& e : run.inputs().open_errors()) {
            errors.push_back(e);
        }
        if (!result.capture_error.empty()) {
            errors.push_back(result.capture_error);
        }
        std::error_code ec;
        const bool complete = fs::is_regular_file(job.output, ec);
        if (!complete) {
            errors.push_back(fmt::format("{} was not completed: {}", job.output,
                                         run.writer().last_error().empty()
                                             ? std::string("stopped")
                                             : run.writer().last_error()));
        }
        const bool read_all = result.stats.input_offset >= job.file.size;
        if (stop.load(std::memory_order_relaxed) && !read_all && errors.empty()) {
            // Stopped midway: the complete-looking CSV holds only part of the capture.
            fs::rename(job.output, job.output + ".partial", ec);
            job.outcome = Outcome::Interrupted;
            return;
        }
        if (!errors.empty()) {
            job.outcome = Outcome::Failed;
            job.error = errors.front();
            for (std::size_t i = 1; i < errors.size(); ++i) {
                job.error += "; " + errors[i];
            }
            return;
        }
        job.outcome = Outcome::Done;
    } catch (const std::exception& e) {
        job.outcome = Outcome::Failed;
        job.error = e.what();
        if (!attached) {
            monitor.count_file(job.file.size);  // no Run existed (its constructor threw)
        }
    }
}

std::string summary_line(const Job& job) {
    switch (job.outcome) {
        case Outcome::Done:
            return fmt::format("{}: {} packets, {} rows -> {}", job.file.path, job.packets,
                               job.rows, job.output);
        case Outcome::Failed: {
            // The reader's messages start with the path already.
            std::string_view error = job.error;
            const std::string prefix = job.file.path + ": ";
            if (error.starts_with(prefix)) {
                error.remove_prefix(prefix.size());
            }
            return fmt::format("{}: FAILED: {} ({} packets, {} rows)", job.file.path, error,
                               job.packets, job.rows);
        }
        case Outcome::Existing:
            return fmt::format("{}: {} exists, skipped (--skip-existing)", job.file.path,
                               job.output);
        case Outcome::Interrupted:
            return fmt::format("{}: interrupted after {} packets; rows so far in {}.partial",
                               job.file.path, job.packets, job.output);
        case Outcome::NotStarted:
            break;
    }
    return fmt::format("{}: not processed (stopped)", job.file.path);
}

}  // namespace

int run_batch(const CliResult& cli) {
    const BatchOptions& opt = cli.batch;
    const auto log = get_logger("daemon");
    Signals signals;
    const auto started = Clock::now();

    BatchListing listing = list_batch_inputs(opt.inputs, opt.recursive);
    for (const std::string& line : listing.skipped) {
        log->warn("{}", line);
    }
    for (const std::string& line : listing.errors) {
        log->error("{}", line);
    }

    std::error_code ec;
    fs::create_directories(opt.output_dir, ec);
    if (ec || !fs::is_directory(opt.output_dir, ec)) {
        log->critical("--output-dir {}: cannot create: {}", opt.output_dir,
                      ec ? ec.message() : std::string("not a directory"));
        return kExitCantCreate;
    }

    std::vector<Job> jobs(listing.captures.size());
    std::map<std::string, std::size_t> by_output;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        jobs[i].file = std::move(listing.captures[i]);
        jobs[i].output =
            (fs::path(opt.output_dir) / expand_output_name(opt.output_name, jobs[i].file, i + 1))
                .string();
        const auto [it, inserted] = by_output.emplace(jobs[i].output, i);
        if (!inserted) {
            log->critical(
                "{} and {} would both be written to {}: use --output-name with {{dir}} or "
                "{{index}}",
                jobs[it->second].file.path, jobs[i].file.path, jobs[i].output);
            return kExitUsage;
        }
    }

    // The captures still to do, in input order.
    std::vector<std::size_t> todo;
    std::uint64_t todo_bytes = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (opt.skip_existing && fs::is_regular_file(jobs[i].output, ec)) {
            jobs[i].outcome = Outcome::Existing;
            continue;
        }
        todo.push_back(i);
        todo_bytes += jobs[i].file.size;
    }
    const std::uint32_t want_jobs = opt.jobs != 0 ? opt.jobs : config::usable_cpus();
    const std::size_t n_threads = std::clamp<std::size_t>(todo.size(), 1, want_jobs);
    log->info(
        "flowmeterd {}: batch of {} capture(s) ({} to process, {}), {} job(s), profile {}, "
        "writing {}",
        version_string(), jobs.size(), todo.size(), format_bytes(static_cast<double>(todo_bytes)),
        n_threads, to_string(cli.config.flow.profile), opt.output_dir);

    BatchMonitor monitor(n_threads);
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> threads_left{n_threads};
    std::vector<std::thread> threads;
    threads.reserve(n_threads);
    for (std::size_t t = 0; t < n_threads; ++t) {
        threads.emplace_back([&, t] {
            for (;;) {
                if (stop.load(std::memory_order_relaxed)) {
                    break;
                }
                const std::size_t k = next.fetch_add(1, std::memory_order_relaxed);
                if (k >= todo.size()) {
                    break;
                }
                Job& job = jobs[todo[k]];
                process(cli.config, job, t, monitor, stop);
            }
            if (threads_left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                signals.wake();
            }
        });
    }

    const bool show_progress = !cli.quiet && ProgressMeter::stderr_is_tty();
    ProgressMeter progress(todo_bytes, show_progress);
    progress.set_files_total(todo.size());
    bool fast = false;
    while (threads_left.load(std::memory_order_acquire) != 0) {
        signals.wait(kControlTick);
        if (signals.stop_requested() && !stop.load(std::memory_order_relaxed)) {
            progress.finish();
            log->info("stop requested: ending the captures in progress, starting no other");
            stop.store(true, std::memory_order_relaxed);
        }
        if (signals.fast_stop_requested() && !fast) {
            fast = true;
            monitor.fast_stop();
        }
        if (show_progress) {
            std::uint64_t files_done = 0;
            const StatsSnapshot s = monitor.snapshot(files_done);
            progress.update(s, Clock::now(), files_done);
        }
    }
    for (std::thread& t : threads) {
        t.join();
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    std::size_t counts[5] = {};
    std::uint64_t packets = 0;
    std::uint64_t valid = 0;
    std::uint64_t drained = 0;
    std::uint64_t rows = 0;
    for (const Job& job : jobs) {
        ++counts[static_cast<int>(job.outcome)];
        packets += job.packets;
        valid += job.valid_packets;
        drained += job.drained_flows;
        rows += job.rows;
        if (job.outcome == Outcome::Failed) {
            log->error("{}", summary_line(job));
        } else {
            log->info("{}", summary_line(job));
        }
    }
    // The seed's four figures first, summed over the captures.
    log->info("total packets processed: {}", packets);
    log->info("valid flow packets: {}", valid);
    log->info("active flows at end of input: {}", drained);
    log->info("completed flows written: {}", rows);
    const std::size_t processed = counts[static_cast<int>(Outcome::Done)] +
                                  counts[static_cast<int>(Outcome::Failed)] +
                                  counts[static_cast<int>(Outcome::Interrupted)];
    log->info(
        "batch: {} capture(s): {} done, {} failed, {} interrupted, {} not started, {} "
        "already done; {} skipped as not captures, {} unreadable",
        jobs.size(), counts[static_cast<int>(Outcome::Done)],
        counts[static_cast<int>(Outcome::Failed)], counts[static_cast<int>(Outcome::Interrupted)],
        counts[static_cast<int>(Outcome::NotStarted)], counts[static_cast<int>(Outcome::Existing)],
        listing.skipped.size(), listing.errors.size());
    log->info("batch: {:.3f} s, {:.1f} files/s, {} packets/s, {} job(s)", seconds,
              seconds > 0 ? static_cast<double>(processed) / seconds : 0.0,
              format_count(seconds > 0 ? static_cast<double>(packets) / seconds : 0.0), n_threads);

    const bool incomplete = counts[static_cast<int>(Outcome::Failed)] != 0 ||
                            counts[static_cast<int>(Outcome::Interrupted)] != 0 ||
                            counts[static_cast<int>(Outcome::NotStarted)] != 0 ||
                            !listing.errors.empty();
    return incomplete ? kExitFailure : kExitOk;
}

}  // namespace fm::daemon
