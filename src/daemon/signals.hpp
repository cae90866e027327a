// SPDX-License-Identifier: BSD-3-Clause
// Process signals of the daemon: SIGTERM/SIGINT ask for a graceful stop (drain every queue and
// flow table, close and rename the current file, exit 0), a second one for a fast stop (write
// what is already formatted, exit), a third restores the default action and kills the process
// at once. SIGHUP asks for a new output file. SIGPIPE is ignored.
//
// The handler only bumps atomic counters and writes to an eventfd (both async-signal-safe);
// everything else happens in normal thread context: the data path polls stop_requested() once
// per batch (a relaxed load), the control loop sleeps in wait().
#pragma once

#include <chrono>

namespace fm::daemon {

class Signals {
public:
    /// Installs the handlers for the whole process. One instance at a time; throws
    /// std::system_error when the eventfd cannot be created or another instance is alive.
    Signals();
    /// Restores the previous dispositions.
    ~Signals();

    Signals(const Signals&) = delete;
    Signals& operator=(const Signals&) = delete;

    /// A SIGTERM or SIGINT arrived. Any thread, cheap (relaxed load).
    bool stop_requested() const noexcept;
    /// Two or more arrived: stop fast.
    bool fast_stop_requested() const noexcept;
    /// Number of SIGTERM/SIGINT so far.
    int stop_count() const noexcept;
    /// True once per batch of SIGHUPs that arrived since the previous call.
    bool take_rotate_request() noexcept;

    /// Sleeps until a signal arrives, wake() is called or `timeout` passes; true when woken.
    /// Control thread only.
    bool wait(std::chrono::milliseconds timeout) noexcept;
    /// Ends the control thread's wait() now (the run has finished). Any thread.
    void wake() noexcept;
};

}  // namespace fm::daemon
