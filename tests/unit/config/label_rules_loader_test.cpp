// SPDX-License-Identifier: BSD-3-Clause
// label_rules_loader: the `labels:` list in the configuration and in a --labels file, every
// rule key's accepted forms, the to_yaml round trip, and every kind of bad rule rejected with
// `FILE:LINE: labels[i].key: message`.
#include "config/label_rules_loader.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/iso_time.hpp"
#include "source_root.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::config {
namespace {

IpPrefix v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t len) {
    IpPrefix p;
    p.addr = {a, b, c, d};
    p.length = len;
    return p;
}

Micros utc(std::string_view iso) {
    Micros us = 0;
    std::string error;
    EXPECT_TRUE(parse_iso_time(iso, us, error)) << error;
    return us;
}

TEST(LabelRulesLoader, ParsesEveryKeyInTheConfigFile) {
    const LoadedConfig l = parse_config_text(R"(output:
  label: BENIGN
labels:
  - label: DoS Hulk
    src: 172.16.0.1
    dst: [192.168.10.50/32, "2001:db8::/32"]
    dst_ports: [80, 8000-8100]
    protocol: tcp
    start: 2017-07-05T10:43:00-03:00
    end: "2017-07-05 11:00 America/Halifax"
    direction: forward
  - label: scan
    hosts: [10.0.0.0/8]
    ports: 1-1024
    src_ports: "53"
    protocol: [UDP, 132, icmp, ICMPv6]
  - label: any
)",
                                             "l.yaml");
    ASSERT_EQ(l.config.labels.size(), 3u);
    const LabelRule& r = l.config.labels[0];
    EXPECT_EQ(r.label, "DoS Hulk");
    EXPECT_EQ(r.src, (std::vector<IpPrefix>{v4(172, 16, 0, 1, 32)}));
    ASSERT_EQ(r.dst.size(), 2u);
    EXPECT_EQ(r.dst[0], v4(192, 168, 10, 50, 32));
    EXPECT_TRUE(r.dst[1].ipv6);
    EXPECT_EQ(r.dst[1].length, 32);
    EXPECT_EQ(r.dst[1].addr[0], 0x20);
    EXPECT_EQ(r.dst[1].addr[3], 0xb8);
    EXPECT_EQ(r.dst_ports, (std::vector<PortRange>{{80, 80}, {8000, 8100}}));
    EXPECT_EQ(r.protocols, (std::vector<std::uint8_t>{6}));
    EXPECT_EQ(r.start, utc("2017-07-05T13:43:00Z"));
    EXPECT_EQ(r.end, utc("2017-07-05T14:00:00Z"));  // ADT is UTC-3 in July
    EXPECT_EQ(r.direction, RuleDirection::Forward);
    const LabelRule& s = l.config.labels[1];
    EXPECT_EQ(s.hosts, (std::vector<IpPrefix>{v4(10, 0, 0, 0, 8)}));
    EXPECT_EQ(s.ports, (std::vector<PortRange>{{1, 1024}}));
    EXPECT_EQ(s.src_ports, (std::vector<PortRange>{{53, 53}}));
    EXPECT_EQ(s.protocols, (std::vector<std::uint8_t>{17, 132, 1, 58}));
    EXPECT_EQ(s.direction, RuleDirection::Any);
    EXPECT_FALSE(s.start);
    LabelRule any;
    any.label = "any";
    EXPECT_EQ(l.config.labels[2], any);
    EXPECT_EQ(l.origins.where("labels"), "l.yaml:3");

    const LoadedConfig again = parse_config_text(to_yaml(l.config), "again.yaml");
    EXPECT_EQ(again.config, l.config) << to_yaml(l.config);
}

TEST(LabelRulesLoader, EmptyOrNullListMeansNoRules) {
    EXPECT_TRUE(parse_config_text("labels:\n", "e.yaml").config.labels.empty());
    EXPECT_TRUE(parse_config_text("labels: []\n", "e.yaml").config.labels.empty());
    EXPECT_EQ(parse_config_text(to_yaml(DaemonConfig{}), "e.yaml").config, DaemonConfig{});
}

TEST(LabelRulesLoader, RuleFileIsTheListOrALabelsMapping) {
    const auto list = parse_label_rules_text("- {label: a, hosts: 10.0.0.1}\n", "r.yaml");
    const auto map = parse_label_rules_text("labels:\n  - {label: a, hosts: 10.0.0.1}\n", "r.yaml");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list, map);
    EXPECT_TRUE(parse_label_rules_text("", "r.yaml").empty());
    try {
        (void)parse_label_rules_text("output:\n  label: x\n", "r.yaml");
        FAIL() << "a configuration file was accepted as a rule file";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "r.yaml:1");
        EXPECT_EQ(e.key(), "output");
    }
}

