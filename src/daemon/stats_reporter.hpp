// SPDX-License-Identifier: BSD-3-Clause
// Periodic statistics: the control thread collects a StatsSnapshot (relaxed loads of the
// per-thread counters, summed here and not in the workers, STYLE 4.6) and logs one line every
// logging.stats_interval_s in daemon mode, and the final statistics at the end of a run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace fm::daemon {

/// Totals since start. Who fills what: capture (packets, bytes, input_offset, capture_drops),
/// decode (decode_errors), flow (flows_active, flows_done), output (rows_*).
struct StatsSnapshot {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;          ///< wire bytes of the packets
    std::uint64_t input_offset = 0;   ///< bytes of the input files read so far (offline)
    std::uint64_t capture_drops = 0;  ///< packets the kernel or NIC dropped
    std::uint64_t decode_errors = 0;  ///< packets that made no flow (all decode.* reasons)
    std::uint64_t flows_active = 0;   ///< flows in the tables now
    std::uint64_t flows_done = 0;     ///< flows finished and emitted
    std::uint64_t rows_written = 0;
    std::uint64_t rows_held = 0;  ///< output.rows_held_io: rows held during write errors
    /// Named counters for the final statistics (`decode.truncated_ipv4`, …); zeros are skipped.
    std::vector<std::pair<std::string, std::uint64_t>> details;
};

/// "1234", "12.3k", "4.57M", "1.20G": three significant digits.
std::string format_count(double value);
/// "512 B", "12.3 KiB", "4.57 MiB", "1.20 GiB".
std::string format_bytes(double value);

/// One stats line: totals, and rates over `seconds` since `before`.
std::string format_stats_line(const StatsSnapshot& now, const StatsSnapshot& before,
                              double seconds);
/// The final statistics, one line per item, for the end of a run.
std::vector<std::string> format_final_stats(const StatsSnapshot& s, double seconds);

class StatsReporter {
public:
    using Source = std::function<StatsSnapshot()>;

    /// `start` is the time of the initial snapshot (injectable for tests).
    /// `interval` 0 turns the periodic line off (tick() does nothing). Lines go to `logger`,
    /// the "daemon" logger by default.
    StatsReporter(std::chrono::seconds interval, Source source,
                  std::shared_ptr<spdlog::logger> logger = nullptr,
                  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

    /// Logs a line when `interval` has passed since the previous one. Control thread.
    /// Returns true when it logged.
    bool tick(std::chrono::steady_clock::time_point now);

    /// Logs the final statistics (always, also with interval 0).
    void log_final(std::chrono::steady_clock::time_point now);

    /// The snapshot taken by the last tick() that logged (or at construction).
    const StatsSnapshot& last() const noexcept { return last_; }

private:
    std::chrono::seconds interval_;
    Source source_;
    std::shared_ptr<spdlog::logger> log_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_time_;
    StatsSnapshot last_;
};

}  // namespace fm::daemon
