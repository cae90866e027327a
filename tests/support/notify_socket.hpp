// SPDX-License-Identifier: BSD-3-Clause
// A systemd-style notification socket (NOTIFY_SOCKET) for tests that run flowmeterd: it binds a
// datagram socket at a path, and the test passes that path to the daemon in NOTIFY_SOCKET.
// Readiness (READY=1) is how the live tests know the capture runs, so that frames sent into a
// veth pair are certain to be seen.
#pragma once

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace fm::test_support {

class NotifySocket {
public:
    explicit NotifySocket(std::string path) : path_(std::move(path)) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
        if (fd_ < 0 || bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            if (fd_ >= 0) {
                close(fd_);
            }
            throw std::runtime_error("cannot bind " + path_);
        }
    }
    ~NotifySocket() {
        close(fd_);
        unlink(path_.c_str());
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const noexcept { return path_; }

    /// Waits up to `limit` for a datagram that contains `text` (sd_notify may send several
    /// assignments in one datagram).
    bool wait_for(const std::string& text, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) == 1) {
                std::string msg;
                if (receive(msg) && msg.find(text) != std::string::npos) {
                    return true;
                }
            }
        }
        return false;
    }

    /// Every datagram that has arrived so far, without waiting.
    std::vector<std::string> drain() {
        std::vector<std::string> out;
        pollfd p{fd_, POLLIN, 0};
        std::string msg;
        while (poll(&p, 1, 0) == 1 && receive(msg)) {
            out.push_back(msg);
        }
        return out;
    }

private:
    bool receive(std::string& msg) {
        char buf[4096];
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            return false;
        }
        msg.assign(buf, static_cast<std::size_t>(n));
        return true;
    }

    std::string path_;
    int fd_ = -1;
};

}  // namespace fm::test_support
