// SPDX-License-Identifier: BSD-3-Clause
// spdlog setup: one named logger per subsystem (capture, decode, flow, output, daemon), all
// writing to one sink: the systemd journal (when built with libsystemd and stderr is connected
// to the journal, or when asked for) or stderr. Level from logging.level.
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "config/config.hpp"

namespace fm::daemon {

inline constexpr std::array<std::string_view, 5> kLoggerNames = {
    "capture", "decode", "flow", "output", "daemon",
};

/// Creates (or re-creates) the subsystem loggers and makes "daemon" the default logger.
/// Call once at start, before any thread that logs is started. Throws
/// config::ConfigError for an unknown level or an unavailable target.
void setup_logging(const config::LoggingConfig& cfg);

/// The named logger; spdlog's default logger when setup_logging() has not created it.
/// Cold paths only (the lookup takes spdlog's registry lock): keep the pointer.
std::shared_ptr<spdlog::logger> get_logger(std::string_view name);

/// True when stderr is the journal stream systemd set up for this service (JOURNAL_STREAM
/// names the device and inode of stderr).
bool stderr_is_journal() noexcept;

/// Which sink setup_logging() picks for `target` in this process: true for the journal.
bool uses_journal(config::LogTarget target) noexcept;

}  // namespace fm::daemon
