// SPDX-License-Identifier: BSD-3-Clause
// Plain configuration structs with their defaults: the one place defaults live. The YAML loader
// (config_loader.cpp) and the command line both end in these structs; every component receives
// only its own part (DecodeConfig to the decoder, FlowConfig to the flow engine, …).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/profile.hpp"
#include "common/time.hpp"
#include "config/kafka_config.hpp"
#include "config/label_rule.hpp"

namespace fm::config {

enum class CaptureSource { PcapFile, PcapLive, Dpdk };

constexpr std::string_view to_string(CaptureSource s) noexcept {
    switch (s) {
        case CaptureSource::PcapFile:
            return "pcap_file";
        case CaptureSource::PcapLive:
            return "pcap_live";
        case CaptureSource::Dpdk:
            return "dpdk";
    }
    return "pcap_file";
}

constexpr std::optional<CaptureSource> parse_capture_source(std::string_view s) noexcept {
    for (CaptureSource c :
         {CaptureSource::PcapFile, CaptureSource::PcapLive, CaptureSource::Dpdk}) {
        if (s == to_string(c)) {
            return c;
        }
    }
    return std::nullopt;
}

/// Where log lines go. Auto: the journal when stderr is connected to it (JOURNAL_STREAM, as
/// systemd sets it for services) and libsystemd was found at build time, stderr otherwise.
enum class LogTarget { Auto, Stderr, Journald };

constexpr std::string_view to_string(LogTarget t) noexcept {
    switch (t) {
        case LogTarget::Auto:
            return "auto";
        case LogTarget::Stderr:
            return "stderr";
        case LogTarget::Journald:
            return "journald";
    }
    return "auto";
}

constexpr std::optional<LogTarget> parse_log_target(std::string_view s) noexcept {
    for (LogTarget t : {LogTarget::Auto, LogTarget::Stderr, LogTarget::Journald}) {
        if (s == to_string(t)) {
            return t;
        }
    }
    return std::nullopt;
}

struct DpdkConfig {
    std::vector<std::string> eal_args;
    std::vector<std::uint16_t> ports{0};
    std::uint16_t rx_queues = 1;
    std::uint16_t burst_size = 32;

    bool operator==(const DpdkConfig&) const = default;
};

struct CaptureConfig {
    CaptureSource source = CaptureSource::PcapFile;
    std::vector<std::string> files;  ///< processed in order as one stream
    std::string interface;
    std::string bpf_filter;
    std::uint32_t snaplen = 262144;
    bool promiscuous = true;
    std::uint32_t buffer_mb = 64;
    std::uint32_t threads = 1;
    std::uint64_t max_packets = 0;  ///< -c/--count; 0 = no limit
    DpdkConfig dpdk;

    bool operator==(const CaptureConfig&) const = default;
};

struct DecodeConfig {
    bool ipv6 = true;      ///< false: only IPv4 frames make flows (--ipv4-only)
    bool tunnels = false;  ///< decapsulate GRE / IP-in-IP / Teredo

    bool operator==(const DecodeConfig&) const = default;
};

/// pipeline.workers: auto (config/pipeline_layout.hpp says how many that is).
inline constexpr std::uint32_t kAutoWorkers = 0xFFFFFFFFu;
/// The most workers a configuration may ask for.
inline constexpr std::uint32_t kMaxWorkers = 256;

struct PipelineConfig {
    std::uint32_t workers = kAutoWorkers;  ///< 1..kMaxWorkers, or kAutoWorkers
    std::uint32_t queue_capacity = 65536;  ///< packets per worker queue
    std::vector<int> cpu_affinity;         ///< optional: one CPU per worker thread

    bool operator==(const PipelineConfig&) const = default;
};

struct FlowConfig {
    Profile profile = kDefaultProfile;
    Micros flow_timeout_us = 120 * kMicrosPerSecond;    ///< active timeout from first packet
    Micros activity_timeout_us = 5 * kMicrosPerSecond;  ///< active/idle period split
    Micros idle_timeout_us = 0;           ///< 0 = as the profile's reference (no idle expiry)
    std::uint32_t max_flows = 1'000'000;  ///< per process; split across workers

    bool operator==(const FlowConfig&) const = default;
};

struct OutputConfig {
    std::string file;  ///< -o: single CSV file (offline); empty = rotating
    std::string directory = "/var/lib/flowmeterd";
    std::string file_prefix = "flows";
    std::uint64_t rotate_max_bytes = 256ull << 20;
    std::uint32_t rotate_interval_s = 3600;
    std::uint64_t rotate_max_rows = 0;  ///< 0 = no row limit
    std::uint32_t keep_files = 0;       ///< 0 = keep all
    std::string timezone = "UTC";
    std::string label;  ///< empty = the profile's default label
    /// Rows kept in memory while the output cannot be written (disk full, directory gone);
    /// when this many bytes are held the writer stops draining its queue (backpressure).
    std::uint64_t hold_max_bytes = 64ull << 20;
    bool fsync = true;  ///< fsync a file before it is renamed to .csv
    /// Permission bits of every output file, exactly (the umask does not narrow them).
    std::uint32_t file_mode = 0640;
    /// Where rows go: "csv" (the files above), "kafka" (output.kafka) or both.
    std::vector<std::string> sinks = {std::string(kSinkCsv)};
    KafkaConfig kafka;

    bool operator==(const OutputConfig&) const = default;
};

struct LoggingConfig {
    std::string level = "info";
    std::uint32_t stats_interval_s = 60;  ///< 0 = no periodic stats line
    LogTarget target = LogTarget::Auto;

    bool operator==(const LoggingConfig&) const = default;
};

/// The Prometheus endpoint (metrics/): off while `listen` is empty.
struct MetricsConfig {
    std::string listen;  ///< "127.0.0.1:9464", "[::1]:9464" (config/listen_address.hpp)

    bool operator==(const MetricsConfig&) const = default;
};

/// Least privilege without systemd: the account the daemon switches to once its capture
/// handles and output are open (daemon/privileges.hpp). Empty user: no switch.
struct SecurityConfig {
    std::string user;
    std::string group;  ///< empty: the user's primary group

    bool operator==(const SecurityConfig&) const = default;
};

struct DaemonConfig {
    CaptureConfig capture;
    DecodeConfig decode;
    PipelineConfig pipeline;
    FlowConfig flow;
    OutputConfig output;
    LoggingConfig logging;
    MetricsConfig metrics;
    SecurityConfig security;
    /// Ordered labelling rules (`labels:`, --labels): the first that matches a flow gives its
    /// Label column, output.label the rest (docs/labelling.md).
    std::vector<LabelRule> labels;

    bool operator==(const DaemonConfig&) const = default;
};

}  // namespace fm::config
