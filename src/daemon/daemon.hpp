// SPDX-License-Identifier: BSD-3-Clause
// The flowmeterd program: command line and configuration -> capture sources -> pipeline (capture
// thread(s), flow workers) -> writer thread -> CSV file(s), with the control loop that handles
// signals, systemd notifications, the stats line and the progress line, and maps every startup
// error to its exit status (daemon/exit_codes.hpp). main.cpp only calls daemon_main().
#pragma once

namespace fm::daemon {

/// Runs flowmeterd with the process's arguments and returns the exit status: 0 finished or
/// stopped by SIGTERM/SIGINT, 1 run-time failure, 64 usage, 73 output cannot be created,
/// 77 capture not permitted, 78 configuration rejected. Installs signal handlers for the run.
int daemon_main(int argc, char** argv);

}  // namespace fm::daemon
