// SPDX-License-Identifier: BSD-3-Clause
// config_loader: the shipped config/flowmeter.yaml equals the built-in defaults and names every
// key; every kind of bad configuration is rejected with `FILE:LINE: key: message`.
#include "config/config_loader.hpp"

#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "source_root.hpp"
#include "text_files.hpp"

namespace fm::config {
namespace {

using test_support::source_root;

using test_support::read_file;  // throws (fails the test) when it cannot read

/// A configuration that validates: the defaults plus an input.
DaemonConfig runnable() {
    DaemonConfig c;
    c.capture.files = {"in.pcap"};
    return c;
}

TEST(ConfigLoader, ShippedFileEqualsBuiltInDefaults) {
    const std::string path = source_root() + "/config/flowmeter.yaml";
    const LoadedConfig loaded = parse_config_file(path);
    EXPECT_EQ(loaded.config, DaemonConfig{}) << "config/flowmeter.yaml differs from config.hpp:\n"
                                             << to_yaml(loaded.config);
}

TEST(ConfigLoader, ShippedFileListsEveryKey) {
    const std::string path = source_root() + "/config/flowmeter.yaml";
    const LoadedConfig loaded = parse_config_file(path);
    for (std::string_view key : known_keys()) {
        EXPECT_TRUE(loaded.origins.was_set(key)) << key << " is missing from " << path;
        EXPECT_NE(loaded.origins.where(key).find(path + ":"), std::string::npos) << key;
    }
}

TEST(ConfigLoader, ShippedFileAnnotatesEveryKeyWithItsDefault) {
    // Each key's comment block ends with "Default: ..." right before the key line.
    const std::string text = read_file(source_root() + "/config/flowmeter.yaml");
    std::istringstream in(text);
    std::string line;
    std::string comment;
    int keys = 0;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos) {
            comment.clear();
            continue;
        }
        if (line[first] == '#') {
            comment += line + "\n";
            continue;
        }
        const bool leaf = line.find(':') != std::string::npos && line.back() != ':';
        if (leaf) {
            ++keys;
            EXPECT_NE(comment.find("Default:"), std::string::npos)
                << "no \"Default:\" comment above: " << line;
        }
        comment.clear();
    }
    EXPECT_EQ(keys, static_cast<int>(known_keys().size()));
}

TEST(ConfigLoader, DocumentationNamesEveryKey) {
    const std::string doc = read_file(source_root() + "/docs/configuration.md");
    for (std::string_view key : known_keys()) {
        // Built by append rather than "`" + key + "`": GCC 12 at -O3 reports a false
        // -Wrestrict for operator+(const char*, std::string&&) (GCC bug 105329).
        std::string quoted(1, '`');
        quoted.append(key).push_back('`');
        EXPECT_NE(doc.find(quoted), std::string::npos)
            << key << " is not documented in docs/configuration.md";
    }
}

TEST(ConfigLoader, DefaultsWithAnInputValidate) {
    EXPECT_NO_THROW(validate(runnable(), Origins{}));
}

TEST(ConfigLoader, EmptyFileKeepsDefaults) {
    EXPECT_EQ(parse_config_text("", "e.yaml").config, DaemonConfig{});
    EXPECT_EQ(parse_config_text("# only a comment\n", "e.yaml").config, DaemonConfig{});
    EXPECT_EQ(parse_config_text("capture:\n", "e.yaml").config, DaemonConfig{});
}

