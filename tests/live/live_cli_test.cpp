// SPDX-License-Identifier: BSD-3-Clause
// The whole program on live traffic: `flowmeterd -i IFACE -o live.csv` runs inside a private
// network namespace on one end of a veth pair, tcpreplay sends a capture into the other end,
// SIGTERM stops the daemon, which must exit 0 after writing every flow. Every row of
// `flowmeterd -f CAPTURE -o offline.csv` must be in live.csv with identical count-based
// columns (time-based columns differ by the replay timing). Needs root; argv[1] is the
// flowmeterd executable.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "live_support.hpp"
#include "notify_socket.hpp"
#include "test_main.hpp"
#include "text_files.hpp"

namespace fm::live_test {
namespace {

using test_support::NotifySocket;
using test_support::read_file;
using test_support::split_lines;

std::string g_flowmeterd;

using Clock = std::chrono::steady_clock;

/// The rows of a flowmeterd CSV as signatures: flow identity plus the count-based columns.
std::multiset<std::string> csv_signatures(const std::string& path) {
    std::vector<std::string> lines = split_lines(read_file(path));
    if (lines.empty()) {
        throw std::runtime_error(path + ": empty");
    }
    const std::string header = lines.front();
    lines.erase(lines.begin());
    return csv_count_signatures(header, lines);
}

/// Number of AF_PACKET sockets in the namespace (/proc/net/packet has a header line).
std::size_t packet_sockets(const VethNamespace& ns) {
    std::size_t n = 0;
    ns.inside([&] { n = split_lines(read_file("/proc/thread-self/net/packet")).size(); });
    return n == 0 ? 0 : n - 1;
}

/// Waits for `pid` up to `limit`; returns its exit status, -2 on time-out, or -100 - N when
/// signal N killed it.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : -100 - WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -2;
}

TEST(LiveCli, SigtermEndsALiveCaptureWithEveryOfflineFlowWritten) {
    const std::string reason = netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    ASSERT_FALSE(g_flowmeterd.empty()) << "usage: live_cli PATH-TO-flowmeterd";
    VethNamespace ns;
    const std::string dir =
        std::filesystem::temp_directory_path() / fmt::format("fmlive-cli-{}", getpid());
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::string d;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(d, ec);
        }
    } cleanup{dir};

    const std::string pcap = capture_path("tcp/tls_ciphers.pcap");
    const std::string offline_csv = dir + "/offline.csv";
    std::string out;
    ASSERT_EQ(run_program({g_flowmeterd, "-f", pcap, "-o", offline_csv}, &out), 0) << out;

    const std::string live_csv = dir + "/live.csv";
    const std::string log = dir + "/flowmeterd.log";
    NotifySocket notify(dir + "/notify");
    const pid_t pid = start_in_namespace(ns, {g_flowmeterd, "-i", ns.capture_if(), "-o", live_csv},
                                         log, {{"NOTIFY_SOCKET", notify.path()}});
    ASSERT_GT(pid, 0);
#ifdef FM_HAVE_SYSTEMD
    // Built with libsystemd: flowmeterd says READY=1 once its capture runs.
    const bool ready = notify.wait_for("READY=1", std::chrono::seconds(20));
#else
    // No notifications in this build: wait for the capture socket, then give libpcap time to
    // set up its ring.
    bool ready = false;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!ready && Clock::now() < deadline) {
        ready = packet_sockets(ns) > 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
#endif
    if (!ready) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        FAIL() << "flowmeterd did not start capturing within 20 s:\n" << read_file(log);
    }
    ASSERT_GT(packet_sockets(ns), 0u) << "READY=1 but no capture socket in the namespace";
    ns.replay(pcap);
    // Frames reach the ring at once; the kernel hands a partly filled block over after the
    // block timeout. A second is ample before asking the daemon to stop.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    const int rc = wait_exit(pid, std::chrono::seconds(30));
    if (rc == -2) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
    ASSERT_EQ(rc, 0) << "flowmeterd after SIGTERM:\n" << read_file(log);

    const std::multiset<std::string> offline = csv_signatures(offline_csv);
    const std::multiset<std::string> live = csv_signatures(live_csv);
    ASSERT_FALSE(offline.empty());
    const std::string missing = missing_signatures(offline, live);
    EXPECT_TRUE(missing.empty()) << missing << "\nflowmeterd log:\n" << read_file(log);
}

}  // namespace
}  // namespace fm::live_test

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc > 1) {
        fm::live_test::g_flowmeterd = argv[1];
    }
    return fm::test_support::exit_status(RUN_ALL_TESTS());
}
