// SPDX-License-Identifier: BSD-3-Clause
// Command-line parsing with CLI11. Flag values are taken as text and converted here, so that a
// bad value reads like a bad value in the file (`command line (--workers): pipeline.workers:
// …`) and gets the same exit status (78); only malformed command lines are usage errors (64).
#include "daemon/cli.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/label_rules_loader.hpp"

namespace fm::daemon {

namespace {

#ifdef FM_VERSION
constexpr const char* kVersion = FM_VERSION;
#else
constexpr const char* kVersion = "unknown";
#endif

std::string flag_origin(std::string_view flag) {
    return fmt::format("command line ({})", flag);
}

template <class T>
T parse_unsigned(const std::string& text, std::string_view flag, std::string_view key) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        throw config::ConfigError(flag_origin(flag), std::string(key),
                                  fmt::format("expected a non-negative integer, got \"{}\"", text));
    }
    if (v > std::numeric_limits<T>::max()) {
        throw config::ConfigError(
            flag_origin(flag), std::string(key),
            fmt::format("{} does not fit: at most {}", text, std::numeric_limits<T>::max()));
    }
    return static_cast<T>(v);
}

Micros parse_seconds(const std::string& text, std::string_view flag, std::string_view key) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) {
        if (auto us = config::seconds_to_micros(v)) {
            return *us;
        }
    }
    throw config::ConfigError(
        flag_origin(flag), std::string(key),
        fmt::format("expected a number of seconds from 0 to 1e9, got \"{}\"", text));
}

struct Flags {
    std::string config_path;
    bool check_config = false;
    bool list = false;
    bool version = false;
    std::string interface;
    std::vector<std::string> files;
    std::string output;
    std::string timeout;
    std::string count;
    std::string profile;
    std::string workers;
    bool ipv4_only = false;
    std::string timezone;
    std::string label;
    std::string labels_path;
    std::string activity_timeout;
    std::string log_level;
};

}  // namespace

const char* version_string() noexcept {
    return kVersion;
}

