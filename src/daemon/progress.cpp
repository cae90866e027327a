// SPDX-License-Identifier: BSD-3-Clause
// ProgressMeter: a single line rewritten with '\r'; shorter lines are padded with spaces so no
// characters of the previous one remain.
#include "daemon/progress.hpp"

#include <algorithm>

#include <unistd.h>

#include <fmt/format.h>

namespace fm::daemon {

namespace {

constexpr auto kRedrawPeriod = std::chrono::seconds(1);

}  // namespace

std::string format_progress_line(const StatsSnapshot& s, std::uint64_t input_total,
                                 double packets_per_s) {
    std::string line =
        fmt::format("packets {}  bytes {}", format_count(static_cast<double>(s.packets)),
                    format_bytes(static_cast<double>(s.bytes)));
    if (input_total > 0) {
        const double pct = 100.0 * static_cast<double>(std::min(s.input_offset, input_total)) /
                           static_cast<double>(input_total);
        line += fmt::format("  {:.1f}% of input", pct);
    }
    line += fmt::format("  flows {}  {} pkt/s", format_count(static_cast<double>(s.flows_done)),
                        format_count(packets_per_s));
    return line;
}

ProgressMeter::ProgressMeter(std::uint64_t input_total, bool enabled, std::FILE* out,
                             std::chrono::steady_clock::time_point start)
    : input_total_(input_total), enabled_(enabled), out_(out), last_time_(start) {}

bool ProgressMeter::stderr_is_tty() noexcept {
    return isatty(STDERR_FILENO) != 0;
}

bool ProgressMeter::update(const StatsSnapshot& s, std::chrono::steady_clock::time_point now) {
    if (!enabled_ || now - last_time_ < kRedrawPeriod) {
        return false;
    }
    const double secs = std::chrono::duration<double>(now - last_time_).count();
    const double pps =
        s.packets >= last_packets_ ? static_cast<double>(s.packets - last_packets_) / secs : 0;
    const std::string line = format_progress_line(s, input_total_, pps);
    const std::size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
    fmt::print(out_, "\r{}{:{}}", line, "", pad);
    std::fflush(out_);
    last_width_ = line.size();
    last_time_ = now;
    last_packets_ = s.packets;
    drawn_ = true;
    return true;
}

void ProgressMeter::finish() {
    if (enabled_ && drawn_) {
        fmt::print(out_, "\n");
        std::fflush(out_);
        drawn_ = false;
    }
}

}  // namespace fm::daemon