TEST(ConfigLoader, ParsesEveryKind) {
    const LoadedConfig l = parse_config_text(R"(
capture:
  source: dpdk
  files: [a.pcap, "b c.pcapng"]
  interface: eth1
  bpf_filter: "tcp port 80"
  snaplen: 1500
  promiscuous: false
  buffer_mb: 128
  threads: 2
  max_packets: 10000000000
  dpdk:
    eal_args: ["-l", "0-3"]
    ports: [0, 1]
    rx_queues: 4
    burst_size: 64
decode: {ipv6: false, tunnels: true}
pipeline:
  workers: 2
  queue_capacity: 4096
  cpu_affinity: [2, 3]
flow:
  profile: cic2017
  flow_timeout_s: 60.5
  activity_timeout_s: 2
  idle_timeout_s: 30
  max_flows: 5000
output:
  file: ""
  directory: /srv/flows
  file_prefix: edge
  rotate: {max_bytes: 1048576, interval_s: 300, max_rows: 100000}
  keep_files: 48
  timezone: America/Halifax
  label: BENIGN
  hold_max_bytes: 1048576
  fsync: false
logging: {level: debug, target: stderr, stats_interval_s: 10}
)",
                                             "all.yaml");
    const DaemonConfig& c = l.config;
    EXPECT_EQ(c.capture.source, CaptureSource::Dpdk);
    EXPECT_EQ(c.capture.files, (std::vector<std::string>{"a.pcap", "b c.pcapng"}));
    EXPECT_EQ(c.capture.interface, "eth1");
    EXPECT_EQ(c.capture.bpf_filter, "tcp port 80");
    EXPECT_EQ(c.capture.snaplen, 1500u);
    EXPECT_FALSE(c.capture.promiscuous);
    EXPECT_EQ(c.capture.buffer_mb, 128u);
    EXPECT_EQ(c.capture.threads, 2u);
    EXPECT_EQ(c.capture.max_packets, 10000000000ull);
    EXPECT_EQ(c.capture.dpdk.eal_args, (std::vector<std::string>{"-l", "0-3"}));
    EXPECT_EQ(c.capture.dpdk.ports, (std::vector<std::uint16_t>{0, 1}));
    EXPECT_EQ(c.capture.dpdk.rx_queues, 4);
    EXPECT_EQ(c.capture.dpdk.burst_size, 64);
    EXPECT_FALSE(c.decode.ipv6);
    EXPECT_TRUE(c.decode.tunnels);
    EXPECT_EQ(c.pipeline.workers, 2u);
    EXPECT_EQ(c.pipeline.queue_capacity, 4096u);
    EXPECT_EQ(c.pipeline.cpu_affinity, (std::vector<int>{2, 3}));
    EXPECT_EQ(c.flow.profile, Profile::Cic2017);
    EXPECT_EQ(c.flow.flow_timeout_us, 60'500'000);
    EXPECT_EQ(c.flow.activity_timeout_us, 2'000'000);
    EXPECT_EQ(c.flow.idle_timeout_us, 30'000'000);
    EXPECT_EQ(c.flow.max_flows, 5000u);
    EXPECT_EQ(c.output.directory, "/srv/flows");
    EXPECT_EQ(c.output.file_prefix, "edge");
    EXPECT_EQ(c.output.rotate_max_bytes, 1048576u);
    EXPECT_EQ(c.output.rotate_interval_s, 300u);
    EXPECT_EQ(c.output.rotate_max_rows, 100000u);
    EXPECT_EQ(c.output.keep_files, 48u);
    EXPECT_EQ(c.output.timezone, "America/Halifax");
    EXPECT_EQ(c.output.label, "BENIGN");
    EXPECT_EQ(c.output.hold_max_bytes, 1048576u);
    EXPECT_FALSE(c.output.fsync);
    EXPECT_EQ(c.logging.level, "debug");
    EXPECT_EQ(c.logging.target, LogTarget::Stderr);
    EXPECT_EQ(c.logging.stats_interval_s, 10u);
    EXPECT_EQ(l.origins.where("pipeline.workers"), "all.yaml:19");
    EXPECT_EQ(l.origins.where("logging.level"), "all.yaml:38");
    EXPECT_EQ(l.origins.where("capture.dpdk.rx_queues"), "all.yaml:15");

    EXPECT_NO_THROW(validate(c, l.origins, BuildFeatures{.dpdk = true, .systemd = true}));
    const LoadedConfig again = parse_config_text(to_yaml(c), "again.yaml");
    EXPECT_EQ(again.config, c) << to_yaml(c);
}

TEST(ConfigLoader, ToYamlRoundTripsDefaultsAndOddStrings) {
    DaemonConfig c = runnable();
    c.capture.files = {"with space.pcap", "quote\"d.pcap", "#hash.pcap", "yes"};
    c.capture.bpf_filter = "host 10.0.0.1 and (tcp or udp)";
    c.output.label = "DoS Hulk";
    c.flow.flow_timeout_us = 1'500'000;
    c.flow.idle_timeout_us = 250'000;
    EXPECT_EQ(parse_config_text(to_yaml(c), "rt.yaml").config, c) << to_yaml(c);
    EXPECT_EQ(parse_config_text(to_yaml(DaemonConfig{}), "rt.yaml").config, DaemonConfig{});
}

struct BadCase {
    const char* name;
    const char* yaml;
    const char* where;    // expected location
    const char* key;      // expected key
    const char* message;  // expected part of the message
};

