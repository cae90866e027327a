// SPDX-License-Identifier: BSD-3-Clause
// Every configuration key does something. A key that is parsed, validated and documented but
// read by no code (flow.idle_timeout_s once was) is a defect this test catches:
//  1. the table below lists every key of known_keys() (a new key must be added here);
//  2. a non-default value changes the effective configuration and its to_yaml() (the loader
//     stores it, --check-config shows it);
//  3. the struct field it fills is read by code outside the loader, the command line and the
//     start checks (src/config, src/daemon/cli.cpp, src/daemon/start_checks.*);
//  4. a behaviour test names the key or its field: the file listed for it, which shows that
//     setting the key changes what the program does (rows, files, errors, log lines).
// Keys whose behaviour needs hardware or privileges that a unit test does not have say so in
// `behaviour` ("needs …"); their code path is still covered by check 3.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "source_root.hpp"
#include "text_files.hpp"

namespace fm::config {
namespace {

namespace fs = std::filesystem;

struct KeyCase {
    std::string_view key;
    std::string_view yaml;       ///< the key set to a non-default value, as a whole file
    std::string_view field;      ///< the struct field it fills (DaemonConfig member name)
    std::string_view behaviour;  ///< test file that shows its effect, or "needs …"
};

// clang-format off
constexpr KeyCase kCases[] = {
    {"capture.source", "capture:\n  source: pcap_live\n", "source", "tests/unit/daemon/cli_test.cpp"},
    {"capture.files", "capture:\n  files: [a.pcap]\n", "files", "tests/daemon/cli_test.cpp"},
    {"capture.interface", "capture:\n  interface: eth9\n", "interface", "tests/live/pcap_live_test.cpp"},
    {"capture.bpf_filter", "capture:\n  bpf_filter: udp\n", "bpf_filter", "tests/daemon/settings_test.cpp"},
    {"capture.snaplen", "capture:\n  snaplen: 1500\n", "snaplen",
     "needs a live capture handle: it is libpcap's pcap_set_snaplen on the interface"},
    {"capture.promiscuous", "capture:\n  promiscuous: false\n", "promiscuous",
     "needs a real interface and a second host to tell promiscuous capture apart"},
    {"capture.buffer_mb", "capture:\n  buffer_mb: 8\n", "buffer_mb", "tests/live/pcap_live_test.cpp"},
    {"capture.threads", "capture:\n  threads: 2\n", "threads", "tests/live/pcap_live_test.cpp"},
    {"capture.max_packets", "capture:\n  max_packets: 10\n", "max_packets", "tests/pipeline/shutdown_test.cpp"},
    {"capture.dpdk.eal_args", "capture:\n  dpdk:\n    eal_args: [--no-huge]\n", "eal_args", "tests/live/dpdk_pcap_test.cpp"},
    {"capture.dpdk.ports", "capture:\n  dpdk:\n    ports: [1]\n", "ports", "tests/live/dpdk_pcap_test.cpp"},
    {"capture.dpdk.rx_queues", "capture:\n  dpdk:\n    rx_queues: 2\n", "rx_queues", "tests/live/dpdk_pcap_test.cpp"},
    {"capture.dpdk.burst_size", "capture:\n  dpdk:\n    burst_size: 64\n", "burst_size",
     "needs DPDK: the burst size changes only how many frames one rte_eth_rx_burst returns"},
    {"decode.ipv6", "decode:\n  ipv6: false\n", "ipv6", "tests/integration/offline_cli_test.cpp"},
    {"decode.tunnels", "decode:\n  tunnels: true\n", "tunnels", "tests/unit/decode/decoder_test.cpp"},
    {"pipeline.workers", "pipeline:\n  workers: 3\n", "workers", "tests/daemon/workers_test.cpp"},
    {"pipeline.queue_capacity", "pipeline:\n  queue_capacity: 1024\n", "queue_capacity", "tests/pipeline/shutdown_test.cpp"},
    {"pipeline.cpu_affinity", "pipeline:\n  workers: 1\n  cpu_affinity: [0]\n", "cpu_affinity", "tests/daemon/cli_test.cpp"},
    {"flow.profile", "flow:\n  profile: v4\n", "profile", "tests/pipeline/shard_invariance_test.cpp"},
    {"flow.flow_timeout_s", "flow:\n  flow_timeout_s: 7\n", "flow_timeout_us", "tests/unit/daemon/cli_test.cpp"},
    {"flow.activity_timeout_s", "flow:\n  activity_timeout_s: 2\n", "activity_timeout_us", "tests/unit/daemon/cli_test.cpp"},
    {"flow.idle_timeout_s", "flow:\n  idle_timeout_s: 3\n", "idle_timeout_us", "tests/unit/flow/idle_timeout_test.cpp"},
    {"flow.max_flows", "flow:\n  max_flows: 5000\n", "max_flows", "tests/pipeline/counters_test.cpp"},
    {"output.file", "output:\n  file: out.csv\n", "file", "tests/daemon/cli_test.cpp"},
    {"output.directory", "output:\n  directory: /tmp/x\n", "directory", "tests/daemon/cli_test.cpp"},
    {"output.file_prefix", "output:\n  file_prefix: p\n", "file_prefix", "tests/unit/output/rotating_csv_writer_test.cpp"},
    {"output.rotate.max_bytes", "output:\n  rotate:\n    max_bytes: 8192\n", "rotate_max_bytes", "tests/unit/output/rotating_csv_writer_test.cpp"},
    {"output.rotate.interval_s", "output:\n  rotate:\n    interval_s: 60\n", "rotate_interval_s", "tests/unit/output/rotating_csv_writer_test.cpp"},
    {"output.rotate.max_rows", "output:\n  rotate:\n    max_rows: 10\n", "rotate_max_rows", "tests/unit/output/rotating_csv_writer_test.cpp"},
    {"output.keep_files", "output:\n  keep_files: 3\n", "keep_files", "tests/daemon/rotation_test.cpp"},
    {"output.timezone", "output:\n  timezone: Europe/Berlin\n", "timezone", "tests/unit/daemon/cli_test.cpp"},
    {"output.label", "output:\n  label: BENIGN\n", "label", "tests/unit/daemon/cli_test.cpp"},
    {"output.hold_max_bytes", "output:\n  hold_max_bytes: 70000\n", "hold_max_bytes", "tests/unit/output/writer_thread_test.cpp"},
    {"output.fsync", "output:\n  fsync: false\n", "fsync", "tests/unit/output/rotating_csv_writer_test.cpp"},
    {"output.file_mode", "output:\n  file_mode: \"0600\"\n", "file_mode", "tests/unit/output/rotating_csv_writer_files_test.cpp"},
    {"output.sinks", "output:\n  sinks: [csv, kafka]\n", "sinks", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.brokers", "output:\n  kafka:\n    brokers: [\"h:9092\"]\n", "brokers", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.topic", "output:\n  kafka:\n    topic: t\n", "topic", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.client_id", "output:\n  kafka:\n    client_id: c\n", "client_id", "tests/unit/config/kafka_properties_test.cpp"},
    {"output.kafka.sensor_id", "output:\n  kafka:\n    sensor_id: s\n", "sensor_id", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.format", "output:\n  kafka:\n    format: json\n", "format", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.key", "output:\n  kafka:\n    key: none\n", "key", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.compression", "output:\n  kafka:\n    compression: zstd\n", "compression", "tests/unit/config/kafka_properties_test.cpp"},
    {"output.kafka.batch_bytes", "output:\n  kafka:\n    batch_bytes: 4096\n", "batch_bytes", "tests/unit/config/kafka_properties_test.cpp"},
    {"output.kafka.linger_ms", "output:\n  kafka:\n    linger_ms: 1\n", "linger_ms", "tests/unit/config/kafka_properties_test.cpp"},
    {"output.kafka.queue_max_bytes", "output:\n  kafka:\n    queue_max_bytes: 2097152\n", "queue_max_bytes", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.spool_max_bytes", "output:\n  kafka:\n    spool_max_bytes: 2097152\n", "spool_max_bytes", "tests/unit/output/kafka_spool_test.cpp"},
    {"output.kafka.flush_timeout_s", "output:\n  kafka:\n    flush_timeout_s: 3\n", "flush_timeout_s", "tests/kafka/kafka_sink_test.py"},
    {"output.kafka.properties", "output:\n  kafka:\n    properties:\n      acks: all\n", "properties", "tests/unit/config/kafka_properties_test.cpp"},
    {"logging.level", "logging:\n  level: debug\n", "level", "tests/unit/daemon/cli_test.cpp"},
    {"logging.target", "logging:\n  target: stderr\n", "target", "tests/daemon/settings_test.cpp"},
    {"logging.stats_interval_s", "logging:\n  stats_interval_s: 5\n", "stats_interval_s", "tests/daemon/live_daemon_test.cpp"},
    {"metrics.listen", "metrics:\n  listen: \"127.0.0.1:9464\"\n", "listen", "tests/daemon/metrics_daemon_test.cpp"},
    {"security.user", "security:\n  user: nobody\n", "user", "tests/daemon/privileges_test.cpp"},
    {"security.group", "security:\n  user: nobody\n  group: nogroup\n", "group", "tests/daemon/privileges_test.cpp"},
    {"labels", "labels:\n  - label: Attack\n    protocol: tcp\n", "labels", "tests/integration/labels_test.cpp"},
};
// clang-format on

using test_support::source_root;

/// Files that only parse, check or report settings: reading a field there is not using it.
/// config/kafka_properties.cpp is the exception in src/config: it turns output.kafka into the
/// producer's librdkafka properties, which output/kafka_sink.cpp builds the producer from.
bool only_handles_settings(const std::string& rel) {
    if (rel == "src/config/kafka_properties.cpp") {
        return false;
    }
    return rel.starts_with("src/config/") || rel == "src/daemon/cli.cpp" ||
           rel.starts_with("src/daemon/start_checks.");
}

TEST(KeyCoverage, TableListsEveryKnownKey) {
    std::set<std::string_view> table;
    for (const KeyCase& c : kCases) {
        EXPECT_TRUE(table.insert(c.key).second) << c.key << " is listed twice";
    }
    const std::set<std::string_view> known(known_keys().begin(), known_keys().end());
    for (std::string_view k : known) {
        EXPECT_TRUE(table.contains(k)) << k << ": a new key needs a line in kCases";
    }
    for (std::string_view k : table) {
        EXPECT_TRUE(known.contains(k)) << k << " is not a key any more";
    }
}

TEST(KeyCoverage, NonDefaultValueChangesTheEffectiveConfiguration) {
    const std::string default_yaml = to_yaml(DaemonConfig{});
    for (const KeyCase& c : kCases) {
        SCOPED_TRACE(std::string(c.key));
        const LoadedConfig l = parse_config_text(c.yaml, "k.yaml");
        EXPECT_TRUE(l.origins.was_set(c.key));
        EXPECT_FALSE(l.config == DaemonConfig{}) << "the value was not stored";
        const std::string yaml = to_yaml(l.config);
        EXPECT_NE(yaml, default_yaml) << "--check-config would not show it";
        EXPECT_EQ(parse_config_text(yaml, "again.yaml").config, l.config);
    }
}

TEST(KeyCoverage, EveryFieldIsReadOutsideTheConfigurationCode) {
    const fs::path root = source_root();
    std::vector<std::pair<std::string, std::string>> sources;  // relative path, text
    for (const auto& e : fs::recursive_directory_iterator(root / "src")) {
        const std::string ext = e.path().extension().string();
        if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) {
            continue;
        }
        const std::string rel = fs::relative(e.path(), root).generic_string();
        if (!only_handles_settings(rel)) {
            sources.emplace_back(rel, test_support::read_file(e.path().string()));
        }
    }
    ASSERT_GT(sources.size(), 20u);
    for (const KeyCase& c : kCases) {
        // A member access: `.field` or `->field`, not a longer name that starts with it.
        const std::regex use("(\\.|->)" + std::string(c.field) + "\\b");
        const bool read = std::any_of(sources.begin(), sources.end(), [&](const auto& s) {
            return std::regex_search(s.second, use);
        });
        EXPECT_TRUE(read) << c.key << ": no code outside src/config reads ." << c.field;
    }
}

TEST(KeyCoverage, EveryKeyHasABehaviourTest) {
    const fs::path root = source_root();
    for (const KeyCase& c : kCases) {
        SCOPED_TRACE(std::string(c.key));
        const std::string_view b = c.behaviour;
        if (b.starts_with("needs ")) {
            continue;  // justified in the table
        }
        const fs::path file = root / b;
        ASSERT_TRUE(fs::exists(file)) << file;
        const std::string text = test_support::read_file(file.string());
        const std::string leaf(c.key.substr(c.key.rfind('.') + 1));
        std::string flag = "--" + leaf;  // pipeline.workers: --workers
        std::replace(flag.begin(), flag.end(), '_', '-');
        const bool named =
            text.find(std::string(c.key)) != std::string::npos ||
            text.find(leaf + ":") != std::string::npos || text.find(flag) != std::string::npos ||
            std::regex_search(text, std::regex("\\." + std::string(c.field) + "\\b"));
        EXPECT_TRUE(named) << b << " does not set " << c.key;
    }
}

}  // namespace
}  // namespace fm::config