TEST(LabelRulesLoader, RuleFileFromDisk) {
    const test_support::TempDir dir;
    const std::string path = dir.file("rules.yaml");
    std::ofstream(path) << "- label: x\n  src: 10.0.0.0/8\n- label: y\n  dst: 10.0.0.0/33\n";
    try {
        (void)parse_label_rules_file(path);
        FAIL() << "a bad prefix length was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  path + ":4: labels[1].dst: \"10.0.0.0/33\": prefix length must be 0 to 32");
    }
    try {
        (void)parse_label_rules_file(dir.file("missing.yaml"));
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "(file)");
        EXPECT_NE(e.message().find("cannot read"), std::string::npos);
    }
}

struct BadRule {
    const char* name;
    const char* yaml;  // the text after "labels:\n"
    int line;          // of the whole file, "labels:" being line 1
    const char* key;
    const char* message;
};

class BadRuleRejected : public ::testing::TestWithParam<BadRule> {};

TEST_P(BadRuleRejected, NamesFileLineRuleAndKey) {
    const BadRule& c = GetParam();
    const std::string text = std::string("labels:\n") + c.yaml;
    try {
        (void)parse_config_text(text, "bad.yaml");
        FAIL() << "accepted: " << text;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "bad.yaml:" + std::to_string(c.line)) << e.what();
        EXPECT_EQ(e.key(), c.key) << e.what();
        EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
    }
}

const BadRule kBadRules[] = {
    {"not_a_list", "  label: x\n", 2, "labels", "expected a list of rules"},
    {"rule_not_map", "  - x\n", 2, "labels[0]", "expected a mapping"},
    {"unknown_key", "  - label: x\n  - label: y\n    source: 10.0.0.1\n", 4, "labels[1].source",
     "unknown key: a rule has label, src"},
    {"duplicate_key", "  - label: x\n    src: 10.0.0.1\n    src: 10.0.0.2\n", 4, "labels[0].src",
     "duplicate key"},
    {"missing_label", "  - label: ok\n  - src: 10.0.0.1\n", 3, "labels[1].label", "missing"},
    {"empty_label", "  - label: \"\"\n", 2, "labels[0].label", "must not be empty"},
    {"label_comma", "  - label: \"DoS, Hulk\"\n", 2, "labels[0].label", "contains ','"},
    {"label_quote", "  - label: 'say \"hi\"'\n", 2, "labels[0].label", "contains '\"'"},
    {"label_newline", "  - label: \"two\\nlines\"\n", 2, "labels[0].label", "line break"},
    {"label_list", "  - label: [a, b]\n", 2, "labels[0].label", "expected a single value"},
    // Bytes that are not UTF-8 would be written back by to_yaml() as U+FFFD (fuzz finding).
    {"label_not_utf8", "  - label: \"DoS H\xcc\xcculk\"\n", 2, "labels[0].label",
     "not valid UTF-8"},
    {"time_not_utf8", "  - label: x\n    start: \"2017-07-05 09:00 Europe/\xff\"\n", 3,
     "labels[0].start", "not valid UTF-8"},
    {"bad_cidr", "  - label: x\n    src: 10.0.0.300\n", 3, "labels[0].src",
     "\"10.0.0.300\" is not an IPv4 address"},
    {"bad_v6", "  - label: x\n    dst: [\"2001:db8::g\"]\n", 3, "labels[0].dst",
     "is not an IPv6 address"},
    {"prefix_too_long", "  - label: x\n    hosts: \"::/129\"\n", 3, "labels[0].hosts",
     "prefix length must be 0 to 128"},
    {"prefix_not_number", "  - label: x\n    hosts: 10.0.0.0/x\n", 3, "labels[0].hosts",
     "prefix length"},
    {"host_bits", "  - label: x\n    src: 192.168.10.50/24\n", 3, "labels[0].src",
     "host bits set: did you mean 192.168.10.0/24?"},
    {"empty_list", "  - label: x\n    src: []\n", 3, "labels[0].src", "an empty list"},
    {"nested_list", "  - label: x\n    src: [[10.0.0.1]]\n", 3, "labels[0].src",
     "expected a value or a list"},
    {"port_too_big", "  - label: x\n    ports: 65536\n", 3, "labels[0].ports",
     "expected a port 0..65535"},
    {"port_range_reversed", "  - label: x\n    dst_ports: [80, 1024-1000]\n", 3,
     "labels[0].dst_ports", "\"1024-1000\": the range ends before it starts"},
    {"port_range_open", "  - label: x\n    src_ports: 1000-\n", 3, "labels[0].src_ports",
     "expected a port"},
    {"port_text", "  - label: x\n    ports: http\n", 3, "labels[0].ports", "expected a port"},
    {"protocol_name", "  - label: x\n    protocol: sctp\n", 3, "labels[0].protocol",
     "unknown protocol \"sctp\""},
    {"protocol_number", "  - label: x\n    protocol: 256\n", 3, "labels[0].protocol",
     "unknown protocol \"256\""},
    {"direction", "  - label: x\n    src: 10.0.0.1\n    direction: backward\n", 4,
     "labels[0].direction", "expected any or forward"},
    {"forward_without_ends", "  - label: x\n    hosts: 10.0.0.1\n    direction: forward\n", 2,
     "labels[0].direction", "forward needs src, dst, src_ports or dst_ports"},
    {"time_no_zone", "  - label: x\n    start: 2017-07-05T09:00:00\n", 3, "labels[0].start",
     "no zone"},
    {"time_unknown_zone", "  - label: x\n    start: 2017-07-05 09:00 Mars/Olympus_Mons\n", 3,
     "labels[0].start", "unknown time zone \"Mars/Olympus_Mons\""},
    {"time_bad_date", "  - label: x\n    end: 2017-02-30T09:00Z\n", 3, "labels[0].end",
     "2017-02-30 is not a date"},
    {"time_date_only", "  - label: x\n    end: 2017-07-05\n", 3, "labels[0].end",
     "without a time of day"},
    {"time_bad_offset", "  - label: x\n    end: 2017-07-05T09:00+3\n", 3, "labels[0].end",
     "the offset must be"},
    {"time_null", "  - label: x\n    end:\n", 3, "labels[0].end", "expected a single value"},
    {"end_before_start",
     "  - label: x\n    start: 2017-07-05T10:00Z\n    end: 2017-07-05T09:00:00-00:30\n", 4,
     "labels[0].end", "2017-07-05T09:30:00Z is not after start 2017-07-05T10:00:00Z"},
    {"end_equals_start", "  - label: x\n    end: 2017-07-05T10:00Z\n    start: 2017-07-05T10:00Z\n",
     3, "labels[0].end", "the window [start, end) is empty"},
    {"dst_gap", "  - label: x\n    start: 2017-03-12 02:30 America/Halifax\n", 3, "labels[0].start",
     "does not exist in America/Halifax"},
    {"dst_twice", "  - label: x\n    start: 2017-11-05 01:30 America/Halifax\n", 3,
     "labels[0].start", "happens twice in America/Halifax"},
};

