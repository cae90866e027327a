// SPDX-License-Identifier: BSD-3-Clause
// The daemon on live traffic: `flowmeterd --config FILE` capturing with two fanout sockets (two
// capture threads) on one end of a veth pair in a private network namespace, writing rotating
// files. tcpreplay sends a first capture; once its flows are written (expiry by the clock) SIGHUP
// must close that file; a second capture follows, then SIGTERM must end the daemon with exit 0 and
// the second file complete. Each file must hold every row of the offline run of its capture,
// with identical count-based columns (durations and rates depend on the replay timing).
// systemd readiness (READY=1 after the sockets exist) decides when replaying may start.
// Needs root (namespaces, CAP_NET_RAW) and tcpreplay; without them the test is skipped and the
// program exits 77 (meson: SKIP).
// Usage: daemon_live PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon_support.hpp"
#include "live_support.hpp"
#include "netns_daemon.hpp"
#include "notify_socket.hpp"

namespace fm::daemon_test {
namespace {

using test_support::NotifySocket;

/// Rows of a flowmeterd CSV as signatures: flow identity plus the count-based columns.
std::multiset<std::string> signatures(const Csv& csv) {
    return live_test::csv_count_signatures(csv.header, csv.rows);
}

/// Rows in the one .partial file of `dir` (0 when there is none).
std::size_t partial_rows(const std::string& dir) {
    for (const std::string& n : list_dir(dir)) {
        if (ends_with(n, ".csv.partial")) {
            const std::string text = slurp(dir + "/" + n);
            const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
            return lines == 0 ? 0 : lines - 1;
        }
    }
    return 0;
}

/// Waits until the .partial file of `dir` holds `rows` rows (the flows of a replay, ended by
/// the clock); a failure names how many came and what the daemon logged.
::testing::AssertionResult partial_file_reaches(const std::string& dir, std::size_t rows,
                                                const std::string& log) {
    if (wait_for([&] { return partial_rows(dir) >= rows; }, std::chrono::seconds(30),
                 std::chrono::milliseconds(50))) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << partial_rows(dir) << " of " << rows << " rows\n"
                                         << slurp(log);
}

/// The offline run of `pcap`, which the live run of the same capture must match.
Csv offline_rows(const TempDir& dir, const std::string& pcap, const std::string& name) {
    Csv csv;
    EXPECT_TRUE(run_offline(pcap, dir.file(name + ".csv"), dir.file(name + ".log"), csv));
    EXPECT_FALSE(csv.rows.empty()) << pcap;
    return csv;
}

std::vector<std::string> complete_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const std::string& n : list_dir(dir)) {
        if (ends_with(n, ".csv")) {
            out.push_back(n);
        }
    }
    return out;
}

TEST(DaemonLive, SighupAndSigtermWhileCapturingWithTwoSockets) {
    const std::string reason = live_test::netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    TempDir dir;
    const std::string first = live_test::capture_path("tcp/tls_ciphers.pcap");
    const std::string second = live_test::capture_path("large/netflix.pcap");
    const std::vector<Csv> offline = {offline_rows(dir, first, "offline0"),
                                      offline_rows(dir, second, "offline1")};
    ASSERT_FALSE(HasFailure());

    live_test::VethNamespace ns;
    const std::string out_dir = dir.file("out");
    const std::string cfg = dir.file("flowmeter.yaml");
    // On a quiet link the workers end flows whose active timeout has passed by the clock;
    // 3 s instead of 120 s makes that happen soon after a replay. At top replay speed no flow
    // of these captures lasts that long, so the rows stay those of the offline run.
    write_file(cfg,
               "capture:\n"
               "  source: pcap_live\n"
               "  interface: " +
                   ns.capture_if() +
                   "\n"
                   "  threads: 2\n"
                   "pipeline:\n"
                   "  workers: 2\n"
                   "flow:\n"
                   "  flow_timeout_s: 3\n"
                   "output:\n"
                   "  directory: \"" +
                   out_dir +
                   "\"\n"
                   "  rotate:\n"
                   "    max_bytes: 0\n"
                   "    interval_s: 0\n"
                   "  fsync: false\n"
                   "logging:\n"
                   "  target: stderr\n"
                   "  stats_interval_s: 1\n");
    NotifySocket notify(dir.file("notify"));
    const std::string log = dir.file("daemon.log");
    const Child d = spawn_in_namespace(ns, {programs().flowmeterd, "--config", cfg}, log,
                                       {{"NOTIFY_SOCKET", dir.file("notify")}});
    KillOnScopeExit guard(d.pid);
#ifdef FM_HAVE_SYSTEMD
    ASSERT_TRUE(notify.wait_for("READY=1", std::chrono::seconds(20))) << slurp(log);
#else
    std::this_thread::sleep_for(std::chrono::seconds(3));
#endif

    ns.replay(first);
    ASSERT_TRUE(partial_file_reaches(out_dir, offline[0].rows.size(), log));
    ASSERT_EQ(kill(d.pid, SIGHUP), 0);
    ASSERT_TRUE(wait_for([&] { return complete_files(out_dir).size() == 1; },
                         std::chrono::seconds(10), std::chrono::milliseconds(20)))
        << "SIGHUP did not close the file\n"
        << slurp(log);

    ns.replay(second);
    ASSERT_TRUE(partial_file_reaches(out_dir, offline[1].rows.size(), log));
    ASSERT_EQ(kill(d.pid, SIGTERM), 0);
    ASSERT_EQ(guard.wait_exit(std::chrono::seconds(30)), 0) << slurp(log);

    const std::vector<std::string> files = complete_files(out_dir);
    ASSERT_EQ(files.size(), 2U) << slurp(log);
    for (const std::string& n : list_dir(out_dir)) {
        EXPECT_FALSE(ends_with(n, ".partial")) << n << " left behind";
    }
    // Names sort by time: the first file holds the first capture.
    for (std::size_t i = 0; i < 2; ++i) {
        const Csv live = read_csv(out_dir + "/" + files[i]);
        EXPECT_EQ(live.header, offline[i].header);
        EXPECT_GE(live.rows.size(), offline[i].rows.size()) << files[i];
        const std::string missing =
            live_test::missing_signatures(signatures(offline[i]), signatures(live));
        EXPECT_TRUE(missing.empty()) << files[i] << ": " << missing;
    }
    const std::string text = slurp(log);
    EXPECT_NE(text.find("2 socket(s)"), std::string::npos) << text;
    EXPECT_NE(text.find("stop requested"), std::string::npos) << text;
    // The daemon ran for seconds with logging.stats_interval_s: 1.
    EXPECT_NE(text.find("stats: packets"), std::string::npos) << "no periodic stats line";
}

