// SPDX-License-Identifier: BSD-3-Clause
// The command line: the seed-compatible flags (-i -f -o -t -c -l) for interactive use and
// --config for the daemon, plus a few overrides. Both faces end in the same DaemonConfig:
// built-in defaults < the YAML file < flags. The result is validated (config::validate) before
// it is returned, except for the actions that do not run (help, version, interface list).
// --print-schema needs nothing to read: it prints the schema for the profile and settings.
#pragma once

#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "daemon/batch_options.hpp"

namespace fm::daemon {

/// The command line cannot be parsed (unknown flag, missing value, conflicting flags).
/// The daemon prints it with a hint to --help and exits 64 (EX_USAGE).
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class CliAction {
    Run,             ///< capture and write flows
    CheckConfig,     ///< --check-config: validate, print the effective config, exit 0
    ListInterfaces,  ///< -l/--list
    PrintSchema,     ///< --print-schema clickhouse|json: print the schema of the rows, exit 0
    Help,            ///< -h/--help: print `text`
    Version,         ///< -V/--version: print `text`
};

struct CliResult {
    CliAction action = CliAction::Run;
    config::DaemonConfig config;
    config::Origins origins;
    std::string config_path;  ///< --config FILE; empty when none was given
    std::string text;         ///< help or version text
    BatchOptions batch;       ///< --output-dir and the other batch-mode flags
    bool quiet = false;       ///< --quiet: no progress line
    std::string schema;       ///< --print-schema: "clickhouse" or "json"
};

/// The output file of a seed-style run (no --config, no -o), as the seed wrote it.
inline constexpr const char* kSeedOutputFile = "flows.csv";

/// Parses argv. Without --config the output is the single file -o (default flows.csv); with
/// --config it is what the file says (rotating files in output.directory unless output.file
/// or -o is set). -i selects capture.source pcap_live, -f (repeatable, in order) pcap_file.
/// Throws UsageError, or config::ConfigError for a value or file that is not acceptable.
CliResult parse_command_line(int argc, const char* const* argv,
                             const config::BuildFeatures& build = config::BuildFeatures{});

/// The program version (meson project version).
const char* version_string() noexcept;

}  // namespace fm::daemon
