// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd entry point: the only file not linked into libflowmeter. It hands the command
// line to the offline runner (daemon/offline_run.hpp).
#include "daemon/offline_run.hpp"

int main(int argc, char** argv) {
    return fm::daemon::offline_main(argc, argv);
}
