// SPDX-License-Identifier: BSD-3-Clause
// Integration test of the labelling rules (docs/labelling.md): flowmeterd labels the flows of a
// flowgen capture by a hand-made rule file (--labels) and by the same rules in a configuration
// file (labels:), and every row's Label must be the one this test works out on its own from
// flowgen's ground truth — the client is the flow's source, as the default profile defines it
// — with a rule reading written here (inet_pton and bit compares, times by hand), not with
// flowmeterd's matcher. The labelled output is the same for one worker and for three, and a bad
// rule file stops flowmeterd with exit status 78 and a `FILE:LINE: labels[i].key:` message.
// Usage: integration_labels PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "flowmeterd_csv.hpp"
#include "program_paths_main.hpp"
#include "program_runner.hpp"

namespace {

// The helpers of program_runner.hpp, program_paths_main.hpp and flowmeterd_csv.hpp.
using namespace fm::integration;

constexpr int kFlows = 600;

struct Address {
    bool ipv6 = false;
    std::array<std::uint8_t, 16> bytes{};
};

Address parse_address(const std::string& text) {
    Address a;
    a.ipv6 = text.find(':') != std::string::npos;
    if (inet_pton(a.ipv6 ? AF_INET6 : AF_INET, text.c_str(), a.bytes.data()) != 1) {
        ADD_FAILURE() << "not an address: " << text;
    }
    return a;
}

/// One generated flow from the truth file; the client sent the first packet.
struct TruthFlow {
    int protocol = 0;
    Address client;
    Address server;
    unsigned client_port = 0;
    unsigned server_port = 0;
    long long first_us = 0;
};

/// The rules of this test, as plain values: what the rule file says, read by the test itself.
struct Prefix {
    Address base;
    unsigned length = 0;
};

struct Rule {
    std::string label;
    std::vector<Prefix> src, dst, hosts;
    std::optional<std::pair<unsigned, unsigned>> dst_ports, ports;
    std::optional<int> protocol;
    std::optional<long long> start_us, end_us;
    bool forward = false;
};

bool in(const Prefix& p, const Address& a) {
    if (p.base.ipv6 != a.ipv6) {
        return false;
    }
    for (unsigned bit = 0; bit < p.length; ++bit) {
        const unsigned mask = 0x80u >> (bit % 8);
        if ((p.base.bytes[bit / 8] & mask) != (a.bytes[bit / 8] & mask)) {
            return false;
        }
    }
    return true;
}

bool in_list(const std::vector<Prefix>& v, const Address& a) {
    return v.empty() || std::any_of(v.begin(), v.end(), [&](const Prefix& p) { return in(p, a); });
}

bool in_range(const std::optional<std::pair<unsigned, unsigned>>& r, unsigned port) {
    return !r || (port >= r->first && port <= r->second);
}

bool matches(const Rule& r, const TruthFlow& f) {
    const auto oriented = [&](const Address& s, const Address& d, unsigned dport) {
        return in_list(r.src, s) && in_list(r.dst, d) && in_range(r.dst_ports, dport);
    };
    const bool ends = oriented(f.client, f.server, f.server_port) ||
                      (!r.forward && oriented(f.server, f.client, f.client_port));
    const bool hosts = r.hosts.empty() || in_list(r.hosts, f.client) || in_list(r.hosts, f.server);
    const bool ports =
        !r.ports || in_range(r.ports, f.client_port) || in_range(r.ports, f.server_port);
    const bool protocol = !r.protocol || *r.protocol == f.protocol;
    const bool time =
        (!r.start_us || f.first_us >= *r.start_us) && (!r.end_us || f.first_us < *r.end_us);
    return ends && hosts && ports && protocol && time;
}

std::string expected_label(const std::vector<Rule>& rules, const TruthFlow& f,
                           const std::string& fallback) {
    for (const Rule& r : rules) {
        if (matches(r, f)) {
            return r.label;
        }
    }
    return fallback;
}

/// `us` as local wall time of a zone `offset_h` hours from UTC: "YYYY-MM-DD hh:mm:ss.ffffff".
std::string wall_time(long long us, int offset_h) {
    const long long local_us = us + offset_h * 3600LL * 1000000;
    const std::time_t secs = static_cast<std::time_t>(local_us / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, local_us % 1000000);
    return buf;
}

using RowKey = std::tuple<std::string, std::string, std::string, std::string>;

std::string key_text(const Address& a) {
    return std::string(reinterpret_cast<const char*>(a.bytes.data()), a.ipv6 ? 16 : 4);
}

class Labels : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(run_program({programs().flowgen, "--flows", std::to_string(kFlows),
                               "--concurrency", "50", "--duration", "6", "--seed", "7",
                               "--ipv6-share", "0.3", "--vlan-share", "0.1", "--quiet", "--truth",
                               dir_.file("truth.csv"), "-o", dir_.file("in.pcap")}),
                  0);
        const auto lines = split_lines(read_file(dir_.file("truth.csv")));
        for (std::size_t i = 1; i < lines.size(); ++i) {
            const auto f = split_fields(lines[i]);
            ASSERT_EQ(f.size(), 16u) << "truth line " << i + 1;
            TruthFlow t;
            t.protocol = std::stoi(f[1]);
            t.client = parse_address(f[2]);
            t.client_port = static_cast<unsigned>(std::stoul(f[3]));
            t.server = parse_address(f[4]);
            t.server_port = static_cast<unsigned>(std::stoul(f[5]));
            t.first_us = std::stoll(f[7]);
            flows_.push_back(t);
        }
        ASSERT_EQ(flows_.size(), static_cast<std::size_t>(kFlows));
        make_rules();
    }

    /// Rules over what this capture holds: a UDP time window written in two zone forms, a
    /// forward-only rule on one server net with a port range, a direction-any rule naming the
    /// servers of the other net as `src`, an IPv6 host prefix at either end, a port range at
    /// either end, and the first clients' IPv4 /24 as `hosts`.
    void make_rules() {
        std::vector<long long> firsts;
        for (const TruthFlow& f : flows_) {
            firsts.push_back(f.first_us);
        }
        std::sort(firsts.begin(), firsts.end());
        const long long t1 = firsts[firsts.size() / 4] + 1;  // not on a flow's own time
        const long long t2 = firsts[firsts.size() / 2];      // on one: end is excluded
        const Address ipv6_client = [&] {
            for (const TruthFlow& f : flows_) {
                if (f.client.ipv6) {
                    return f.client;
                }
            }
            ADD_FAILURE() << "no IPv6 flow";
            return Address{};
        }();
        Prefix v6;
        v6.base = ipv6_client;
        v6.length = 125;
        v6.base.bytes[15] &= 0xF8;  // the host bits of the /125
        const auto v4 = [](const char* text, unsigned len) {
            return Prefix{parse_address(text), len};
        };
        // Built member by member: GCC 12 warns about designated initializers that leave
        // members to their defaults.
        const auto rule = [](std::string label) {
            Rule r;
            r.label = std::move(label);
            return r;
        };
        // Never matches: no server is a flow's source. With direction any it would.
        Rule servers = rule("servers-as-source");
        servers.src = {v4("198.51.100.0", 24)};
        servers.dst_ports = std::pair{32768u, 65535u};
        servers.forward = true;
        Rule window = rule("udp-window");
        window.protocol = 17;
        window.start_us = t1;
        window.end_us = t2;
        Rule to_198 = rule("to-198-low");
        to_198.dst = {v4("198.51.100.0", 28)};
        to_198.dst_ports = std::pair{0u, 1023u};
        to_198.forward = true;
        Rule from_203 = rule("from-203");
        from_203.src = {v4("203.0.113.0", 27)};
        Rule v6_hosts = rule("v6-hosts");
        v6_hosts.hosts = {v6};
        Rule mid_ports = rule("mid-ports");
        mid_ports.ports = std::pair{1100u, 9000u};
        Rule first_clients = rule("first-clients");
        first_clients.hosts = {v4("10.0.0.0", 26)};
        rules_ = {servers, window, to_198, from_203, v6_hosts, mid_ports, first_clients};
        char v6_text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, v6.base.bytes.data(), v6_text, sizeof v6_text);
        // The window's ends: one as a wall time in a zone name (Etc/GMT+3 is UTC-3), the other
        // with an offset.
        rule_text_ =
            "- label: servers-as-source\n"
            "  src: 198.51.100.0/24\n"
            "  dst_ports: 32768-65535\n"
            "  direction: forward\n"
            "- label: udp-window\n"
            "  protocol: udp\n"
            "  start: \"" +
            wall_time(t1, -3) +
            " Etc/GMT+3\"\n"
            "  end: \"" +
            wall_time(t2, 5).replace(10, 1, "T") +
            "+05:00\"\n"
            "- label: to-198-low\n"
            "  dst: 198.51.100.0/28\n"
            "  dst_ports: 0-1023\n"
            "  direction: forward\n"
            "- label: from-203\n"
            "  src: [203.0.113.0/27]\n"
            "- label: v6-hosts\n"
            "  hosts: \"" +
            std::string(v6_text) +
            "/125\"\n"
            "- {label: mid-ports, ports: [1100-9000]}\n"
            "- label: first-clients\n"
            "  hosts: 10.0.0.0/26\n";
    }

    /// Runs flowmeterd and returns Label by row key; checks the row count.
    std::map<RowKey, std::string> run_labelled(std::vector<std::string> extra,
                                               const std::string& out) {
        const fm::integration::CsvFields rows = fm::integration::run_flowmeterd_csv(
            programs().flowmeterd, dir_.file("in.pcap"), dir_.file(out), extra);
        std::map<RowKey, std::string> labels;
        if (rows.empty()) {
            ADD_FAILURE() << "no output";
            return labels;
        }
        const std::vector<std::string>& header = rows[0];
        const std::size_t src = column_index(header, "Src IP");
        const std::size_t sport = column_index(header, "Src Port");
        const std::size_t dst = column_index(header, "Dst IP");
        const std::size_t dport = column_index(header, "Dst Port");
        const std::size_t label = column_index(header, "Label");
        for (std::size_t i = 1; i < rows.size(); ++i) {
            const std::vector<std::string>& f = rows[i];
            EXPECT_EQ(f.size(), header.size()) << "row " << i;
            if (f.size() != header.size()) {
                continue;
            }
            labels[{key_text(parse_address(f[src])), f[sport], key_text(parse_address(f[dst])),
                    f[dport]}] = f[label];
        }
        EXPECT_EQ(labels.size(), flows_.size()) << "one row per generated flow";
        return labels;
    }

    /// Every generated flow has its row, labelled as the rules say; returns rows per label.
    std::map<std::string, int> check(const std::map<RowKey, std::string>& labels,
                                     const std::string& fallback) {
        std::map<std::string, int> counts;
        int reported = 0;
        for (const TruthFlow& f : flows_) {
            const RowKey key{key_text(f.client), std::to_string(f.client_port), key_text(f.server),
                             std::to_string(f.server_port)};
            const auto it = labels.find(key);
            if (it == labels.end()) {
                ADD_FAILURE() << "no row for a generated flow";
                continue;
            }
            const std::string want = expected_label(rules_, f, fallback);
            ++counts[want];
            if (it->second != want && reported++ < 10) {
                ADD_FAILURE() << "flow port " << f.client_port << " -> " << f.server_port
                              << " proto " << f.protocol << " at " << f.first_us << ": label "
                              << it->second << ", expected " << want;
            }
        }
        return counts;
    }

    TempDir dir_;
    std::vector<TruthFlow> flows_;
    std::vector<Rule> rules_;
    std::string rule_text_;
};

