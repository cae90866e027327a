// SPDX-License-Identifier: BSD-3-Clause
// The metrics of a run (daemon/metrics_endpoint.cpp): after a whole run over a reference capture
// every series agrees with the run's final counters, every counter the run reports has a
// documented series, and the endpoint's errors name metrics.listen and where it was set.
// The HTTP answers themselves are checked here with a plain socket client; the daemon
// integration test scrapes a live run with curl and Python's prometheus_client.
#include "daemon/metrics_endpoint.hpp"

#include <map>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/module_loader.hpp"
#include "config/config_loader.hpp"
#include "daemon/run.hpp"
#include "metrics/counter_docs.hpp"
#include "metrics/metrics_module.hpp"
#include "metrics/series.hpp"
#include "shared_dir.hpp"
#include "temp_dir.hpp"

namespace fm::daemon {
namespace {

config::DaemonConfig capture_run(const test_support::TempDir& dir) {
    config::DaemonConfig cfg;
    cfg.capture.files = {(test_support::shared_dir() / "pcaps/tcp/tls_ciphers.pcap").string()};
    cfg.output.file = dir.file("flows.csv");
    cfg.output.fsync = false;
    cfg.pipeline.workers = 2;
    return cfg;
}

std::map<std::string, std::uint64_t> by_name(const NamedCounters& c) {
    return {c.begin(), c.end()};
}

TEST(MetricsEndpoint, SampleAfterARunAgreesWithTheFinalCounters) {
    const test_support::TempDir dir("fm-metrics");
    const config::DaemonConfig cfg = capture_run(dir);
    daemon::Run run(cfg);
    run.start();
    const PipelineResult result = run.wait();
    const metrics::MetricsSample m = metrics_sample(run, cfg);

    EXPECT_EQ(m.profile, to_string(kDefaultProfile));
    EXPECT_FALSE(m.version.empty());
    ASSERT_EQ(m.active_flows.size(), 2U);
    EXPECT_EQ(m.active_flows[0] + m.active_flows[1], 0U) << "tables are drained";
    // Every final counter, the engines' flow.* included, is in the sample with its value.
    const auto sample = by_name(m.counters);
    ASSERT_GT(result.stats.packets_read, 0U);
    for (const auto& [name, value] : result.counters) {
        const auto it = sample.find(name);
        ASSERT_NE(it, sample.end()) << name << " is not exported";
        EXPECT_EQ(it->second, value) << name;
        const metrics::SeriesName s = metrics::series_for(name);
        EXPECT_FALSE(s.help.starts_with("flowmeterd counter ") && !name.starts_with("decode."))
            << name << ": add its counter table to src/metrics/counter_docs.cpp";
    }
    EXPECT_EQ(sample.at("flow.ended_drain"), result.flow.ended_drain);
    EXPECT_EQ(sample.at("output.rows_written"), result.writer.rows_written);

    const std::string text = metrics::render_metrics(m);
    EXPECT_NE(
        text.find(fmt::format("flowmeterd_captured_packets_total {}\n", result.stats.packets_read)),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(fmt::format("flowmeterd_rows_written_total {}\n", result.writer.rows_written)),
        std::string::npos)
        << text;
    EXPECT_NE(text.find(fmt::format("flowmeterd_flows_ended_total{{reason=\"fin_rst\"}} {}\n",
                                    result.flow.ended_fin_rst)),
              std::string::npos)
        << text;
}

TEST(MetricsEndpoint, OffWhenNoAddressIsSet) {
    const test_support::TempDir dir("fm-metrics");
    const config::DaemonConfig cfg = capture_run(dir);
    const daemon::Run run(cfg);
    EXPECT_EQ(start_metrics_endpoint(run, cfg, config::Origins{}), nullptr);
}

#ifdef FM_HAVE_METRICS

// This program links the module flowmeterd-metrics in (there is no module file beside it).
const bool kMetricsModuleProvided = (modules::provide_module(flowmeterd_module_metrics()), true);

/// One HTTP/1.0 request to 127.0.0.1:port; the whole answer, headers included.
std::string http(std::uint16_t port, const std::string& request) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return "connect failed";
    }
    EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return out;
}

std::uint16_t port_of(const std::string& url) {
    const std::size_t colon = url.rfind(':');
    return static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
}

