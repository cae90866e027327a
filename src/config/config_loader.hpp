// SPDX-License-Identifier: BSD-3-Clause
// YAML configuration -> DaemonConfig, and the checks every configuration passes before the
// daemon starts. This is the only place that knows yaml-cpp. Errors name the place and the key:
// `FILE:LINE: key: message` for values from a file, `command line (--flag): key: message` for
// values given as flags; the daemon prints them and exits 78 (EX_CONFIG).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace fm::config {

/// A configuration that cannot be used. what() is the complete message
/// (`WHERE: key: message`); the parts are kept for tests and for callers that re-format.
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string where, std::string key, std::string message);

    const std::string& where() const noexcept { return where_; }
    const std::string& key() const noexcept { return key_; }
    const std::string& message() const noexcept { return message_; }

private:
    std::string where_;
    std::string key_;
    std::string message_;
};

/// Remembers where each key got its value (`FILE:LINE` or `command line (--flag)`), so that a
/// check that runs after file and flags are merged can still point at the right place.
class Origins {
public:
    /// `fallback` names the place of keys nobody set: the file name, or "defaults".
    explicit Origins(std::string fallback = "defaults") : fallback_(std::move(fallback)) {}

    void set(std::string_view key, std::string where);
    /// Where `key` was set, or the fallback when it kept its default.
    const std::string& where(std::string_view key) const;
    /// True when `key` was set by the file or a flag.
    bool was_set(std::string_view key) const;
    const std::string& fallback() const noexcept { return fallback_; }

private:
    std::string fallback_;
    std::map<std::string, std::string, std::less<>> where_;
};

/// What the build offers; the defaults describe this build, tests pass other values.
struct BuildFeatures {
#ifdef FM_HAVE_DPDK
    bool dpdk = true;
#else
    bool dpdk = false;
#endif
#ifdef FM_HAVE_SYSTEMD
    bool systemd = true;
#else
    bool systemd = false;
#endif
#ifdef FM_HAVE_METRICS
    bool metrics = true;
#else
    bool metrics = false;
#endif
#ifdef FM_HAVE_KAFKA
    bool kafka = true;
#else
    bool kafka = false;
#endif
};

struct LoadedConfig {
    DaemonConfig config;
    Origins origins;
};

/// Reads and type-checks a YAML file: unknown keys (at any level), duplicate keys, wrong types
/// and unknown enum names are rejected. Keys that are absent keep their defaults. Ranges and
/// rules between keys are checked by validate(), after command-line flags are applied.
/// Throws ConfigError (also when the file cannot be read).
LoadedConfig parse_config_file(const std::string& path);

/// The whole text of a configuration or rule file; ConfigError `PATH: (file): cannot read: …`
/// when it cannot be read.
std::string read_config_file(const std::string& path);

/// As parse_config_file, for YAML text already in memory; `name` stands for the file name.
LoadedConfig parse_config_text(std::string_view yaml, const std::string& name);

/// Range checks and rules between keys (cpu_affinity size == workers, dpdk source needs a DPDK
/// build, a pcap_file source needs files, …). Throws ConfigError naming the key's origin.
void validate(const DaemonConfig& config, const Origins& origins,
              const BuildFeatures& build = BuildFeatures{});

/// The effective configuration as YAML in the layout of config/flowmeter.yaml; parsing the
/// result gives back the same DaemonConfig.
std::string to_yaml(const DaemonConfig& config);

/// Every leaf key the loader accepts, dotted (`capture.dpdk.eal_args`), in file order.
std::span<const std::string_view> known_keys();

/// Converts seconds (as written in the file or a flag) to Micros; nullopt when the value is
/// negative, not finite or too large to hold.
std::optional<Micros> seconds_to_micros(double seconds) noexcept;

/// Accepted values of logging.level (spdlog level names).
std::span<const std::string_view> log_level_names();

}  // namespace fm::config
