// SPDX-License-Identifier: BSD-3-Clause
// Notifier over libsystemd's sd_notify (the protocol's reference client) when available.
#include "daemon/notify.hpp"

#include <cstdlib>

#ifdef FM_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <fmt/format.h>

namespace fm::daemon {

Notifier::Notifier() {
#ifdef FM_HAVE_SYSTEMD
    const char* sock = std::getenv("NOTIFY_SOCKET");
    active_ = sock != nullptr && sock[0] != '\0';
    std::uint64_t usec = 0;
    // 0: keep the variables, so that a re-exec or a test can read them again.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_period_ = std::chrono::microseconds(usec / 2);
    }
#endif
}

void Notifier::send(const char* state) const noexcept {
#ifdef FM_HAVE_SYSTEMD
    if (active_) {
        (void)sd_notify(0, state);
    }
#else
    (void)state;
#endif
}

void Notifier::ready() const noexcept {
    send("READY=1");
}

void Notifier::stopping() const noexcept {
    send("STOPPING=1");
}

void Notifier::reloading() const noexcept {
    send("RELOADING=1");
}

void Notifier::status(std::string_view text) const noexcept {
    try {
        const std::string s = fmt::format("STATUS={}", text);
        send(s.c_str());
    } catch (...) {
        // formatting failed (out of memory): the status line is not worth a crash
    }
}

void Notifier::watchdog() const noexcept {
    send("WATCHDOG=1");
}

std::string format_status(std::uint64_t packets, std::uint64_t flows, std::uint64_t rows) {
    return fmt::format("packets {}, flows {}, rows {}", packets, flows, rows);
}

}  // namespace fm::daemon
