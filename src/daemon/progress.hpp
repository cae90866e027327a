// SPDX-License-Identifier: BSD-3-Clause
// The progress line of interactive offline runs and batches: packets, bytes, how much of the
// input is read (for a batch also files done / total), active and completed flows, rows
// written, rate and ETA, redrawn in place about once a second when stderr is a terminal (off
// with --quiet). Not used in daemon mode (the stats reporter logs there).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "daemon/stats_reporter.hpp"

namespace fm::daemon {

/// What one progress line shows.
struct ProgressFigures {
    StatsSnapshot stats;            ///< packets, bytes, input_offset, flows, rows
    std::uint64_t input_total = 0;  ///< bytes of input; 0 leaves out the percent and ETA
    std::uint64_t files_done = 0;   ///< batch: captures finished (or skipped)
    std::uint64_t files_total = 0;  ///< batch: captures in it; 0 = not a batch
    double packets_per_s = 0;       ///< over the last redraw period
    double eta_s = -1;              ///< seconds left; negative = unknown
};

/// The text of one progress line (no carriage return).
std::string format_progress_line(const ProgressFigures& f);

/// "0:42", "12:05", "3:02:10".
std::string format_duration(double seconds);

class ProgressMeter {
public:
    /// `input_total`: summed size of the input files in bytes (0 when unknown or live).
    /// `enabled` false makes every call a no-op (default: stderr is a terminal).
    explicit ProgressMeter(
        std::uint64_t input_total, bool enabled = stderr_is_tty(), std::FILE* out = stderr,
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

    /// A batch of `files` captures: the line starts with files done / total.
    void set_files_total(std::uint64_t files) noexcept { files_total_ = files; }

    /// Redraws the line when a second has passed since the last one. Control thread.
    /// `files_done` counts for batches only. Returns true when it drew.
    bool update(const StatsSnapshot& s, std::chrono::steady_clock::time_point now,
                std::uint64_t files_done = 0);
    /// Ends the line (newline) if one was drawn, so later output starts on a fresh line.
    void finish();

    static bool stderr_is_tty() noexcept;

private:
    std::uint64_t input_total_;
    std::uint64_t files_total_ = 0;
    bool enabled_;
    std::FILE* out_;
    bool drawn_ = false;
    std::size_t last_width_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_time_;
    std::uint64_t last_packets_ = 0;
};

}  // namespace fm::daemon