class RejectedAtParse : public ::testing::TestWithParam<BadCase> {};

TEST_P(RejectedAtParse, NamesFileLineAndKey) {
    const BadCase& c = GetParam();
    try {
        (void)parse_config_text(c.yaml, "bad.yaml");
        FAIL() << "accepted: " << c.yaml;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), c.where) << e.what();
        EXPECT_EQ(e.key(), c.key) << e.what();
        EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()), e.where() + ": " + e.key() + ": " + e.message());
    }
}

const BadCase kParseCases[] = {
    {"unknown_top", "capture: {}\nfoo: 1\n", "bad.yaml:2", "foo", "unknown key"},
    {"unknown_section_key", "flow:\n  profile: v4\n  flow_timeout: 3\n", "bad.yaml:3",
     "flow.flow_timeout", "unknown key"},
    {"unknown_nested", "capture:\n  dpdk:\n    ports: [0]\n    lcores: 2\n", "bad.yaml:4",
     "capture.dpdk.lcores", "unknown key"},
    {"unknown_rotate", "output:\n  rotate:\n    max_files: 3\n", "bad.yaml:3",
     "output.rotate.max_files", "unknown key"},
    {"leaf_used_as_section", "flow:\n  profile:\n    name: v4\n", "bad.yaml:3", "flow.profile",
     "expected a string, got a mapping"},
    {"section_not_map", "pipeline: 4\n", "bad.yaml:1", "pipeline", "expected a mapping"},
    // Bytes that are not UTF-8 would be written back by to_yaml() as U+FFFD (fuzz finding).
    {"not_utf8_list", "capture:\n  files: [a.pcap, \x9b\x9b]\n", "bad.yaml:2", "capture.files",
     "not valid UTF-8"},
    {"not_utf8_overlong", "output:\n  label: \"\xc0\xaf\"\n", "bad.yaml:2", "output.label",
     "not valid UTF-8"},
    {"not_utf8_property_name", "output:\n  kafka:\n    properties:\n      \"a\xcc\": \"1\"\n",
     "bad.yaml:4", "output.kafka.properties", "names must be valid UTF-8"},
    {"top_not_map", "- a\n- b\n", "bad.yaml:1", "(top level)", "expected a mapping"},
    {"duplicate", "pipeline:\n  workers: 2\n  workers: 3\n", "bad.yaml:3", "pipeline.workers",
     "duplicate key"},
    {"int_is_text", "pipeline:\n  workers: four\n", "bad.yaml:2", "pipeline.workers",
     "expected a non-negative integer, got \"four\""},
    {"int_is_quoted", "pipeline:\n  workers: \"4\"\n", "bad.yaml:2", "pipeline.workers",
     "the quoted string \"4\""},
    {"int_negative", "capture:\n  snaplen: -1\n", "bad.yaml:2", "capture.snaplen",
     "expected a non-negative integer"},
    {"int_fraction", "capture:\n  threads: 1.5\n", "bad.yaml:2", "capture.threads",
     "expected a non-negative integer"},
    {"int_too_big", "capture:\n  dpdk:\n    burst_size: 70000\n", "bad.yaml:3",
     "capture.dpdk.burst_size", "does not fit"},
    {"int_is_list", "flow:\n  max_flows: [1]\n", "bad.yaml:2", "flow.max_flows", "a list"},
    {"int_is_null", "output:\n  keep_files:\n", "bad.yaml:2", "output.keep_files", "null"},
    {"bool_bad", "decode:\n  ipv6: maybe\n", "bad.yaml:2", "decode.ipv6", "expected true or false"},
    {"bool_number", "capture:\n  promiscuous: 1\n", "bad.yaml:2", "capture.promiscuous",
     "expected true or false"},
    {"string_is_list", "capture:\n  interface: [eth0]\n", "bad.yaml:2", "capture.interface",
     "expected a string, got a list"},
    {"list_is_string", "capture:\n  files: a.pcap\n", "bad.yaml:2", "capture.files",
     "expected a list of strings"},
    {"list_elem_map", "capture:\n  files:\n    - a.pcap\n    - {x: 1}\n", "bad.yaml:4",
     "capture.files", "expected a string, got a mapping"},
    {"int_list_elem", "pipeline:\n  cpu_affinity: [1, two]\n", "bad.yaml:2",
     "pipeline.cpu_affinity", "expected an integer"},
    {"enum_source", "capture:\n  source: netmap\n", "bad.yaml:2", "capture.source",
     "unknown value \"netmap\": expected one of pcap_file, pcap_live, dpdk"},
    {"enum_profile", "flow:\n  profile: cic2019\n", "bad.yaml:2", "flow.profile",
     "unknown value \"cic2019\""},
    {"enum_target", "logging:\n  target: syslog\n", "bad.yaml:2", "logging.target",
     "unknown value \"syslog\""},
    {"seconds_text", "flow:\n  flow_timeout_s: 2m\n", "bad.yaml:2", "flow.flow_timeout_s",
     "expected a number of seconds"},
    {"seconds_negative", "flow:\n  idle_timeout_s: -5\n", "bad.yaml:2", "flow.idle_timeout_s",
     "out of range"},
    {"seconds_inf", "flow:\n  activity_timeout_s: 1e300\n", "bad.yaml:2", "flow.activity_timeout_s",
     "out of range"},
    {"syntax", "capture:\n  files: [a, b\n", "bad.yaml:3", "(syntax)", ""},
    {"mode_not_octal", "output:\n  file_mode: \"0689\"\n", "bad.yaml:2", "output.file_mode",
     "expected permission bits in octal"},
    {"mode_text", "output:\n  file_mode: rw-r-----\n", "bad.yaml:2", "output.file_mode",
     "expected permission bits in octal"},
    {"mode_setuid", "output:\n  file_mode: \"4640\"\n", "bad.yaml:2", "output.file_mode",
     "beyond rwx"},
    {"security_not_map", "security: nobody\n", "bad.yaml:1", "security", "expected a mapping"},
    {"security_unknown", "security:\n  chroot: /x\n", "bad.yaml:2", "security.chroot",
     "unknown key"},
};

