// SPDX-License-Identifier: BSD-3-Clause
// Each rule is a mapping walked key by key, so an unknown or repeated key, and every bad value,
// is reported at its own line. Checks between keys of one rule (a label is present, end after
// start, direction: forward has something to orient) follow the walk.
#include "config/label_rules_loader.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/config_loader.hpp"
#include "config/ip_prefix_text.hpp"
#include "config/iso_time.hpp"
#include "config/utf8_text.hpp"

namespace fm::config {

namespace {

constexpr std::string_view kRuleKeys =
    "label, src, dst, hosts, ports, src_ports, dst_ports, protocol, start, end, direction";

struct NamedProtocol {
    std::string_view name;
    std::uint8_t number;
};

constexpr NamedProtocol kProtocols[] = {
    {"icmp", 1},
    {"tcp", 6},
    {"udp", 17},
    {"icmpv6", 58},
};

class RuleParser {
public:
    RuleParser(const std::string& name, std::size_t index) : name_(name), index_(index) {}

    std::string where(const YAML::Mark& m) const {
        return m.line < 0 ? name_ : fmt::format("{}:{}", name_, m.line + 1);
    }

    [[noreturn]] void fail(const YAML::Mark& m, std::string_view key, std::string message) const {
        throw ConfigError(where(m), path(key), std::move(message));
    }

    std::string path(std::string_view key) const {
        return key.empty() ? fmt::format("labels[{}]", index_)
                           : fmt::format("labels[{}].{}", index_, key);
    }

    LabelRule parse(const YAML::Node& map) {
        if (!map.IsMap()) {
            fail(map.Mark(), "",
                 "expected a mapping (label:, src:, dst:, …): every rule is one list entry");
        }
        LabelRule rule;
        bool has_label = false;
        YAML::Mark end_mark = YAML::Mark::null_mark();
        std::set<std::string, std::less<>> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const YAML::Node key_node = it->first;  // copies: the iterator yields temporaries
            const YAML::Node value = it->second;
            if (!key_node.IsScalar()) {
                fail(key_node.Mark(), "", "keys must be plain names");
            }
            const std::string& key = key_node.Scalar();
            if (!seen.insert(key).second) {
                fail(key_node.Mark(), key, "duplicate key");
            }
            key_mark_ = key_node.Mark();
            if (key == "label") {
                rule.label = label(value, key);
                has_label = true;
            } else if (key == "src") {
                rule.src = prefixes(value, key);
            } else if (key == "dst") {
                rule.dst = prefixes(value, key);
            } else if (key == "hosts") {
                rule.hosts = prefixes(value, key);
            } else if (key == "ports") {
                rule.ports = ports(value, key);
            } else if (key == "src_ports") {
                rule.src_ports = ports(value, key);
            } else if (key == "dst_ports") {
                rule.dst_ports = ports(value, key);
            } else if (key == "protocol") {
                rule.protocols = protocols(value, key);
            } else if (key == "start") {
                rule.start = time(value, key);
            } else if (key == "end") {
                rule.end = time(value, key);
                end_mark = key_mark_;
            } else if (key == "direction") {
                const std::string d = text(value, key);
                if (d == "any") {
                    rule.direction = RuleDirection::Any;
                } else if (d == "forward") {
                    rule.direction = RuleDirection::Forward;
                } else {
                    fail(key_mark_, key,
                         fmt::format("unknown value \"{}\": expected any or forward", d));
                }
            } else {
                fail(key_mark_, key, fmt::format("unknown key: a rule has {}", kRuleKeys));
            }
        }
        if (!has_label) {
            fail(map.Mark(), "label", "missing: every rule needs the label it gives");
        }
        if (rule.start && rule.end && *rule.end <= *rule.start) {
            fail(end_mark, "end",
                 fmt::format("{} is not after start {}: the window [start, end) is empty",
                             format_iso_time(*rule.end), format_iso_time(*rule.start)));
        }
        if (rule.direction == RuleDirection::Forward && rule.src.empty() && rule.dst.empty() &&
            rule.src_ports.empty() && rule.dst_ports.empty()) {
            fail(map.Mark(), "direction",
                 "forward needs src, dst, src_ports or dst_ports: without them the rule has no "
                 "direction to check");
        }
        return rule;
    }

private:
    YAML::Mark mark(const YAML::Node& n) const {
        // An empty value ("key:" and nothing) has the mark of whatever follows it.
        return n.IsNull() ? key_mark_ : n.Mark();
    }

