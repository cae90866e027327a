// SPDX-License-Identifier: BSD-3-Clause
#include "notify_socket.hpp"

#include <cstdio>
#include <stdexcept>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace fm::test_support {

NotifySocket::NotifySocket(std::string path) : path_(std::move(path)) {
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

NotifySocket::~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
}

bool NotifySocket::wait_for(const std::string& text, std::chrono::milliseconds limit) {
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

std::string NotifySocket::receive(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    std::string msg;
    if (poll(&p, 1, static_cast<int>(limit.count())) == 1 && receive(msg)) {
        return msg;
    }
    return {};
}

std::vector<std::string> NotifySocket::drain() {
    std::vector<std::string> out;
    pollfd p{fd_, POLLIN, 0};
    std::string msg;
    while (poll(&p, 1, 0) == 1 && receive(msg)) {
        out.push_back(msg);
    }
    return out;
}

bool NotifySocket::receive(std::string& msg) {
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        return false;
    }
    msg.assign(buf, static_cast<std::size_t>(n));
    return true;
}

}  // namespace fm::test_support