INSTANTIATE_TEST_SUITE_P(Cases, RejectedAtParse, ::testing::ValuesIn(kParseCases),
                         [](const auto& p) { return std::string(p.param.name); });

struct InvalidCase {
    const char* name;
    const char* yaml;
    const char* where;
    const char* key;
    const char* message;
    BuildFeatures build;
};

class RejectedAtValidate : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(RejectedAtValidate, NamesFileLineAndKey) {
    const InvalidCase& c = GetParam();
    const LoadedConfig l = parse_config_text(c.yaml, "v.yaml");
    try {
        validate(l.config, l.origins, c.build);
        FAIL() << "accepted: " << c.yaml;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), c.where) << e.what();
        EXPECT_EQ(e.key(), c.key) << e.what();
        EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
    }
}

constexpr BuildFeatures kFull{.dpdk = true, .systemd = true};

const InvalidCase kValidateCases[] = {
    {"snaplen_low", "capture:\n  files: [a]\n  snaplen: 10\n", "v.yaml:3", "capture.snaplen",
     "10 is out of range: must be from 64 to 262144", kFull},
    {"buffer_zero", "capture:\n  files: [a]\n  buffer_mb: 0\n", "v.yaml:3", "capture.buffer_mb",
     "out of range", kFull},
    {"workers_zero", "capture:\n  files: [a.pcap]\npipeline:\n  workers: 0\n", "v.yaml:4",
     "pipeline.workers", "0 is out of range: must be from 1 to 256", kFull},
    {"workers_high", "capture:\n  files: [a.pcap]\npipeline:\n  workers: 1000\n", "v.yaml:4",
     "pipeline.workers", "out of range", kFull},
    {"queue_small", "capture:\n  files: [a.pcap]\npipeline:\n  queue_capacity: 8\n", "v.yaml:4",
     "pipeline.queue_capacity", "out of range", kFull},
    {"affinity_length",
     "capture:\n  files: [a.pcap]\npipeline:\n  workers: 4\n  cpu_affinity: [0, 1]\n", "v.yaml:5",
     "pipeline.cpu_affinity", "2 CPUs listed but pipeline.workers is 4 (set at v.yaml:4)", kFull},
    {"affinity_one_worker",
     "capture:\n  files: [a.pcap]\npipeline:\n  workers: 1\n  cpu_affinity: [0, 1]\n", "v.yaml:5",
     "pipeline.cpu_affinity", "pipeline.workers is 1 (set at v.yaml:4)", kFull},
    {"affinity_cpu_range",
     "capture:\n  files: [a.pcap]\npipeline:\n  workers: 1\n  cpu_affinity: [5000]\n", "v.yaml:5",
     "pipeline.cpu_affinity", "5000 is out of range", kFull},
    {"dpdk_not_built", "capture:\n  source: dpdk\n", "v.yaml:2", "capture.source",
     "built without DPDK", BuildFeatures{.dpdk = false, .systemd = true}},
    {"dpdk_no_ports", "capture:\n  source: dpdk\n  dpdk:\n    ports: []\n", "v.yaml:4",
     "capture.dpdk.ports", "no port", kFull},
    {"dpdk_dup_ports", "capture:\n  source: dpdk\n  dpdk:\n    ports: [1, 2, 1]\n", "v.yaml:4",
     "capture.dpdk.ports", "port 1 is listed twice", kFull},
    {"dpdk_queues_zero", "capture:\n  source: dpdk\n  dpdk:\n    rx_queues: 0\n", "v.yaml:4",
     "capture.dpdk.rx_queues", "out of range", kFull},
    {"file_source_no_files", "capture:\n  source: pcap_file\n", "v.yaml", "capture.files",
     "no input file", kFull},
    {"file_source_threads", "capture:\n  files: [a]\n  threads: 2\n", "v.yaml:3", "capture.threads",
     "one stream", kFull},
    {"live_no_interface", "capture:\n  source: pcap_live\n", "v.yaml", "capture.interface",
     "no interface", kFull},
    {"timeout_zero", "capture:\n  files: [a.pcap]\nflow:\n  flow_timeout_s: 0\n", "v.yaml:4",
     "flow.flow_timeout_s", "greater than 0", kFull},
    {"activity_zero", "capture:\n  files: [a.pcap]\nflow:\n  activity_timeout_s: 0\n", "v.yaml:4",
     "flow.activity_timeout_s", "greater than 0", kFull},
    {"max_flows_zero", "capture:\n  files: [a.pcap]\nflow:\n  max_flows: 0\n", "v.yaml:4",
     "flow.max_flows", "at least 1", kFull},
    {"max_flows_below_workers",
     "capture:\n  files: [a.pcap]\npipeline:\n  workers: 8\nflow:\n  max_flows: 4\n", "v.yaml:6",
     "flow.max_flows", "less than pipeline.workers 8", kFull},
    {"prefix_slash", "capture:\n  files: [a.pcap]\noutput:\n  file_prefix: a/b\n", "v.yaml:4",
     "output.file_prefix", "contains '/'", kFull},
    {"prefix_dot", "capture:\n  files: [a.pcap]\noutput:\n  file_prefix: \".\"\n", "v.yaml:4",
     "output.file_prefix", "names a directory", kFull},
    {"prefix_dotdot", "capture:\n  files: [a.pcap]\noutput:\n  file_prefix: \"..\"\n", "v.yaml:4",
     "output.file_prefix", "names a directory", kFull},
    {"prefix_newline", "capture:\n  files: [a.pcap]\noutput:\n  file_prefix: \"a\\nb\"\n",
     "v.yaml:4", "output.file_prefix", "control character", kFull},
    {"prefix_tab", "capture:\n  files: [a.pcap]\noutput:\n  file_prefix: \"a\\tb\"\n", "v.yaml:4",
     "output.file_prefix", "control character", kFull},
    {"mode_owner_cannot_write", "capture:\n  files: [a.pcap]\noutput:\n  file_mode: \"0440\"\n",
     "v.yaml:4", "output.file_mode", "0440 does not let the owner read and write", kFull},
    {"group_without_user", "capture:\n  files: [a.pcap]\nsecurity:\n  group: nogroup\n", "v.yaml:4",
     "security.group", "needs security.user", kFull},
    {"user_unknown",
     "capture:\n  files: [a.pcap]\nsecurity:\n  user: no-such-user-flowmeterd-test\n", "v.yaml:4",
     "security.user", "no user \"no-such-user-flowmeterd-test\"", kFull},
    {"group_unknown",
     "capture:\n  files: [a.pcap]\nsecurity:\n  user: \"0\"\n  group: no-such-group-fm-test\n",
     "v.yaml:5", "security.group", "no group \"no-such-group-fm-test\"", kFull},
    {"directory_empty", "capture:\n  files: [a.pcap]\noutput:\n  directory: \"\"\n", "v.yaml:4",
     "output.directory", "must not be empty", kFull},
    {"rotate_bytes_tiny", "capture:\n  files: [a.pcap]\noutput:\n  rotate:\n    max_bytes: 100\n",
     "v.yaml:5", "output.rotate.max_bytes", "too small", kFull},
    {"hold_tiny", "capture:\n  files: [a.pcap]\noutput:\n  hold_max_bytes: 10\n", "v.yaml:4",
     "output.hold_max_bytes", "too small", kFull},
    {"timezone_unknown", "capture:\n  files: [a.pcap]\noutput:\n  timezone: Mars/Olympus\n",
     "v.yaml:4", "output.timezone", "unknown time zone \"Mars/Olympus\"", kFull},
    {"label_comma", "capture:\n  files: [a.pcap]\noutput:\n  label: \"a,b\"\n", "v.yaml:4",
     "output.label", "comma", kFull},
    {"level_unknown", "capture:\n  files: [a.pcap]\nlogging:\n  level: verbose\n", "v.yaml:4",
     "logging.level", "unknown level \"verbose\"", kFull},
    {"journald_not_built", "capture:\n  files: [a.pcap]\nlogging:\n  target: journald\n",
     "v.yaml:4", "logging.target", "without libsystemd",
     BuildFeatures{.dpdk = true, .systemd = false}},
    {"stats_interval_high", "capture:\n  files: [a.pcap]\nlogging:\n  stats_interval_s: 100000\n",
     "v.yaml:4", "logging.stats_interval_s", "out of range", kFull},
};