    std::string text(const YAML::Node& n, std::string_view key) const {
        if (!n.IsScalar()) {
            fail(mark(n), key, "expected a single value");
        }
        if (!valid_utf8(n.Scalar())) {
            fail(mark(n), key, "not valid UTF-8 text");
        }
        return n.Scalar();
    }

    /// A scalar or a non-empty list of scalars, each passed to `item`.
    template <class F>
    void each(const YAML::Node& n, std::string_view key, F&& item) const {
        if (n.IsScalar()) {
            item(n);
            return;
        }
        if (!n.IsSequence()) {
            fail(mark(n), key, "expected a value or a list of values");
        }
        if (n.size() == 0) {
            fail(mark(n), key, "an empty list matches nothing: leave the key out to match any");
        }
        for (const YAML::Node& e : n) {
            if (!e.IsScalar()) {
                fail(mark(e), key, "expected a value or a list of values");
            }
            item(e);
        }
    }

    std::string label(const YAML::Node& n, std::string_view key) const {
        std::string s = text(n, key);
        if (s.empty()) {
            fail(mark(n), key, "must not be empty");
        }
        for (char c : s) {
            if (c == ',' || c == '"') {
                fail(mark(n), key,
                     fmt::format("\"{}\" contains '{}': the Label column is a CSV field", s, c));
            }
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                fail(mark(n), key,
                     "contains a line break or another control character: the Label column is "
                     "a CSV field");
            }
        }
        return s;
    }

    std::vector<IpPrefix> prefixes(const YAML::Node& n, std::string_view key) const {
        std::vector<IpPrefix> v;
        each(n, key, [&](const YAML::Node& e) {
            IpPrefix p;
            std::string error;
            if (!parse_ip_prefix(e.Scalar(), p, error)) {
                fail(mark(e), key, error);
            }
            v.push_back(p);
        });
        return v;
    }

    std::vector<PortRange> ports(const YAML::Node& n, std::string_view key) const {
        std::vector<PortRange> v;
        each(n, key, [&](const YAML::Node& e) {
            const std::string& s = e.Scalar();
            const std::size_t dash = s.find('-');
            const auto number = [&](std::string_view t) {
                unsigned x = 0;
                auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
                if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || x > 65535) {
                    fail(mark(e), key,
                         fmt::format("\"{}\": expected a port 0..65535 or a range such as "
                                     "8000-8100",
                                     s));
                }
                return static_cast<std::uint16_t>(x);
            };
            PortRange r;
            if (dash == std::string::npos) {
                r.first = r.last = number(s);
            } else {
                r.first = number(std::string_view(s).substr(0, dash));
                r.last = number(std::string_view(s).substr(dash + 1));
                if (r.last < r.first) {
                    fail(mark(e), key, fmt::format("\"{}\": the range ends before it starts", s));
                }
            }
            v.push_back(r);
        });
        return v;
    }

    std::vector<std::uint8_t> protocols(const YAML::Node& n, std::string_view key) const {
        std::vector<std::uint8_t> v;
        each(n, key, [&](const YAML::Node& e) {
            const std::string& s = e.Scalar();
            std::string lower = s;
            for (char& c : lower) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            for (const NamedProtocol& p : kProtocols) {
                if (lower == p.name) {
                    v.push_back(p.number);
                    return;
                }
            }
            unsigned x = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
            if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || x > 255) {
                fail(mark(e), key,
                     fmt::format("unknown protocol \"{}\": expected tcp, udp, icmp, icmpv6 or a "
                                 "number 0..255",
                                 s));
            }
            v.push_back(static_cast<std::uint8_t>(x));
        });
        return v;
    }

    Micros time(const YAML::Node& n, std::string_view key) const {
        Micros us = 0;
        std::string error;
        if (!parse_iso_time(text(n, key), us, error)) {
            fail(mark(n), key, error);
        }
        return us;
    }

    const std::string& name_;
    std::size_t index_;
    YAML::Mark key_mark_ = YAML::Mark::null_mark();
};