CliResult parse_command_line(int argc, const char* const* argv,
                             const config::BuildFeatures& build) {
    CLI::App app{
        "flowmeterd: network flow meter writing CICFlowMeter features as CSV.\n"
        "Interactive: flowmeterd -f capture.pcap [-o flows.csv]   or   flowmeterd -i eth0\n"
        "Daemon:      flowmeterd --config /etc/flowmeter.yaml   (flags override the file)",
        "flowmeterd"};
    Flags f;

    // Seed-compatible flags: names, meaning and defaults unchanged.
    auto* o_iface = app.add_option("-i,--interface", f.interface, "Capture live on this interface")
                        ->type_name("NAME");
    auto* o_file = app.add_option("-f,--file", f.files,
                                  "Read this capture file (pcap or pcapng); repeat for several, "
                                  "read in order as one stream")
                       ->type_name("FILE")
                       ->allow_extra_args(false);  // one file per -f, as the seed parsed it
    auto* o_out = app.add_option("-o,--output", f.output,
                                 "Write flows to this CSV file (default flows.csv without "
                                 "--config)")
                      ->type_name("FILE");
    auto* o_timeout =
        app.add_option("-t,--timeout", f.timeout, "Flow timeout in seconds (default 120)")
            ->type_name("SECONDS");
    auto* o_count =
        app.add_option("-c,--count", f.count, "Stop after this many packets (0 = no limit)")
            ->type_name("PACKETS");
    app.add_flag("-l,--list", f.list, "List capture interfaces with description and addresses");

    // Daemon face and overrides.
    app.add_option("--config", f.config_path, "Read the configuration from this YAML file")
        ->type_name("FILE");
    app.add_flag("--check-config", f.check_config,
                 "Validate the configuration, print the effective one and exit");
    auto* o_profile =
        app.add_option("--profile", f.profile, "Output profile: cic2017, cic2018, v4 or fixed")
            ->type_name("NAME");
    auto* o_workers =
        app.add_option("--workers", f.workers,
                       "Flow worker threads, or auto (default: usable CPUs, minus 1 above 2 CPUs)")
            ->type_name("N|auto");
    auto* o_ipv4 = app.add_flag("--ipv4-only", f.ipv4_only, "Make flows of IPv4 packets only");
    auto* o_tz = app.add_option("--timezone", f.timezone,
                                "Time zone of the Timestamp column (UTC or an IANA name)")
                     ->type_name("ZONE");
    auto* o_label =
        app.add_option("--label", f.label, "Text of the Label column")->type_name("TEXT");
    auto* o_labels = app.add_option("--labels", f.labels_path,
                                    "Label flows by the rules of this YAML file (replaces the "
                                    "configuration's labels:)")
                         ->type_name("FILE");
    auto* o_activity = app.add_option("--activity-timeout", f.activity_timeout,
                                      "Active/idle period split in seconds (default 5)")
                           ->type_name("SECONDS");
    auto* o_level = app.add_option("--log-level", f.log_level,
                                   "trace, debug, info, warn, error, critical or off")
                        ->type_name("LEVEL");
    app.add_flag("-V,--version", f.version, "Print the version and exit");

    CliResult r;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        r.action = CliAction::Help;
        r.text = app.help();
        return r;
    } catch (const CLI::CallForAllHelp&) {
        r.action = CliAction::Help;
        r.text = app.help("", CLI::AppFormatMode::All);
        return r;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }

    if (f.version) {
        r.action = CliAction::Version;
        r.text = fmt::format("flowmeterd {}\n", kVersion);
        return r;
    }
    if (f.list) {
        r.action = CliAction::ListInterfaces;
        return r;
    }
    if (o_iface->count() > 0 && o_file->count() > 0) {
        throw UsageError("-i/--interface and -f/--file cannot be used together");
    }
    if (f.config_path.empty() && o_iface->count() == 0 && o_file->count() == 0) {
        throw UsageError("nothing to read: give -i INTERFACE, -f FILE or --config FILE");
    }

    // defaults < file
    if (!f.config_path.empty()) {
        config::LoadedConfig loaded = config::parse_config_file(f.config_path);
        r.config = std::move(loaded.config);
        r.origins = std::move(loaded.origins);
        r.config_path = f.config_path;
    }
    config::DaemonConfig& c = r.config;
    config::Origins& org = r.origins;

    // file < flags
    if (o_iface->count() > 0) {
        c.capture.source = config::CaptureSource::PcapLive;
        c.capture.interface = f.interface;
        org.set("capture.source", flag_origin("-i"));
        org.set("capture.interface", flag_origin("-i"));
    }
    if (o_file->count() > 0) {
        c.capture.source = config::CaptureSource::PcapFile;
        c.capture.files = f.files;
        org.set("capture.source", flag_origin("-f"));
        org.set("capture.files", flag_origin("-f"));
    }
    if (o_out->count() > 0) {
        c.output.file = f.output;
        org.set("output.file", flag_origin("-o"));
    } else if (f.config_path.empty()) {
        c.output.file = kSeedOutputFile;
        org.set("output.file", "command line (default of -o)");
    }
    if (o_timeout->count() > 0) {
        c.flow.flow_timeout_us = parse_seconds(f.timeout, "-t", "flow.flow_timeout_s");
        org.set("flow.flow_timeout_s", flag_origin("-t"));
    }
    if (o_count->count() > 0) {
        c.capture.max_packets = parse_unsigned<std::uint64_t>(f.count, "-c", "capture.max_packets");
        org.set("capture.max_packets", flag_origin("-c"));
    }
    if (o_profile->count() > 0) {
        const auto p = parse_profile(f.profile);
        if (!p) {
            throw config::ConfigError(
                flag_origin("--profile"), "flow.profile",
                fmt::format("unknown value \"{}\": expected one of cic2017, cic2018, v4, fixed",
                            f.profile));
        }
        c.flow.profile = *p;
        org.set("flow.profile", flag_origin("--profile"));
    }
    if (o_workers->count() > 0) {
        c.pipeline.workers = f.workers == "auto" ? config::kAutoWorkers
                                                 : parse_unsigned<std::uint32_t>(
                                                       f.workers, "--workers", "pipeline.workers");
        org.set("pipeline.workers", flag_origin("--workers"));
    }
    if (o_ipv4->count() > 0) {
        c.decode.ipv6 = false;
        org.set("decode.ipv6", flag_origin("--ipv4-only"));
    }
    if (o_tz->count() > 0) {
        c.output.timezone = f.timezone;
        org.set("output.timezone", flag_origin("--timezone"));
    }
    if (o_label->count() > 0) {
        c.output.label = f.label;
        org.set("output.label", flag_origin("--label"));
    }
    if (o_labels->count() > 0) {
        c.labels = config::parse_label_rules_file(f.labels_path);
        org.set("labels", flag_origin("--labels"));
    }
    if (o_activity->count() > 0) {
        c.flow.activity_timeout_us =
            parse_seconds(f.activity_timeout, "--activity-timeout", "flow.activity_timeout_s");
        org.set("flow.activity_timeout_s", flag_origin("--activity-timeout"));
    }
    if (o_level->count() > 0) {
        c.logging.level = f.log_level;
        org.set("logging.level", flag_origin("--log-level"));
    }

    config::validate(c, org, build);
    r.action = f.check_config ? CliAction::CheckConfig : CliAction::Run;
    return r;
}

}  // namespace fm::daemon