INSTANTIATE_TEST_SUITE_P(Cases, RejectedAtValidate, ::testing::ValuesIn(kValidateCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ConfigLoader, AcceptsWhatTheBuildOffers) {
    const LoadedConfig l = parse_config_text("capture:\n  source: dpdk\n", "d.yaml");
    EXPECT_NO_THROW(validate(l.config, l.origins, BuildFeatures{.dpdk = true, .systemd = false}));
    const LoadedConfig j =
        parse_config_text("capture:\n  files: [a]\nlogging:\n  target: journald\n", "j.yaml");
    EXPECT_NO_THROW(validate(j.config, j.origins, BuildFeatures{.dpdk = false, .systemd = true}));
}

TEST(ConfigLoader, FileModeIsOctalAndRoundTrips) {
    for (const auto& [text, mode] : {std::pair{"\"0640\"", 0640u}, std::pair{"0600", 0600u},
                                     std::pair{"644", 0644u}, std::pair{"\"0777\"", 0777u}}) {
        const LoadedConfig l = parse_config_text(
            std::string("capture:\n  files: [a]\noutput:\n  file_mode: ") + text + "\n", "m.yaml");
        EXPECT_EQ(l.config.output.file_mode, mode) << text;
        EXPECT_NO_THROW(validate(l.config, l.origins, kFull));
        EXPECT_EQ(parse_config_text(to_yaml(l.config), "again.yaml").config, l.config) << text;
    }
    EXPECT_EQ(DaemonConfig{}.output.file_mode, 0640u);
}

TEST(ConfigLoader, SecurityAcceptsNamesAndNumbers) {
    // root (uid 0, gid 0) exists everywhere; a number needs no passwd entry.
    const LoadedConfig l = parse_config_text(
        "capture:\n  files: [a]\nsecurity:\n  user: root\n  group: \"0\"\n", "s.yaml");
    EXPECT_EQ(l.config.security.user, "root");
    EXPECT_EQ(l.config.security.group, "0");
    EXPECT_NO_THROW(validate(l.config, l.origins, kFull));
    const LoadedConfig n =
        parse_config_text("capture:\n  files: [a]\nsecurity:\n  user: \"54321\"\n", "s.yaml");
    EXPECT_NO_THROW(validate(n.config, n.origins, kFull));
    EXPECT_EQ(parse_config_text(to_yaml(l.config), "again.yaml").config, l.config);
}

TEST(ConfigLoader, MissingFileNamesThePath) {
    try {
        (void)parse_config_file("/nonexistent/flowmeter.yaml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "/nonexistent/flowmeter.yaml");
        EXPECT_NE(e.message().find("No such file"), std::string::npos) << e.what();
    }
}

TEST(ConfigLoader, SecondsConversion) {
    EXPECT_EQ(seconds_to_micros(0), 0);
    EXPECT_EQ(seconds_to_micros(120), 120'000'000);
    EXPECT_EQ(seconds_to_micros(0.000001), 1);
    EXPECT_EQ(seconds_to_micros(-1), std::nullopt);
    EXPECT_EQ(seconds_to_micros(1e10), std::nullopt);
}

}  // namespace
}  // namespace fm::config
