// SPDX-License-Identifier: BSD-3-Clause
// The progress line of interactive offline runs: packets, bytes, % of the input files, flows
// and rate, redrawn in place about once a second when stderr is a terminal. Not used in daemon
// mode (the stats reporter logs there).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "daemon/stats_reporter.hpp"

namespace fm::daemon {

/// The text of one progress line (no carriage return). `input_total` 0 leaves out the percent.
std::string format_progress_line(const StatsSnapshot& s, std::uint64_t input_total,
                                 double packets_per_s);

class ProgressMeter {
public:
    /// `input_total`: summed size of the input files in bytes (0 when unknown or live).
    /// `enabled` false makes every call a no-op (default: stderr is a terminal).
    explicit ProgressMeter(
        std::uint64_t input_total, bool enabled = stderr_is_tty(), std::FILE* out = stderr,
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

    /// Redraws the line when a second has passed since the last one. Control thread.
    /// Returns true when it drew.
    bool update(const StatsSnapshot& s, std::chrono::steady_clock::time_point now);
    /// Ends the line (newline) if one was drawn, so later output starts on a fresh line.
    void finish();

    static bool stderr_is_tty() noexcept;

private:
    std::uint64_t input_total_;
    bool enabled_;
    std::FILE* out_;
    bool drawn_ = false;
    std::size_t last_width_ = 0;
    std::chrono::steady_clock::time_point last_time_;
    std::uint64_t last_packets_ = 0;
};

}  // namespace fm::daemon