std::string where_of(const std::string& name, const YAML::Mark& m) {
    return m.line < 0 ? name : fmt::format("{}:{}", name, m.line + 1);
}

}  // namespace

std::vector<LabelRule> parse_label_rules(const YAML::Node& list, const std::string& name) {
    std::vector<LabelRule> rules;
    if (list.IsNull()) {
        return rules;
    }
    if (!list.IsSequence()) {
        throw ConfigError(where_of(name, list.Mark()), "labels",
                          "expected a list of rules (- label: …)");
    }
    rules.reserve(list.size());
    std::size_t i = 0;
    for (const YAML::Node& r : list) {
        rules.push_back(RuleParser(name, i).parse(r));
        ++i;
    }
    return rules;
}

std::vector<LabelRule> parse_label_rules_text(std::string_view yaml, const std::string& name) {
    try {
        const YAML::Node root = YAML::Load(std::string(yaml));
        if (root.IsMap()) {
            for (auto it = root.begin(); it != root.end(); ++it) {
                const YAML::Node key = it->first;
                if (!key.IsScalar() || key.Scalar() != "labels") {
                    throw ConfigError(where_of(name, key.Mark()),
                                      key.IsScalar() ? key.Scalar() : "(top level)",
                                      "unknown key: a rule file holds the list of rules, or "
                                      "labels: and the list");
                }
            }
            return parse_label_rules(root["labels"], name);
        }
        if (root.IsNull() || root.IsSequence()) {
            return parse_label_rules(root, name);
        }
        throw ConfigError(where_of(name, root.Mark()), "labels",
                          "expected a list of rules (- label: …)");
    } catch (const YAML::Exception& e) {
        throw ConfigError(where_of(name, e.mark), "(syntax)", e.msg);
    }
}

std::vector<LabelRule> parse_label_rules_file(const std::string& path) {
    return parse_label_rules_text(read_config_file(path), path);
}

void emit_label_rules(YAML::Emitter& e, const std::vector<LabelRule>& rules) {
    if (rules.empty()) {
        e << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
    }
    const auto prefix_list = [&e](std::string_view key, const std::vector<IpPrefix>& v) {
        if (v.empty()) {
            return;
        }
        e << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const IpPrefix& p : v) {
            e << YAML::DoubleQuoted << format_ip_prefix(p);
        }
        e << YAML::EndSeq;
    };
    const auto port_list = [&e](std::string_view key, const std::vector<PortRange>& v) {
        if (v.empty()) {
            return;
        }
        e << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const PortRange& r : v) {
            e << (r.first == r.last ? fmt::format("{}", r.first)
                                    : fmt::format("{}-{}", r.first, r.last));
        }
        e << YAML::EndSeq;
    };
    e << YAML::BeginSeq;
    for (const LabelRule& r : rules) {
        e << YAML::BeginMap;
        e << YAML::Key << "label" << YAML::Value << YAML::DoubleQuoted << r.label;
        prefix_list("src", r.src);
        prefix_list("dst", r.dst);
        prefix_list("hosts", r.hosts);
        port_list("ports", r.ports);
        port_list("src_ports", r.src_ports);
        port_list("dst_ports", r.dst_ports);
        if (!r.protocols.empty()) {
            e << YAML::Key << "protocol" << YAML::Value << YAML::Flow << YAML::BeginSeq;
            for (std::uint8_t p : r.protocols) {
                e << fmt::format("{}", p);
            }
            e << YAML::EndSeq;
        }
        if (r.start) {
            e << YAML::Key << "start" << YAML::Value << format_iso_time(*r.start);
        }
        if (r.end) {
            e << YAML::Key << "end" << YAML::Value << format_iso_time(*r.end);
        }
        if (r.direction != RuleDirection::Any) {
            e << YAML::Key << "direction" << YAML::Value << std::string(to_string(r.direction));
        }
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
}

}  // namespace fm::config
