// SPDX-License-Identifier: BSD-3-Clause
// Batch mode: `flowmeterd -f DIR_OR_GLOB... --output-dir OUT` writes one CSV per capture, each
// holding exactly the rows `flowmeterd -f THAT_FILE -o …` writes (flows never cross files).
// --jobs captures are processed at once, each by its own single-worker Run (daemon/run.hpp):
// small captures then keep every core busy without any hand-off between them, and a file's
// rows and their order do not depend on the parallelism. The control thread draws the progress
// line, reacts to signals and writes the summary.
#pragma once

#include "daemon/cli.hpp"

namespace fm::daemon {

/// Runs the batch `cli.batch` describes with the settings of `cli.config` (logging already set
/// up). Returns the exit status: 0 when every capture was processed, 1 when one failed, could
/// not be read, or was left unprocessed by a stop signal; 64 when two captures would be written
/// to the same file; 73 when the output directory cannot be created.
int run_batch(const CliResult& cli);

}  // namespace fm::daemon
