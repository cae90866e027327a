// SPDX-License-Identifier: BSD-3-Clause
// Logger construction. The journal sink sends the subsystem as the message prefix and the
// level as the journal PRIORITY; the stderr sink adds a time stamp (colours on a terminal).
#include "daemon/logging.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#ifdef FM_HAVE_SYSTEMD
#include <spdlog/sinks/systemd_sink.h>
#endif

#include "config/config_loader.hpp"

namespace fm::daemon {

bool stderr_is_journal() noexcept {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (env == nullptr) {
        return false;
    }
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) {
        return false;
    }
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

bool uses_journal(config::LogTarget target) noexcept {
#ifdef FM_HAVE_SYSTEMD
    return target == config::LogTarget::Journald ||
           (target == config::LogTarget::Auto && stderr_is_journal());
#else
    (void)target;
    return false;
#endif
}

void setup_logging(const config::LoggingConfig& cfg) {
    const spdlog::level::level_enum level = spdlog::level::from_str(cfg.level);
    bool known = false;
    for (std::string_view l : config::log_level_names()) {
        known = known || l == cfg.level;
    }
    if (!known) {
        throw config::ConfigError("logging", "logging.level",
                                  fmt::format("unknown level \"{}\"", cfg.level));
    }

    spdlog::sink_ptr sink;
    if (uses_journal(cfg.target)) {
#ifdef FM_HAVE_SYSTEMD
        auto s = std::make_shared<spdlog::sinks::systemd_sink_mt>("flowmeterd", true);
        s->set_pattern("[%n] %v");
        sink = s;
#endif
    } else if (cfg.target == config::LogTarget::Journald) {
        throw config::ConfigError("logging", "logging.target",
                                  "journald: this flowmeterd was built without libsystemd");
    }
    if (!sink) {
        if (isatty(STDERR_FILENO) != 0) {
            sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        } else {
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        }
        sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
    }

    for (std::string_view name : kLoggerNames) {
        spdlog::drop(std::string(name));
        auto logger = std::make_shared<spdlog::logger>(std::string(name), sink);
        logger->set_level(level);
        logger->flush_on(spdlog::level::warn);
        spdlog::register_logger(logger);
        if (name == "daemon") {
            spdlog::set_default_logger(logger);
        }
    }
}

std::shared_ptr<spdlog::logger> get_logger(std::string_view name) {
    if (auto l = spdlog::get(std::string(name))) {
        return l;
    }
    return spdlog::default_logger();
}

}  // namespace fm::daemon