/// Live capture with security.user: the packet sockets are opened as root, then the daemon
/// runs as nobody with no capability and still captures and writes every flow.
TEST(DaemonLive, CapturesAfterSwitchingToAnUnprivilegedUser) {
    const std::string reason = live_test::netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    TempDir dir;
    fs::permissions(dir.path(), fs::perms(0711));
    const std::string pcap = live_test::capture_path("tcp/tls_ciphers.pcap");
    const Csv offline = offline_rows(dir, pcap, "offline");
    ASSERT_FALSE(HasFailure());

    live_test::VethNamespace ns;
    const std::string out_dir = dir.file("out");
    fs::create_directories(out_dir);
    ASSERT_EQ(chown(out_dir.c_str(), 65534, 65534), 0);
    const std::string cfg = dir.file("flowmeter.yaml");
    write_file(cfg, "capture:\n  source: pcap_live\n  interface: " + ns.capture_if() +
                        "\n  threads: 2\npipeline:\n  workers: 2\nflow:\n  flow_timeout_s: 3\n"
                        "output:\n  directory: \"" +
                        out_dir +
                        "\"\n  rotate:\n    max_bytes: 0\n    interval_s: 0\n  fsync: false\n"
                        "logging:\n  target: stderr\nsecurity:\n  user: nobody\n"
                        "  group: nogroup\n");
    const std::string log = dir.file("daemon.log");
    const Child d = spawn_in_namespace(ns, {programs().flowmeterd, "--config", cfg}, log);
    KillOnScopeExit guard(d.pid);
    ASSERT_TRUE(wait_for(
        [&] {
            // The child creates the log after fork: absent for a moment.
            return fs::exists(log) &&
                   slurp(log).find("running as user nobody") != std::string::npos;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(20)))
        << slurp(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // capture threads up
    const std::string status = slurp("/proc/" + std::to_string(d.pid) + "/status");
    EXPECT_NE(status.find("CapEff:\t0000000000000000"), std::string::npos) << status;
    EXPECT_NE(status.find("Uid:\t65534\t65534\t65534\t65534"), std::string::npos) << status;

    ns.replay(pcap);
    ASSERT_TRUE(partial_file_reaches(out_dir, offline.rows.size(), log));
    ASSERT_EQ(kill(d.pid, SIGTERM), 0);
    ASSERT_EQ(guard.wait_exit(std::chrono::seconds(30)), 0) << slurp(log);
    const std::vector<std::string> files = complete_files(out_dir);
    ASSERT_EQ(files.size(), 1U) << slurp(log);
    const Csv live = read_csv(out_dir + "/" + files[0]);
    const std::string missing =
        live_test::missing_signatures(signatures(offline), signatures(live));
    EXPECT_TRUE(missing.empty()) << missing;
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
