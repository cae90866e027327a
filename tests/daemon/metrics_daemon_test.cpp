// SPDX-License-Identifier: BSD-3-Clause
// The Prometheus endpoint of the real daemon, read by real clients: `flowmeterd --config FILE`
// captures live on one end of a veth pair in a private network namespace with
// metrics.listen "127.0.0.1:0"; the test finds the port the daemon logged, scrapes it with curl
// before and after replaying a capture, parses each scrape with Python's prometheus_client
// (parse_metrics.py), and checks that the values move and, after SIGTERM, agree with the final
// statistics the daemon logs. The live test needs root (namespaces, CAP_NET_RAW), tcpreplay and
// curl and is skipped without them; the error cases run anywhere.
// Usage: daemon_metrics PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_support.hpp"
#include "live_support.hpp"
#include "metrics/series.hpp"
#include "netns_daemon.hpp"

namespace fm::daemon_test {
namespace {

/// Sample key "name{k=v,...}" (labels sorted) -> value, as parse_metrics.py prints them.
using Scrape = std::map<std::string, std::uint64_t>;

std::string key(const std::string& name, std::vector<std::pair<std::string, std::string>> labels) {
    std::sort(labels.begin(), labels.end());
    std::string k = name + "{";
    for (std::size_t i = 0; i < labels.size(); ++i) {
        k += (i == 0 ? "" : ",") + labels[i].first + "=" + labels[i].second;
    }
    return k + "}";
}

/// Parses `text` with prometheus_client; fails the test when the client cannot read it.
Scrape parse_scrape(const std::string& text, const std::string& dir) {
    const std::string file = dir + "/scrape.txt";
    write_file(file, text);
    std::string out;
    const int rc = live_test::run_program({"/usr/bin/python3", FM_PARSE_METRICS_PY, file}, &out);
    EXPECT_EQ(rc, 0) << out << "\n--- scrape:\n" << text;
    Scrape s;
    for (const std::string& line : split_lines(out)) {
        const std::vector<std::string> f = split_fields(line, '\t');
        if (f.size() != 4) {
            ADD_FAILURE() << "parse_metrics.py printed: " << line;
            continue;
        }
        s[f[0] + "{" + f[1] + "}"] = std::stoull(f[2]);
    }
    return s;
}

std::uint64_t sum_of(const Scrape& s, const std::string& name) {
    std::uint64_t total = 0;
    for (const auto& [k, v] : s) {
        if (k.starts_with(name + "{")) {
            total += v;
        }
    }
    return total;
}

/// The port of "serving Prometheus metrics at http://127.0.0.1:PORT/metrics" in the log.
int logged_port(const std::string& log) {
    static const std::regex re("serving Prometheus metrics at http://127\\.0\\.0\\.1:([0-9]+)/");
    std::smatch m;
    // The child creates the log; it may not have yet.
    const std::string text = std::filesystem::exists(log) ? slurp(log) : std::string();
    return std::regex_search(text, m, re) ? std::stoi(m[1]) : 0;
}

/// "final: NAME VALUE" lines of the daemon's final statistics.
std::map<std::string, std::uint64_t> final_counters(const std::string& log) {
    static const std::regex re("final: ([a-z_]+\\.[a-z0-9_.]+) ([0-9]+)");
    std::map<std::string, std::uint64_t> out;
    const std::string text = slurp(log);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it) {
        out[(*it)[1]] = std::stoull((*it)[2]);
    }
    return out;
}

std::string write_config(const TempDir& dir, const std::string& metrics_section,
                         const std::string& capture_section) {
    const std::string cfg = dir.file("flowmeter.yaml");
    write_file(cfg, capture_section + "output:\n  directory: \"" + dir.file("out") +
                        "\"\n  fsync: false\nlogging:\n  target: stderr\n" + metrics_section);
    return cfg;
}

// A build without libmicrohttpd refuses metrics.listen (tests/unit/config).
#ifdef FM_HAVE_METRICS
#define FM_NEEDS_METRICS_ENDPOINT() static_cast<void>(0)
#else
#define FM_NEEDS_METRICS_ENDPOINT() GTEST_SKIP() << "built without the metrics endpoint"
#endif

TEST(DaemonMetrics, BadAddressIsAConfigErrorWithFileAndLine) {
    FM_NEEDS_METRICS_ENDPOINT();
    TempDir dir;
    const std::string cfg = write_config(dir, "metrics:\n  listen: \"localhost:9464\"\n",
                                         "capture:\n  files: [a.pcap]\n");
    const std::string log = dir.file("daemon.log");
    EXPECT_EQ(run_program({programs().flowmeterd, "--config", cfg}, log), 78) << slurp(log);
    EXPECT_NE(slurp(log).find(cfg + ":9: metrics.listen: \"localhost\" is not a numeric IPv4 "
                                    "address"),
              std::string::npos)
        << slurp(log);
    // The flag is checked the same way.
    EXPECT_EQ(
        run_program({programs().flowmeterd, "-f", "a.pcap", "--metrics-listen", "[::1]"}, log), 78);
    EXPECT_NE(
        slurp(log).find("command line (--metrics-listen): metrics.listen: \"[::1]\" has no port"),
        std::string::npos)
        << slurp(log);
}

TEST(DaemonMetrics, PortInUseStopsTheRunBeforeItStarts) {
    FM_NEEDS_METRICS_ENDPOINT();
    TempDir dir;
    // Hold a listening socket on a free loopback port.
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    const std::string address = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
    const std::string pcap = shared_dir() + "/pcaps/tcp/tls_ciphers.pcap";
    const std::string out = dir.file("flows.csv");
    const std::string log = dir.file("daemon.log");
    EXPECT_EQ(run_program(
                  {programs().flowmeterd, "-f", pcap, "-o", out, "--metrics-listen", address}, log),
              78);
    close(fd);
    EXPECT_NE(slurp(log).find("command line (--metrics-listen): metrics.listen: cannot listen on " +
                              address + ": Address already in use"),
              std::string::npos)
        << slurp(log);
    EXPECT_FALSE(std::filesystem::exists(out)) << "the run started although it cannot be watched";
}

TEST(DaemonMetrics, ScrapedDuringALiveRunAndAgreeingWithTheFinalStatistics) {
    FM_NEEDS_METRICS_ENDPOINT();
    const std::string reason = live_test::netns_skip_reason();
    if (!reason.empty()) {
        GTEST_SKIP() << reason;
    }
    if (!live_test::find_program("curl")) {
        GTEST_SKIP() << "needs curl";
    }
    TempDir dir;
    const std::string pcap = live_test::capture_path("tcp/tls_ciphers.pcap");
    Csv offline;
    ASSERT_TRUE(run_offline(pcap, dir.file("offline.csv"), dir.file("offline.log"), offline));
    const std::size_t offline_rows = offline.rows.size();
    ASSERT_GT(offline_rows, 0U);

    live_test::VethNamespace ns;
    live_test::run_checked(ns.in_ns({"ip", "link", "set", "lo", "up"}));
    const std::string cfg =
        write_config(dir, "  stats_interval_s: 1\nmetrics:\n  listen: \"127.0.0.1:0\"\n",
                     "capture:\n  source: pcap_live\n  interface: " + ns.capture_if() +
                         "\n  threads: 2\npipeline:\n  workers: 2\n"
                         "flow:\n  flow_timeout_s: 3\n");
    const std::string log = dir.file("daemon.log");
    const Child d = spawn_in_namespace(ns, {programs().flowmeterd, "--config", cfg}, log);
    KillOnScopeExit guard(d.pid);
    ASSERT_TRUE(wait_for([&] { return logged_port(log) != 0; }, std::chrono::seconds(20),
                         std::chrono::milliseconds(20)))
        << slurp(log);
    const std::string url = "http://127.0.0.1:" + std::to_string(logged_port(log)) + "/metrics";
    auto scrape = [&] {
        std::string body;
        const int rc = live_test::run_program(ns.in_ns({"curl", "-sS", "--fail", url}), &body);
        EXPECT_EQ(rc, 0) << body;
        return parse_scrape(body, dir.path().string());
    };
    // The capture sockets exist once the pipeline layout is logged and READY would be sent; the
    // endpoint answers before that already.
    const Scrape before = scrape();
    EXPECT_EQ(before.at("flowmeterd_captured_packets_total{}"), 0U);
    EXPECT_EQ(
        before.at("flowmeterd_build_info{profile=fixed,version=" + std::string(FM_VERSION) + "}"),
        1U);
    EXPECT_TRUE(before.contains("flowmeterd_active_flows{worker=0}"));
    EXPECT_TRUE(before.contains("flowmeterd_active_flows{worker=1}"));
    EXPECT_TRUE(before.contains("flowmeterd_capture_dropped_packets_total{}"));
    EXPECT_TRUE(before.contains("flowmeterd_write_errors_total{}"));
    EXPECT_TRUE(before.contains("flowmeterd_files_rotated_total{}"));
    EXPECT_TRUE(before.contains("flowmeterd_rows_held_total{}"));
    EXPECT_TRUE(before.contains("flowmeterd_worker_queue_full_waits_total{}"));
    EXPECT_TRUE(before.contains("flowmeterd_packets_not_decoded_total{reason=not_ip}"));
    EXPECT_TRUE(before.contains("flowmeterd_flows_ended_total{reason=fin_rst}"));
    ASSERT_TRUE(wait_for([&] { return slurp(log).find("pipeline:") != std::string::npos; },
                         std::chrono::seconds(20), std::chrono::milliseconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));

    ns.replay(pcap);
    // Rows appear once the flows end (FIN/RST, or the 3 s timeout by the clock).
    Scrape during;
    ASSERT_TRUE(wait_for(
        [&] {
            during = scrape();
            return during.at("flowmeterd_rows_written_total{}") >= offline_rows;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(200)))
        << slurp(log);
    EXPECT_GT(during.at("flowmeterd_captured_packets_total{}"), 0U);
    EXPECT_GT(during.at("flowmeterd_captured_bytes_total{}"),
              during.at("flowmeterd_captured_packets_total{}"));
    EXPECT_GE(sum_of(during, "flowmeterd_flows_ended_total"), offline_rows);
    EXPECT_GT(during.at("flowmeterd_decoded_packets_total{}"), 0U);

    ASSERT_EQ(kill(d.pid, SIGTERM), 0);
    ASSERT_EQ(guard.wait_exit(std::chrono::seconds(30)), 0) << slurp(log);

    // No packet arrived after the replay: what was captured and decoded is final; what the stop
    // drains (flows still open) can only add to the flow and output counters.
    const std::map<std::string, std::uint64_t> final = final_counters(log);
    ASSERT_FALSE(final.empty()) << slurp(log);
    std::size_t compared = 0;
    for (const auto& [name, value] : final) {
        const metrics::SeriesName s = metrics::series_for(name);
        if (s.family.empty() || s.type == metrics::MetricType::Gauge) {
            continue;
        }
        const auto it = during.find(key(s.family, s.labels));
        ASSERT_NE(it, during.end())
            << name << " (" << key(s.family, s.labels) << ") was not scraped";
        // The kernel's socket figures are refreshed periodically, the rest is read live.
        if (name == "capture.packets" || name == "capture.bytes" || name == "capture.decoded" ||
            name.starts_with("decode.")) {
            EXPECT_EQ(it->second, value) << name;
        } else {
            EXPECT_LE(it->second, value) << name;
        }
        ++compared;
    }
    EXPECT_GE(compared, 10U);
    EXPECT_EQ(final.at("capture.packets"), during.at("flowmeterd_captured_packets_total{}"));
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
