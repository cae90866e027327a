// SPDX-License-Identifier: BSD-3-Clause
// A systemd-style notification socket (NOTIFY_SOCKET) for tests: it binds a datagram socket at a
// path, and the test passes that path in NOTIFY_SOCKET to the daemon (or to the notifier under
// test). Readiness (READY=1) is how the live tests know the capture runs, so that frames sent
// into a veth pair are certain to be seen.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fm::test_support {

class NotifySocket {
public:
    /// Binds at `path`; throws when it cannot.
    explicit NotifySocket(std::string path);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const noexcept { return path_; }

    /// Waits up to `limit` for a datagram that contains `text` (sd_notify may send several
    /// assignments in one datagram).
    bool wait_for(const std::string& text, std::chrono::milliseconds limit);

    /// The next datagram, waiting up to `limit`; empty when none came.
    std::string receive(std::chrono::milliseconds limit);

    /// Every datagram that has arrived so far, without waiting.
    std::vector<std::string> drain();

private:
    bool receive(std::string& msg);

    std::string path_;
    int fd_ = -1;
};

}  // namespace fm::test_support
