// SPDX-License-Identifier: BSD-3-Clause
// Stats line formatting and the periodic reporter.
#include "daemon/stats_reporter.hpp"

#include <array>
#include <cmath>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "daemon/logging.hpp"

namespace fm::daemon {

namespace {

std::string three_digits(double v, std::string_view unit) {
    if (v < 10) {
        return fmt::format("{:.2f}{}", v, unit);
    }
    if (v < 100) {
        return fmt::format("{:.1f}{}", v, unit);
    }
    return fmt::format("{:.0f}{}", v, unit);
}

double rate(std::uint64_t now, std::uint64_t before, double seconds) {
    if (seconds <= 0 || now < before) {
        return 0;
    }
    return static_cast<double>(now - before) / seconds;
}

/// The value of the detail counter `name`, or nothing when the run has no such counter.
std::optional<std::uint64_t> detail(const StatsSnapshot& s, std::string_view name) {
    for (const auto& [n, v] : s.details) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string format_count(double v) {
    constexpr std::array<std::string_view, 5> kUnits = {"", "k", "M", "G", "T"};
    if (v < 1000) {
        return fmt::format("{:.0f}", v);
    }
    std::size_t u = 0;
    while (v >= 999.5 && u + 1 < kUnits.size()) {
        v /= 1000;
        ++u;
    }
    return three_digits(v, kUnits[u]);
}

std::string format_bytes(double v) {
    constexpr std::array<std::string_view, 6> kUnits = {" B",   " KiB", " MiB",
                                                        " GiB", " TiB", " PiB"};
    if (v < 1024) {
        return fmt::format("{:.0f} B", v);
    }
    std::size_t u = 0;
    while (v >= 1023.5 && u + 1 < kUnits.size()) {
        v /= 1024;
        ++u;
    }
    return three_digits(v, kUnits[u]);
}

std::string format_stats_line(const StatsSnapshot& s, const StatsSnapshot& b, double seconds) {
    std::string line = fmt::format(
        "stats: packets {} ({}/s), bytes {} ({}/s), flows active {} done {} ({}/s), rows {}, "
        "capture drops {}, not decoded {}, rows held {}",
        s.packets, format_count(rate(s.packets, b.packets, seconds)), s.bytes,
        format_bytes(rate(s.bytes, b.bytes, seconds)), s.flows_active, s.flows_done,
        format_count(rate(s.flows_done, b.flows_done, seconds)), s.rows_written, s.capture_drops,
        s.decode_errors, s.rows_held);
    // With the Kafka sink: how its delivery keeps up, and what waits for the brokers (an
    // outage shows here first).
    if (const auto delivered = detail(s, "kafka.rows_delivered")) {
        line += fmt::format(
            ", kafka delivered {}, waiting in memory {}, spooled {} ({})", *delivered,
            detail(s, "kafka.rows_queued_now").value_or(0),
            detail(s, "kafka.rows_spooled").value_or(0),
            format_bytes(static_cast<double>(detail(s, "kafka.spool_bytes_now").value_or(0))));
    }
    return line;
}

std::vector<std::string> format_final_stats(const StatsSnapshot& s, double seconds) {
    std::vector<std::string> lines;
    const double secs = seconds > 0 ? seconds : 0;
    lines.push_back(fmt::format("final: {:.3f} s, {} packets ({}/s), {} bytes ({}/s)", secs,
                                s.packets, format_count(rate(s.packets, 0, secs)), s.bytes,
                                format_bytes(rate(s.bytes, 0, secs))));
    lines.push_back(
        fmt::format("final: {} flows, {} rows written, {} rows held during write "
                    "errors, {} capture drops, {} packets not decoded",
                    s.flows_done, s.rows_written, s.rows_held, s.capture_drops, s.decode_errors));
    for (const auto& [name, value] : s.details) {
        if (value != 0) {
            lines.push_back(fmt::format("final: {} {}", name, value));
        }
    }
    return lines;
}

StatsReporter::StatsReporter(std::chrono::seconds interval, Source source,
                             std::shared_ptr<spdlog::logger> logger,
                             std::chrono::steady_clock::time_point start)
    : interval_(interval),
      source_(std::move(source)),
      log_(logger ? std::move(logger) : get_logger("daemon")),
      start_(start),
      last_time_(start_),
      last_(source_()) {}

bool StatsReporter::tick(std::chrono::steady_clock::time_point now) {
    if (interval_.count() == 0 || now - last_time_ < interval_) {
        return false;
    }
    StatsSnapshot s = source_();
    const double seconds = std::chrono::duration<double>(now - last_time_).count();
    log_->info("{}", format_stats_line(s, last_, seconds));
    last_ = std::move(s);
    last_time_ = now;
    return true;
}

void StatsReporter::log_final(std::chrono::steady_clock::time_point now) {
    const StatsSnapshot s = source_();
    for (const std::string& line :
         format_final_stats(s, std::chrono::duration<double>(now - start_).count())) {
        log_->info("{}", line);
    }
}

}  // namespace fm::daemon
