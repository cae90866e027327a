// SPDX-License-Identifier: BSD-3-Clause
// daemon/notify: with NOTIFY_SOCKET pointing at a socket of ours, the notifier sends the
// sd_notify datagrams (READY=1, STATUS=…, STOPPING=1, WATCHDOG=1); WATCHDOG_USEC gives the ping
// period; without NOTIFY_SOCKET nothing is sent.
#include "daemon/notify.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "notify_socket.hpp"

namespace fm::daemon {
namespace {

using namespace std::chrono_literals;

/// A notification socket of the test's own, at a path unique to this process.
class NotifySocket : public test_support::NotifySocket {
public:
    NotifySocket() : test_support::NotifySocket(fresh_path()) {}
    std::string receive() { return test_support::NotifySocket::receive(2s); }

private:
    static std::string fresh_path() {
        std::string path = "/tmp/flowmeterd-notify-" + std::to_string(getpid());
        unlink(path.c_str());
        return path;
    }
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
    // A socket that would hear the notifier if it found it anyway.
    NotifySocket sock;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    const Notifier n;
    EXPECT_FALSE(n.active());
    EXPECT_FALSE(n.watchdog_period().has_value());
    // Every message returns at once (never blocks) and sends nothing.
    const auto start = std::chrono::steady_clock::now();
    n.ready();
    n.status(format_status(1, 1, 1));
    n.watchdog();
    n.stopping();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(sock.receive(), "") << "a notifier without NOTIFY_SOCKET sent a message";
}

TEST(Notify, StatusText) {
    EXPECT_EQ(format_status(0, 0, 0), "packets 0, flows 0, rows 0");
    EXPECT_EQ(format_status(1234567, 89, 88), "packets 1234567, flows 89, rows 88");
}

}  // namespace
}  // namespace fm::daemon