TEST_F(Labels, RuleFileLabelsEveryFlowAsTheTruthSays) {
    std::ofstream(dir_.file("rules.yaml")) << rule_text_;
    const auto labels = run_labelled({"--labels", dir_.file("rules.yaml")}, "out.csv");
    const auto counts = check(labels, "NeedManualLabel");
    // The test means something only when every rule but the first wins somewhere, the first
    // would win with direction any, and some flows fall through.
    for (std::size_t i = 1; i < rules_.size(); ++i) {
        EXPECT_GT(counts.count(rules_[i].label), 0u) << "no flow for rule " << rules_[i].label;
    }
    EXPECT_EQ(counts.count("servers-as-source"), 0u);
    Rule any_direction = rules_[0];
    any_direction.forward = false;
    EXPECT_TRUE(std::any_of(flows_.begin(), flows_.end(),
                            [&](const TruthFlow& f) { return matches(any_direction, f); }));
    EXPECT_GT(counts.count("NeedManualLabel"), 0u) << "every flow matched a rule";
}

TEST_F(Labels, SameLabelsForAnyNumberOfWorkers) {
    std::ofstream(dir_.file("rules.yaml")) << rule_text_;
    const auto one =
        run_labelled({"--labels", dir_.file("rules.yaml"), "--workers", "1"}, "one.csv");
    const auto three =
        run_labelled({"--labels", dir_.file("rules.yaml"), "--workers", "3"}, "three.csv");
    EXPECT_EQ(one, three);
    auto a = split_lines(read_file(dir_.file("one.csv")));
    auto b = split_lines(read_file(dir_.file("three.csv")));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_TRUE(a == b) << "the rows differ between 1 and 3 workers";
}

