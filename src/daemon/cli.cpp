// SPDX-License-Identifier: BSD-3-Clause
// Command-line parsing with CLI11. Flag values are taken as text and converted here, so that a
// bad value reads like a bad value in the file (`command line (--workers): pipeline.workers:
// …`) and gets the same exit status (78); only malformed command lines are usage errors (64).
#include "daemon/cli.hpp"

#include <charconv>
#include <filesystem>
#include <limits>
#include <optional>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "config/label_rules_loader.hpp"
#include "daemon/modules.hpp"

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
    std::string metrics_listen;
    std::string output_dir;
    std::string output_name;
    bool recursive = false;
    std::string jobs;
    bool skip_existing = false;
    bool quiet = false;
    std::string print_schema;
};

/// --jobs: a number of captures processed at once, or auto (the usable CPUs).
std::uint32_t parse_jobs(const std::string& text) {
    constexpr std::uint64_t kMaxJobs = 1024;
    if (text == "auto") {
        return 0;
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v == 0 || v > kMaxJobs) {
        throw UsageError(fmt::format("--jobs: expected auto or a number from 1 to {}, got \"{}\"",
                                     kMaxJobs, text));
    }
    return static_cast<std::uint32_t>(v);
}

/// The batch-mode flags: checked together here, applied to CliResult::batch.
void apply_batch_flags(const Flags& f, bool output_dir_given, bool batch_only_given,
                       bool files_given, bool output_given, BatchOptions& batch) {
    if (!output_dir_given) {
        if (batch_only_given) {
            throw UsageError(
                "--output-name, -r/--recursive, --jobs and --skip-existing need --output-dir");
        }
        for (const std::string& file : f.files) {
            std::error_code ec;
            if (std::filesystem::is_directory(file, ec)) {
                throw UsageError(fmt::format(
                    "-f {}: is a directory; give --output-dir OUT to write one CSV per capture",
                    file));
            }
        }
        return;
    }
    if (!files_given) {
        throw UsageError("--output-dir needs the captures to read: -f FILE, DIR or GLOB");
    }
    if (output_given) {
        throw UsageError("-o/--output and --output-dir cannot be used together");
    }
    batch.enabled = true;
    batch.output_dir = f.output_dir;
    batch.inputs = f.files;
    batch.recursive = f.recursive;
    batch.skip_existing = f.skip_existing;
    if (!f.output_name.empty()) {
        batch.output_name = f.output_name;
    }
    if (const std::string problem = check_output_name(batch.output_name); !problem.empty()) {
        throw UsageError(fmt::format("--output-name \"{}\": {}", batch.output_name, problem));
    }
    if (!f.jobs.empty()) {
        batch.jobs = parse_jobs(f.jobs);
    }
}

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
    auto* o_metrics =
        app.add_option("--metrics-listen", f.metrics_listen,
                       "Serve Prometheus metrics at http://ADDRESS/metrics (127.0.0.1:9464, "
                       "[::1]:9464; port 0: any free port, logged)")
            ->type_name("ADDRESS");
    app.add_flag("-V,--version", f.version, "Print the version and exit");
    auto* o_schema =
        app.add_option("--print-schema", f.print_schema,
                       "Print the schema of the rows of --profile (and of --config's "
                       "output.kafka) and exit: clickhouse (DDL) or json (JSON Schema)")
            ->type_name("clickhouse|json");

    // Batch mode: one CSV per capture.
    auto* o_output_dir =
        app.add_option("--output-dir", f.output_dir,
                       "Batch mode: write one CSV per capture of -f (files, directories, globs) "
                       "into this directory")
            ->type_name("DIR");
    auto* o_output_name =
        app.add_option("--output-name", f.output_name,
                       "Batch mode: output file name pattern; {name} {stem} {dir} {index} "
                       "(default {dir}{name}_Flow.csv)")
            ->type_name("PATTERN");
    auto* o_recursive =
        app.add_flag("-r,--recursive", f.recursive, "Batch mode: walk -f directories recursively");
    auto* o_jobs = app.add_option("--jobs", f.jobs,
                                  "Batch mode: captures processed at once (default: usable CPUs)")
                       ->type_name("N|auto");
    auto* o_skip = app.add_flag("--skip-existing", f.skip_existing,
                                "Batch mode: leave captures whose CSV already exists alone");
    app.add_flag("-q,--quiet", f.quiet, "No progress line on the terminal");

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
        r.text = fmt::format("flowmeterd {}\n{}\n", kVersion, describe_modules());
        return r;
    }
    if (f.list) {
        r.action = CliAction::ListInterfaces;
        return r;
    }
    if (o_iface->count() > 0 && o_file->count() > 0) {
        throw UsageError("-i/--interface and -f/--file cannot be used together");
    }
    const bool print_schema = o_schema->count() > 0;
    if (print_schema && f.print_schema != "clickhouse" && f.print_schema != "json") {
        throw UsageError(
            fmt::format("--print-schema: expected clickhouse or json, got \"{}\"", f.print_schema));
    }
    if (!print_schema && f.config_path.empty() && o_iface->count() == 0 && o_file->count() == 0) {
        throw UsageError("nothing to read: give -i INTERFACE, -f FILE or --config FILE");
    }

    const bool batch_only = o_output_name->count() > 0 || o_recursive->count() > 0 ||
                            o_jobs->count() > 0 || o_skip->count() > 0;
    apply_batch_flags(f, o_output_dir->count() > 0, batch_only, o_file->count() > 0,
                      o_out->count() > 0, r.batch);
    r.quiet = f.quiet;

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
    if (o_labels->count() > 0) {
        c.labels = config::parse_label_rules_file(f.labels_path);
        org.set("labels", flag_origin("--labels"));
    }
    if (o_activity->count() > 0) {
        c.flow.activity_timeout_us =
            parse_seconds(f.activity_timeout, "--activity-timeout", "flow.activity_timeout_s");
        org.set("flow.activity_timeout_s", flag_origin("--activity-timeout"));
    }
    // Flags whose value is the key's text as it is.
    const struct {
        const CLI::Option* option;
        const char* flag;
        const char* key;
        const std::string& value;
        std::string& target;
    } text_flags[] = {
        {o_tz, "--timezone", "output.timezone", f.timezone, c.output.timezone},
        {o_label, "--label", "output.label", f.label, c.output.label},
        {o_level, "--log-level", "logging.level", f.log_level, c.logging.level},
        {o_metrics, "--metrics-listen", "metrics.listen", f.metrics_listen, c.metrics.listen},
    };
    for (const auto& t : text_flags) {
        if (t.option->count() > 0) {
            t.target = t.value;
            org.set(t.key, flag_origin(t.flag));
        }
    }

    if (print_schema) {
        // The schema does not depend on the capture section and --print-schema reads nothing:
        // every other section is checked, the input is left to the run that reads it.
        config::DaemonConfig checked = c;
        checked.capture = config::CaptureConfig{};
        checked.capture.files = {"-"};
        config::validate(checked, org, build);
        r.action = CliAction::PrintSchema;
        r.schema = f.print_schema;
        return r;
    }
    config::validate(c, org, build);
    r.action = f.check_config ? CliAction::CheckConfig : CliAction::Run;
    return r;
}

}  // namespace fm::daemon
