// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd entry point: the only file not linked into libflowmeter. Everything, from the
// command line to the exit status, is in daemon/daemon.cpp.
#include "daemon/daemon.hpp"

int main(int argc, char** argv) {
    return fm::daemon::daemon_main(argc, argv);
}
