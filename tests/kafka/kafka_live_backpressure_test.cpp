// SPDX-License-Identifier: BSD-3-Clause
// A full Kafka spool on a live capture, end to end: flowmeterd captures one end of a veth
// pair in a private network namespace (tests/live/live_support.hpp), tcpreplay floods the
// other end, the brokers (kafka-mock-cluster, in the same namespace) are down, and the
// in-memory queue and the spool are as small as allowed. The writer then waits, the row
// queue and the worker's inbox fill, the capture thread waits, and the kernel drops packets
// at the capture stage, where they are counted (capture.kernel_drops) — never silently:
// packets processed + packets dropped = packets sent. Once the brokers return, every row
// that reached the writer is delivered: the rows kcat reads equal the CSV rows (both sinks
// get the same rows), as a multiset.
//
// Needs root (namespace, capture); without it the program exits 77 (skipped).
// usage: kafka_live_backpressure FLOWMETERD KAFKA_MOCK_CLUSTER
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../live/live_support.hpp"
#include "notify_socket.hpp"
#include "test_main.hpp"
#include "text_files.hpp"

namespace fm::live_test {
namespace {

using Clock = std::chrono::steady_clock;
using test_support::read_file;
using test_support::split_lines;

std::string g_flowmeterd;
std::string g_mock_cluster;

constexpr std::uint64_t kMiB = 1 << 20;

/// kafka-mock-cluster inside the namespace (flowmeterd reaches it on the namespace's
/// loopback): the bootstrap servers it prints, brokers down (SIGUSR1) and up (SIGUSR2).
class MockCluster {
public:
    explicit MockCluster(const VethNamespace& ns) {
        int fds[2] = {-1, -1};
        if (pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }
        // The child's stdout: dup2 clears O_CLOEXEC on the copy.
        pid_ = start_in_namespace(ns, {g_mock_cluster, "--topic", "flows:6"}, {}, {}, fds[1]);
        close(fds[1]);
        out_ = fdopen(fds[0], "r");
        bootstrap_ = line();
        if (bootstrap_.rfind("127.0.0.1:", 0) != 0) {
            throw std::runtime_error("kafka-mock-cluster printed \"" + bootstrap_ + "\"");
        }
    }
    ~MockCluster() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        if (out_ != nullptr) {
            fclose(out_);
        }
    }
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    const std::string& bootstrap() const noexcept { return bootstrap_; }
    std::string first_broker() const { return bootstrap_.substr(0, bootstrap_.find(',')); }
    void down() { signal_and_expect(SIGUSR1, "down"); }
    void up() { signal_and_expect(SIGUSR2, "up"); }

private:
    std::string line() {
        char buf[1024];
        if (fgets(buf, sizeof buf, out_) == nullptr) {
            throw std::runtime_error("kafka-mock-cluster ended");
        }
        std::string s(buf);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
            s.pop_back();
        }
        return s;
    }
    void signal_and_expect(int sig, const std::string& expect) {
        kill(pid_, sig);
        const std::string got = line();
        if (got != expect) {
            throw std::runtime_error("kafka-mock-cluster said \"" + got + "\", not " + expect);
        }
    }

    pid_t pid_ = -1;
    FILE* out_ = nullptr;
    std::string bootstrap_;
};

int wait_exit(pid_t pid, std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : -100 - WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -2;
}

/// The value of the last "NAME VALUE" in `log` (final statistics: "final: NAME VALUE"),
/// 0 when the counter is not there (zero counters are not logged).
std::uint64_t last_number(const std::string& log, const std::string& name) {
    const std::regex re(name + "[: ]*(\\d+)");
    std::uint64_t value = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it) {
        value = std::stoull((*it)[1].str());
    }
    return value;
}

std::multiset<std::string> csv_rows(const std::string& dir) {
    std::multiset<std::string> rows;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".csv") {
            continue;
        }
        std::vector<std::string> lines = split_lines(read_file(entry.path().string()));
        for (std::size_t i = 1; i < lines.size(); ++i) {
            rows.insert(lines[i]);
        }
    }
    return rows;
}