std::string bad_rule_name(const ::testing::TestParamInfo<BadRule>& param) {
    return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(LabelRulesLoader, BadRuleRejected, ::testing::ValuesIn(kBadRules),
                         bad_rule_name);

/// The first ```yaml block of docs/labelling.md: the worked CIC-IDS2017 example.
std::string documented_example() {
    const std::string doc =
        test_support::read_file(test_support::source_root() + "/docs/labelling.md");
    const std::size_t begin = doc.find("```yaml\n");
    const std::size_t end = doc.find("```\n", begin + 8);
    if (begin == std::string::npos || end == std::string::npos) {
        ADD_FAILURE() << "no yaml block in docs/labelling.md";
        return "";
    }
    return doc.substr(begin + 8, end - begin - 8);
}

TEST(LabelRulesLoader, DocumentedCicIds2017ScheduleIsInUtcMinus3) {
    const auto rules = parse_label_rules_text(documented_example(), "labelling.md");
    ASSERT_EQ(rules.size(), 5u);
    EXPECT_EQ(rules[0].label, "DoS slowloris");
    // 9:47 ADT is 12:47 UTC; 15:32 ADT is 18:32 UTC.
    EXPECT_EQ(rules[0].start, utc("2017-07-05T12:47:00Z"));
    EXPECT_EQ(rules[0].end, utc("2017-07-05T13:10:00Z"));
    EXPECT_EQ(rules[4].label, "Heartbleed");
    EXPECT_EQ(rules[4].dst_ports, (std::vector<PortRange>{{444, 444}}));
    EXPECT_EQ(rules[4].end, utc("2017-07-05T18:32:00Z"));
    for (const LabelRule& r : rules) {
        EXPECT_EQ(r.src, (std::vector<IpPrefix>{v4(172, 16, 0, 1, 32)})) << r.label;
    }
}

TEST(LabelRulesLoader, ErrorTextHasTheDocumentedForm) {
    try {
        (void)parse_config_text("labels:\n  - label: x\n    ports: 99999\n", "f.yaml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "f.yaml:3: labels[0].ports: \"99999\": expected a port 0..65535 or a range such "
                  "as 8000-8100");
    }
}

}  // namespace
}  // namespace fm::config