TEST_F(Labels, ConfigurationFileLabelsWithItsDefault) {
    std::string indented;
    for (const std::string& line : split_lines(rule_text_)) {
        indented += "  " + line + "\n";
    }
    std::ofstream(dir_.file("flowmeter.yaml")) << "output:\n  label: BENIGN\nlabels:\n" << indented;
    const auto labels = run_labelled({"--config", dir_.file("flowmeter.yaml")}, "cfg.csv");
    const auto counts = check(labels, "BENIGN");
    EXPECT_GT(counts.count("BENIGN"), 0u);
}

TEST_F(Labels, LabelsFlagReplacesTheConfigurationsRules) {
    std::ofstream(dir_.file("flowmeter.yaml"))
        << "output:\n  label: BENIGN\nlabels:\n  - label: from-the-file\n";
    std::ofstream(dir_.file("rules.yaml")) << rule_text_;
    const auto labels = run_labelled(
        {"--config", dir_.file("flowmeter.yaml"), "--labels", dir_.file("rules.yaml")}, "both.csv");
    check(labels, "BENIGN");  // the rule file's labels, the configuration's default
    for (const auto& [key, label] : labels) {
        ASSERT_NE(label, "from-the-file") << "the configuration's rules were used";
    }
}

TEST_F(Labels, BadRuleFileStopsWithExitStatus78) {
    std::ofstream(dir_.file("bad.yaml")) << "- label: ok\n  hosts: 10.0.0.1\n"
                                         << "- label: bad\n  src: [10.0.0.0/8, 10.1.2.3/16]\n";
    const std::string err = dir_.file("stderr.txt");
    const std::string cmd = "'" + programs().flowmeterd + "' -f '" + dir_.file("in.pcap") +
                            "' -o '" + dir_.file("never.csv") + "' --labels '" +
                            dir_.file("bad.yaml") + "' 2>'" + err + "'";
    EXPECT_EQ(run_program({"/bin/sh", "-c", cmd}), 78);
    const std::string text = read_file(err);
    EXPECT_NE(text.find(dir_.file("bad.yaml") + ":4: labels[1].src: \"10.1.2.3/16\" has host bits "
                                                "set: did you mean 10.1.0.0/16?"),
              std::string::npos)
        << text;
    std::ifstream never(dir_.file("never.csv"));
    EXPECT_FALSE(never.good()) << "no output may be written for a rejected configuration";
}

}  // namespace

int main(int argc, char** argv) {
    return fm::integration::main_with_program_paths(
        argc, argv,
        {{"PATH-OF-FLOWGEN", &fm::integration::programs().flowgen},
         {"PATH-OF-FLOWMETERD", &fm::integration::programs().flowmeterd}});
}