TEST(MetricsEndpoint, ServesMetricsOnAnyFreePort) {
    const test_support::TempDir dir("fm-metrics");
    config::DaemonConfig cfg = capture_run(dir);
    cfg.metrics.listen = "127.0.0.1:0";
    daemon::Run run(cfg);
    const auto endpoint = start_metrics_endpoint(run, cfg, config::Origins{});
    ASSERT_NE(endpoint, nullptr);
    const std::uint16_t port = port_of(endpoint->url());
    EXPECT_NE(port, 0) << endpoint->url();
    EXPECT_TRUE(endpoint->url().starts_with("http://127.0.0.1:")) << endpoint->url();

    const std::string before = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(before.starts_with("HTTP/1.0 200") || before.starts_with("HTTP/1.1 200")) << before;
    EXPECT_NE(before.find("text/plain; version=0.0.4; charset=utf-8"), std::string::npos);
    EXPECT_NE(before.find("\r\n\r\n# HELP flowmeterd_build_info "), std::string::npos) << before;
    EXPECT_NE(before.find("flowmeterd_captured_packets_total 0\n"), std::string::npos);

    run.start();
    const PipelineResult result = run.wait();
    const std::string after = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_NE(after.find(
                  fmt::format("flowmeterd_captured_packets_total {}\n", result.stats.packets_read)),
              std::string::npos)
        << after;

    EXPECT_NE(http(port, "GET /other HTTP/1.0\r\n\r\n").find(" 404 "), std::string::npos);
    const std::string post = http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    EXPECT_NE(post.find(" 405 "), std::string::npos) << post;
    const std::string head = http(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
    EXPECT_NE(head.find(" 200 "), std::string::npos) << head;
    EXPECT_EQ(head.find("# HELP"), std::string::npos) << "HEAD has no body";
}

TEST(MetricsEndpoint, BusyPortIsAConfigErrorNamingTheKey) {
    const test_support::TempDir dir("fm-metrics");
    config::DaemonConfig cfg = capture_run(dir);
    cfg.metrics.listen = "127.0.0.1:0";
    const daemon::Run run(cfg);
    const auto first = start_metrics_endpoint(run, cfg, config::Origins{});
    ASSERT_NE(first, nullptr);
    cfg.metrics.listen = "127.0.0.1:" + std::to_string(port_of(first->url()));
    config::Origins origins;
    origins.set("metrics.listen", "f.yaml:40");
    try {
        start_metrics_endpoint(run, cfg, origins);
        FAIL() << "a second server on the same port started";
    } catch (const config::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "f.yaml:40: metrics.listen: cannot listen on " +
                                             cfg.metrics.listen + ": Address already in use");
    }
}

TEST(MetricsEndpoint, AddressNotOnThisHost) {
    const test_support::TempDir dir("fm-metrics");
    config::DaemonConfig cfg = capture_run(dir);
    // TEST-NET-1 (RFC 5737): never an address of this host.
    cfg.metrics.listen = "192.0.2.1:9464";
    const daemon::Run run(cfg);
    try {
        start_metrics_endpoint(run, cfg, config::Origins{});
        FAIL() << "listened on an address this host does not have";
    } catch (const config::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("defaults: metrics.listen: cannot listen on "
                                             "192.0.2.1:9464: Cannot assign requested address"),
                  std::string::npos)
            << e.what();
    }
}

TEST(MetricsEndpoint, Ipv6Loopback) {
    const int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    const bool have_v6 =
        probe >= 0 && bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (probe >= 0) {
        close(probe);
    }
    if (!have_v6) {
        GTEST_SKIP() << "this host has no IPv6 loopback (::1)";
    }
    const test_support::TempDir dir("fm-metrics");
    config::DaemonConfig cfg = capture_run(dir);
    cfg.metrics.listen = "[::1]:0";
    const daemon::Run run(cfg);
    const auto endpoint = start_metrics_endpoint(run, cfg, config::Origins{});
    ASSERT_NE(endpoint, nullptr);
    EXPECT_TRUE(endpoint->url().starts_with("http://[::1]:")) << endpoint->url();
    const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin6_port = htons(port_of(endpoint->url()));
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
    ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    EXPECT_NE(out.find("flowmeterd_build_info{"), std::string::npos) << out;
}

#endif  // FM_HAVE_METRICS

}  // namespace
}  // namespace fm::daemon