TEST(KafkaLiveBackpressure, FullSpoolDropsAtTheCaptureCountedAndDeliversEveryRowLater) {
    const std::string reason = netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    ASSERT_TRUE(find_program("kcat")) << "needs kcat (scripts/install-deps.sh installs it)";
    ASSERT_FALSE(g_mock_cluster.empty()) << "usage: kafka_live_backpressure FLOWMETERD MOCK";

    VethNamespace ns;
    run_checked(ns.in_ns({"ip", "link", "set", "lo", "up"}));
    const std::string dir =
        std::filesystem::temp_directory_path() / fmt::format("fm-kafka-live-{}", getpid());
    std::filesystem::create_directories(dir + "/out");
    struct Cleanup {
        std::string d;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(d, ec);
        }
    } cleanup{dir};

    MockCluster cluster(ns);
    cluster.down();

    // Small everywhere on the output side, so the SYN flood (one row per packet: the table
    // of 1000 flows ends its oldest flow for each new one) fills the Kafka queue (1 MiB),
    // the spool (1 MiB), the row queue and the worker's inbox while tcpreplay still sends,
    // and the kernel ring (1 MiB) overflows.
    const std::string config = dir + "/flowmeter.yaml";
    test_support::write_file(config,
                             fmt::format(R"(capture:
  source: pcap_live
  interface: {}
  buffer_mb: 1
pipeline:
  workers: 1
  queue_capacity: 256
flow:
  max_flows: 1000
output:
  directory: "{}/out"
  sinks: [csv, kafka]
  kafka:
    brokers: ["{}"]
    topic: flows
    queue_max_bytes: {}
    spool_max_bytes: {}
    flush_timeout_s: 60
logging:
  target: stderr
  stats_interval_s: 1
)",
                                         ns.capture_if(), dir, cluster.first_broker(), kMiB, kMiB));
    const std::string log = dir + "/flowmeterd.log";
    test_support::NotifySocket notify(dir + "/notify");
    const pid_t pid = start_in_namespace(ns, {g_flowmeterd, "--config", config}, log,
                                         {{"NOTIFY_SOCKET", notify.path()}});
    ASSERT_GT(pid, 0);
    if (!notify.wait_for("READY=1", std::chrono::seconds(30))) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        FAIL() << "flowmeterd did not start capturing within 30 s:\n" << read_file(log);
    }

    // 4 × 37841 SYN packets, at top speed.
    const std::string replayed =
        ns.replay(capture_path("large/pkt.TCP.synflood.spoofed.pcap"), {"--topspeed", "--loop=4"});
    const std::uint64_t sent = last_number(replayed, "Successful packets");
    ASSERT_GT(sent, 100000u) << replayed;

    // The spool is full and the pipeline waits: the run goes on, the spool stays bounded.
    const std::string spool = dir + "/out/flows.kafka-spool";
    const auto full_deadline = Clock::now() + std::chrono::seconds(30);
    while (read_file(log).find("is full") == std::string::npos && Clock::now() < full_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_NE(read_file(log).find("the pipeline waits for the brokers"), std::string::npos)
        << read_file(log);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ASSERT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << read_file(log);
    EXPECT_LE(std::filesystem::file_size(spool), kMiB);

    // Brokers back: the pipeline drains; wait until every packet is processed or counted as
    // dropped (the stats line, every second), then stop.
    cluster.up();
    const auto drain_deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
        const std::string text = read_file(log);
        const std::uint64_t seen = last_number(text, "stats: packets");
        const std::uint64_t dropped = last_number(text, "capture drops");
        if (seen + dropped >= sent || Clock::now() >= drain_deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    const int rc = wait_exit(pid, std::chrono::seconds(60));
    const std::string text = read_file(log);
    ASSERT_EQ(rc, 0) << text;

    // Every packet sent was either processed or dropped at the capture stage, counted.
    const std::uint64_t processed = last_number(text, "total packets processed");
    const std::uint64_t kernel_drops = last_number(text, "final: capture.kernel_drops");
    EXPECT_GT(kernel_drops, 0u) << text;
    EXPECT_EQ(processed + kernel_drops, sent) << text;
    // The pressure went back: the writer waited for spool room and the capture thread for room
    // in the worker's inbox. Between them the row queue (kRowQueueDepth chunks, about 16 MiB of
    // rows per worker) fills only when more rows than that come after the spool is full, which
    // a sanitized build, processing a fifth of the packets, does not reach: its wait
    // (output.queue_full_waits) is not required here.
    EXPECT_GT(last_number(text, "final: kafka.spool_full_waits"), 0u) << text;
    EXPECT_GT(last_number(text, "final: dispatch.queue_full_waits"), 0u) << text;
    EXPECT_EQ(last_number(text, "final: kafka.rows_lost"), 0u) << text;
    EXPECT_EQ(last_number(text, "final: kafka.rows_failed"), 0u) << text;

    // Every row that reached the writer was delivered, once.
    const std::multiset<std::string> rows = csv_rows(dir + "/out");
    ASSERT_GT(rows.size(), 10000u);
    EXPECT_EQ(last_number(text, "final: kafka.rows_delivered"), rows.size()) << text;
    std::string consumed_text;
    ASSERT_EQ(run_program(ns.in_ns({"kcat", "-C", "-b", cluster.bootstrap(), "-t", "flows", "-o",
                                    "beginning", "-e", "-q", "-f", "M\t%s\n"}),
                          &consumed_text),
              0)
        << consumed_text;
    std::multiset<std::string> consumed;
    for (const std::string& line : split_lines(consumed_text)) {
        ASSERT_EQ(line.rfind("M\t", 0), 0u) << "kcat: " << line;
        consumed.insert(line.substr(2));
    }
    std::printf(
        "%llu packets sent: %llu processed, %llu dropped by the kernel; %zu rows, %llu "
        "spooled\n",
        static_cast<unsigned long long>(sent), static_cast<unsigned long long>(processed),
        static_cast<unsigned long long>(kernel_drops), rows.size(),
        static_cast<unsigned long long>(last_number(text, "final: kafka.rows_spooled")));
    EXPECT_EQ(consumed.size(), rows.size());
    EXPECT_TRUE(consumed == rows) << "the consumed rows differ from the CSV rows";
    EXPECT_FALSE(std::filesystem::exists(spool)) << "the replayed spool was left behind";
}

}  // namespace
}  // namespace fm::live_test

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc > 2) {
        fm::live_test::g_flowmeterd = argv[1];
        fm::live_test::g_mock_cluster = argv[2];
    }
    return fm::test_support::exit_status(RUN_ALL_TESTS());
}
