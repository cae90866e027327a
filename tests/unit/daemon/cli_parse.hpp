// SPDX-License-Identifier: BSD-3-Clause
// The command line tests' way to run parse_command_line (daemon/cli.hpp) on a list of
// arguments, with "flowmeterd" put in front as argv[0].
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include "config/config_loader.hpp"
#include "daemon/cli.hpp"

namespace fm::daemon {

inline CliResult parse_args(std::span<const char* const> args,
                            const config::BuildFeatures& build = config::BuildFeatures{}) {
    std::vector<const char*> argv{"flowmeterd"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), build);
}

inline CliResult parse(std::initializer_list<const char*> args,
                       const config::BuildFeatures& build = config::BuildFeatures{}) {
    return parse_args(std::span<const char* const>(args.begin(), args.size()), build);
}

}  // namespace fm::daemon
