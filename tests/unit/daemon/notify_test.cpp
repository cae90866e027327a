// SPDX-License-Identifier: BSD-3-Clause
// daemon/notify: with NOTIFY_SOCKET pointing at a socket of ours, the notifier sends the
// sd_notify datagrams (READY=1, STATUS=…, STOPPING=1, WATCHDOG=1); WATCHDOG_USEC gives the ping
// period; without NOTIFY_SOCKET nothing is sent.
#include "daemon/notify.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace fm::daemon {
namespace {

class NotifySocket {
public:
    NotifySocket() {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(fd_, 0);
        path_ = "/tmp/flowmeterd-notify-" + std::to_string(getpid());
        unlink(path_.c_str());
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
        timeval tv{2, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket() {
        close(fd_);
        unlink(path_.c_str());
    }
    const std::string& path() const { return path_; }
    std::string receive() {
        char buf[512];
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }

private:
    int fd_ = -1;
    std::string path_;
};

#ifdef FM_HAVE_SYSTEMD
TEST(Notify, SendsTheProtocolMessages) {
    NotifySocket sock;
    setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
    setenv("WATCHDOG_USEC", "20000000", 1);
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
    const Notifier n;
    ASSERT_TRUE(n.active());
    ASSERT_TRUE(n.watchdog_period().has_value());
    EXPECT_EQ(n.watchdog_period()->count(), 10'000'000);

    n.ready();
    EXPECT_EQ(sock.receive(), "READY=1");
    n.status(format_status(12, 3, 2));
    EXPECT_EQ(sock.receive(), "STATUS=packets 12, flows 3, rows 2");
    n.watchdog();
    EXPECT_EQ(sock.receive(), "WATCHDOG=1");
    n.stopping();
    EXPECT_EQ(sock.receive(), "STOPPING=1");
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}
#endif

TEST(Notify, InactiveWithoutNotifySocket) {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    const Notifier n;
    EXPECT_FALSE(n.active());
    EXPECT_FALSE(n.watchdog_period().has_value());
    n.ready();  // must not crash or block
}

TEST(Notify, StatusText) {
    EXPECT_EQ(format_status(0, 0, 0), "packets 0, flows 0, rows 0");
    EXPECT_EQ(format_status(1234567, 89, 88), "packets 1234567, flows 89, rows 88");
}

}  // namespace
}  // namespace fm::daemon
