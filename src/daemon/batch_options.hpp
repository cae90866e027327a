// SPDX-License-Identifier: BSD-3-Clause
// The command-line options of batch mode (`flowmeterd -f DIR_OR_GLOB... --output-dir OUT`):
// one CSV per capture, several captures at once. Command line only, like -f itself; the flow
// and output settings of each capture's run come from the configuration as usual.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/batch_files.hpp"

namespace fm::daemon {

struct BatchOptions {
    bool enabled = false;                         ///< --output-dir was given
    std::string output_dir;                       ///< --output-dir
    std::string output_name{kDefaultOutputName};  ///< --output-name
    bool recursive = false;                       ///< -r/--recursive
    std::uint32_t jobs = 0;                       ///< --jobs; 0 = the usable CPUs
    bool skip_existing = false;                   ///< --skip-existing
    std::vector<std::string> inputs;  ///< the -f arguments: files, directories, glob patterns
};

}  // namespace fm::daemon
