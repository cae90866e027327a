// SPDX-License-Identifier: BSD-3-Clause
// systemd service notifications (Type=notify): READY=1 once capture runs, STOPPING=1 when a stop
// begins, STATUS= lines with the counters, and WATCHDOG=1 keep-alives when the unit sets
// WatchdogSec=. Without libsystemd at build time (FM_HAVE_SYSTEMD unset) every call does
// nothing; the unit must then use Type=exec and no watchdog.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fm::daemon {

class Notifier {
public:
    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID from the environment.
    Notifier();

    /// True when the service manager listens (NOTIFY_SOCKET set, built with libsystemd).
    bool active() const noexcept { return active_; }

    void ready() const noexcept;
    void stopping() const noexcept;
    void reloading() const noexcept;
    void status(std::string_view text) const noexcept;
    void watchdog() const noexcept;

    /// How often to call watchdog(): half of WatchdogSec, or nullopt when the watchdog is off.
    std::optional<std::chrono::microseconds> watchdog_period() const noexcept {
        return watchdog_period_;
    }

private:
    void send(const char* state) const noexcept;

    bool active_ = false;
    std::optional<std::chrono::microseconds> watchdog_period_;
};

/// The STATUS= text: "packets N, flows N, rows N" with the counters as plain integers.
std::string format_status(std::uint64_t packets, std::uint64_t flows, std::uint64_t rows);

}  // namespace fm::daemon
