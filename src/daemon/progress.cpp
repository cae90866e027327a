// SPDX-License-Identifier: BSD-3-Clause
// ProgressMeter: a single line rewritten with '\r'; shorter lines are padded with spaces so no
// characters of the previous one remain. The ETA extrapolates the share of input bytes read
// since the start (bytes, not packets: the size of the input is known before it is read).
#include "daemon/progress.hpp"

#include <algorithm>
#include <cmath>

#include <unistd.h>

#include <fmt/format.h>

namespace fm::daemon {

namespace {

constexpr auto kRedrawPeriod = std::chrono::seconds(1);
/// Below this share of the input read, an extrapolated ETA is noise: left out.
constexpr double kMinEtaFraction = 0.001;

}  // namespace

std::string format_duration(double seconds) {
    const auto total = static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0)));
    const std::uint64_t h = total / 3600;
    const std::uint64_t m = total / 60 % 60;
    const std::uint64_t s = total % 60;
    return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::string format_progress_line(const ProgressFigures& f) {
    const StatsSnapshot& s = f.stats;
    std::string line;
    if (f.files_total > 0) {
        line = fmt::format("files {}/{}  ", f.files_done, f.files_total);
    }
    line += fmt::format("packets {}  bytes {}", format_count(static_cast<double>(s.packets)),
                        format_bytes(static_cast<double>(s.bytes)));
    if (f.input_total > 0) {
        const double pct = 100.0 * static_cast<double>(std::min(s.input_offset, f.input_total)) /
                           static_cast<double>(f.input_total);
        line += fmt::format("  {:.1f}% of {}", pct, f.files_total > 0 ? "bytes" : "input");
    }
    line += fmt::format("  active flows {}  completed flows {}  rows {}  {} pkt/s",
                        format_count(static_cast<double>(s.flows_active)),
                        format_count(static_cast<double>(s.flows_done)),
                        format_count(static_cast<double>(s.rows_written)),
                        format_count(f.packets_per_s));
    if (f.eta_s >= 0) {
        line += fmt::format("  ETA {}", format_duration(f.eta_s));
    }
    return line;
}

ProgressMeter::ProgressMeter(std::uint64_t input_total, bool enabled, std::FILE* out,
                             std::chrono::steady_clock::time_point start)
    : input_total_(input_total), enabled_(enabled), out_(out), start_(start), last_time_(start) {}

bool ProgressMeter::stderr_is_tty() noexcept {
    return isatty(STDERR_FILENO) != 0;
}

bool ProgressMeter::update(const StatsSnapshot& s, std::chrono::steady_clock::time_point now,
                           std::uint64_t files_done) {
    if (!enabled_ || now - last_time_ < kRedrawPeriod) {
        return false;
    }
    ProgressFigures f;
    f.stats = s;
    f.input_total = input_total_;
    f.files_done = files_done;
    f.files_total = files_total_;
    const double secs = std::chrono::duration<double>(now - last_time_).count();
    f.packets_per_s =
        s.packets >= last_packets_ ? static_cast<double>(s.packets - last_packets_) / secs : 0;
    if (input_total_ > 0) {
        const double done = static_cast<double>(std::min(s.input_offset, input_total_)) /
                            static_cast<double>(input_total_);
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        if (done >= kMinEtaFraction) {
            f.eta_s = elapsed * (1.0 - done) / done;
        }
    }
    const std::string line = format_progress_line(f);
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
