// SPDX-License-Identifier: BSD-3-Clause
// The daemon as the live tests start it: a program run inside the network namespace of a veth
// pair (live_test::VethNamespace, tests/live/live_support.hpp), so that it captures on the
// pair's capture end, and a guard that kills it when a test leaves early (a failed ASSERT), so
// that no daemon outlives its test and holds the namespace or the output directory.
#pragma once

#include <chrono>
#include <csignal>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "daemon_support.hpp"
#include "live_support.hpp"

namespace fm::daemon_test {

/// Starts `argv` like spawn(), switched into the network namespace of `ns` before exec (exit
/// status 126 when it cannot enter it).
inline Child spawn_in_namespace(const live_test::VethNamespace& ns,
                                const std::vector<std::string>& argv, const std::string& log,
                                const std::vector<std::pair<std::string, std::string>>& env = {}) {
    const std::string ns_path = ns.path();
    return spawn(argv, log, env,
                 [&ns_path] { live_test::enter_network_namespace_or_exit(ns_path.c_str()); });
}

/// Owns a started program until the test has seen it end: the destructor kills (SIGKILL) and
/// reaps it unless wait_exit() below already did.
class KillOnScopeExit {
public:
    explicit KillOnScopeExit(pid_t pid) : pid_(pid) {}
    KillOnScopeExit(const KillOnScopeExit&) = delete;
    KillOnScopeExit& operator=(const KillOnScopeExit&) = delete;
    ~KillOnScopeExit() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }

    /// The program's exit status once it ended within `limit` (daemon_test::wait_exit, which
    /// kills it when it does not); the guard has nothing left to do afterwards.
    int wait_exit(std::chrono::milliseconds limit) {
        const int status = daemon_test::wait_exit(pid_, limit);
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

}  // namespace fm::daemon_test
