// SPDX-License-Identifier: BSD-3-Clause
// LabelMatcher: first-match order, IPv4 and IPv6 prefixes, port ranges at either end,
// direction, protocol and time windows, checked by hand; then against a plain rule-by-rule
// reading of the same rules (written here, independent of the prefix tables) over random rules
// and flows; and the Label column the CsvFormatter prints with it.
#include "output/label_matcher.hpp"

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/ip_prefix_text.hpp"
#include "config/iso_time.hpp"
#include "output/csv_format.hpp"

namespace fm::output {
namespace {

using config::IpPrefix;
using config::LabelRule;
using config::PortRange;
using config::RuleDirection;

IpPrefix cidr(std::string_view s) {
    IpPrefix p;
    std::string error;
    EXPECT_TRUE(config::parse_ip_prefix(s, p, error)) << error;
    return p;
}

Micros at(std::string_view iso) {
    Micros us = 0;
    std::string error;
    EXPECT_TRUE(config::parse_iso_time(iso, us, error)) << error;
    return us;
}

features::FeatureRow flow(std::string_view src, std::uint16_t sport, std::string_view dst,
                          std::uint16_t dport, std::uint8_t protocol = 6,
                          Micros first = at("2017-07-05T12:00Z")) {
    features::FeatureRow r;
    const IpPrefix s = cidr(src);
    const IpPrefix d = cidr(dst);
    r.src_ip = s.addr;
    r.dst_ip = d.addr;
    r.ipv6 = s.ipv6;
    r.src_port = sport;
    r.dst_port = dport;
    r.protocol = protocol;
    r.first_ts_us = first;
    return r;
}

/// Builds a rule key by key (GCC 12 warns about designated initializers that leave members
/// to their defaults).
class R {
public:
    explicit R(std::string label) { r_.label = std::move(label); }
    R& src(std::vector<IpPrefix> v) { return set(r_.src, std::move(v)); }
    R& dst(std::vector<IpPrefix> v) { return set(r_.dst, std::move(v)); }
    R& hosts(std::vector<IpPrefix> v) { return set(r_.hosts, std::move(v)); }
    R& ports(std::vector<PortRange> v) { return set(r_.ports, std::move(v)); }
    R& src_ports(std::vector<PortRange> v) { return set(r_.src_ports, std::move(v)); }
    R& dst_ports(std::vector<PortRange> v) { return set(r_.dst_ports, std::move(v)); }
    R& protocols(std::vector<std::uint8_t> v) { return set(r_.protocols, std::move(v)); }
    R& start(Micros t) { return set(r_.start, std::optional<Micros>(t)); }
    R& end(Micros t) { return set(r_.end, std::optional<Micros>(t)); }
    R& forward() { return set(r_.direction, RuleDirection::Forward); }
    operator LabelRule() const { return r_; }  // NOLINT: implicit by design

private:
    template <class T>
    R& set(T& field, T value) {
        field = std::move(value);
        return *this;
    }
    LabelRule r_;
};

std::string label_of(const LabelMatcher& m, const features::FeatureRow& row) {
    const std::uint32_t i = m.match(row);
    return i == LabelMatcher::kNoMatch ? "-" : m.label(i);
}

TEST(LabelMatcher, FirstMatchingRuleWins) {
    const std::vector<LabelRule> rules = {
        R("victim-web").hosts({cidr("192.168.10.50")}).ports({{80, 80}}),
        R("victim").hosts({cidr("192.168.10.50")}),
        R("lan").hosts({cidr("192.168.10.0/24")}),
    };
    const LabelMatcher m(rules);
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 40000, "192.168.10.50", 80)), "victim-web");
    EXPECT_EQ(label_of(m, flow("192.168.10.50", 80, "172.16.0.1", 40000)), "victim-web");
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 40000, "192.168.10.50", 443)), "victim");
    EXPECT_EQ(label_of(m, flow("192.168.10.3", 40000, "8.8.8.8", 53, 17)), "lan");
    EXPECT_EQ(label_of(m, flow("10.0.0.1", 1, "10.0.0.2", 2)), "-");
    EXPECT_EQ(m.rules(), 3u);
    EXPECT_EQ(m.longest_label(), 10u);
}

TEST(LabelMatcher, SourceAndDestinationByDirection) {
    const std::vector<LabelRule> rules = {
        R("fwd")
            .src({cidr("172.16.0.1")})
            .dst({cidr("192.168.10.0/24")})
            .dst_ports({{8000, 8100}})
            .forward(),
        R("any").src({cidr("10.1.0.0/16")}).dst({cidr("10.2.0.0/16")}),
        R("sport").src_ports({{53, 53}}),
    };
    const LabelMatcher m(rules);
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 5555, "192.168.10.9", 8000)), "fwd");
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 5555, "192.168.10.9", 8100)), "fwd");
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 5555, "192.168.10.9", 8101)), "-");
    EXPECT_EQ(label_of(m, flow("172.16.0.1", 5555, "192.168.10.9", 7999)), "-");
    // Forward only: the victim as the flow's source does not match.
    EXPECT_EQ(label_of(m, flow("192.168.10.9", 8000, "172.16.0.1", 5555)), "-");
    // direction: any matches both ways round, with each side's own port.
    EXPECT_EQ(label_of(m, flow("10.1.3.4", 1, "10.2.0.1", 2)), "any");
    EXPECT_EQ(label_of(m, flow("10.2.0.1", 2, "10.1.3.4", 1)), "any");
    EXPECT_EQ(label_of(m, flow("10.1.3.4", 1, "10.1.0.1", 2)), "-");
    EXPECT_EQ(label_of(m, flow("10.9.9.9", 53, "10.8.8.8", 1000, 17)), "sport");
    EXPECT_EQ(label_of(m, flow("10.8.8.8", 1000, "10.9.9.9", 53, 17)), "sport");  // any
}

TEST(LabelMatcher, Ipv6AndFamilies) {
    const std::vector<LabelRule> rules = {
        R("v6").dst({cidr("2001:db8::/32"), cidr("10.0.0.0/8")}),
        R("v6-host").hosts({cidr("fe80::1")}),
        R("all").hosts({cidr("::/0"), cidr("0.0.0.0/0")}).protocols({58}),
    };
    const LabelMatcher m(rules);
    EXPECT_EQ(label_of(m, flow("2001:db9::1", 1, "2001:db8:ffff::1", 2)), "v6");
    EXPECT_EQ(label_of(m, flow("2001:db8:ffff::1", 1, "2001:db9::1", 2)), "v6");  // any
    EXPECT_EQ(label_of(m, flow("2001:db9::1", 1, "2001:db9::2", 2)), "-");
    EXPECT_EQ(label_of(m, flow("192.168.0.1", 1, "10.200.0.1", 2)), "v6");  // its IPv4 entry
    EXPECT_EQ(label_of(m, flow("fe80::2", 1, "fe80::1", 2)), "v6-host");
    EXPECT_EQ(label_of(m, flow("fe80::2", 1, "fe80::3", 2)), "-");
    EXPECT_EQ(label_of(m, flow("fe80::2", 0, "fe80::3", 0, 58)), "all");
    EXPECT_EQ(label_of(m, flow("1.2.3.4", 0, "5.6.7.8", 0, 58)), "all");
    // The top of the IPv6 space: ranges that end at the last key.
    const std::vector<LabelRule> top = {R("top").hosts({cidr("ffff::/16")})};
    const LabelMatcher t(top);
    EXPECT_EQ(label_of(t, flow("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "::", 2)), "top");
    EXPECT_EQ(label_of(t, flow("fffe::", 1, "::", 2)), "-");
}

TEST(LabelMatcher, ProtocolAndTimeWindow) {
    const std::vector<LabelRule> rules = {
        R("morning-udp")
            .protocols({17})
            .start(at("2017-07-05 09:00 America/Halifax"))
            .end(at("2017-07-05 10:00 America/Halifax")),
        R("after").start(at("2017-07-05T14:00Z")),
        R("before").end(at("2017-07-05T11:00Z")),
    };
    const LabelMatcher m(rules);
    const auto udp_at = [](std::string_view iso) {
        return flow("10.0.0.1", 1, "10.0.0.2", 2, 17, at(iso));
    };
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T12:00:00Z")), "morning-udp");  // 09:00 ADT
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T12:59:59.999999Z")), "morning-udp");
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T13:00:00Z")), "-");  // end is excluded
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T11:59:59.999999Z")), "-");
    EXPECT_EQ(label_of(m, flow("10.0.0.1", 1, "10.0.0.2", 2, 6, at("2017-07-05T12:30Z"))), "-");
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T14:00:00Z")), "after");
    EXPECT_EQ(label_of(m, udp_at("2030-01-01T00:00:00Z")), "after");
    EXPECT_EQ(label_of(m, udp_at("2017-07-05T10:59:59Z")), "before");
    EXPECT_EQ(label_of(m, udp_at("1960-01-01T00:00:00Z")), "before");
}

TEST(LabelMatcher, ManyRulesAcrossWords) {
    // 200 rules, one /32 each, over four 64-bit words; a catch-all at the end.
    std::vector<LabelRule> rules;
    for (int i = 0; i < 200; ++i) {
        rules.push_back(
            R(fmt::format("r{}", i)).hosts({cidr(fmt::format("10.0.{}.{}", i / 100, i % 100))}));
    }
    rules.push_back(R("rest"));
    const LabelMatcher m(rules);
    for (int i = 0; i < 200; i += 7) {
        EXPECT_EQ(label_of(m, flow("192.0.2.1", 1, fmt::format("10.0.{}.{}", i / 100, i % 100), 2)),
                  fmt::format("r{}", i));
    }
    EXPECT_EQ(label_of(m, flow("192.0.2.1", 1, "10.0.2.0", 2)), "rest");
}

// --- The same rules read one by one, as the documentation states them -----------------------

bool in_prefix(const IpPrefix& p, const std::array<std::uint8_t, 16>& a, bool ipv6) {
    if (p.ipv6 != ipv6) {
        return false;
    }
    for (unsigned bit = 0; bit < p.length; ++bit) {
        const unsigned byte = bit / 8;
        const unsigned mask = 0x80u >> (bit % 8);
        if ((p.addr[byte] & mask) != (a[byte] & mask)) {
            return false;
        }
    }
    return true;
}

bool in_any(const std::vector<IpPrefix>& v, const std::array<std::uint8_t, 16>& a, bool ipv6) {
    if (v.empty()) {
        return true;
    }
    for (const IpPrefix& p : v) {
        if (in_prefix(p, a, ipv6)) {
            return true;
        }
    }
    return false;
}

bool in_ports(const std::vector<PortRange>& v, std::uint16_t port) {
    if (v.empty()) {
        return true;
    }
    for (const PortRange& r : v) {
        if (port >= r.first && port <= r.last) {
            return true;
        }
    }
    return false;
}

bool rule_matches(const LabelRule& r, const features::FeatureRow& f) {
    const auto oriented = [&](const auto& s, std::uint16_t sp, const auto& d, std::uint16_t dp) {
        return in_any(r.src, s, f.ipv6) && in_any(r.dst, d, f.ipv6) && in_ports(r.src_ports, sp) &&
               in_ports(r.dst_ports, dp);
    };
    const bool hosts =
        r.hosts.empty() || in_any(r.hosts, f.src_ip, f.ipv6) || in_any(r.hosts, f.dst_ip, f.ipv6);
    const bool ports =
        r.ports.empty() || in_ports(r.ports, f.src_port) || in_ports(r.ports, f.dst_port);
    bool protocol = r.protocols.empty();
    for (std::uint8_t p : r.protocols) {
        protocol = protocol || p == f.protocol;
    }
    const bool time = (!r.start || f.first_ts_us >= *r.start) && (!r.end || f.first_ts_us < *r.end);
    const bool ends =
        oriented(f.src_ip, f.src_port, f.dst_ip, f.dst_port) ||
        (r.direction == RuleDirection::Any && oriented(f.dst_ip, f.dst_port, f.src_ip, f.src_port));
    return hosts && ports && protocol && time && ends;
}

TEST(LabelMatcher, AgreesWithRuleByRuleReadingOnRandomRules) {
    std::mt19937_64 rng(12);
    const auto pick = [&](std::uint64_t n) {
        return rng() % n;
    };
    // A small address and port space, so that random rules and flows meet often.
    const auto random_address = [&](bool ipv6) {
        std::array<std::uint8_t, 16> a{};
        if (ipv6) {
            a[0] = 0x20;
            a[1] = 0x01;
            a[15] = static_cast<std::uint8_t>(pick(8));
            a[14] = static_cast<std::uint8_t>(pick(2) * 0x80);
        } else {
            a[0] = 10;
            a[2] = static_cast<std::uint8_t>(pick(4));
            a[3] = static_cast<std::uint8_t>(pick(8) * 32 + pick(3));
        }
        return a;
    };
    const auto random_prefixes = [&]() {
        std::vector<IpPrefix> v;
        const std::uint64_t n = pick(3);
        for (std::uint64_t i = 0; i < n; ++i) {
            IpPrefix p;
            p.ipv6 = pick(3) == 0;
            p.addr = random_address(p.ipv6);
            p.length = static_cast<std::uint8_t>(p.ipv6 ? 112 + pick(17) : 24 + pick(9));
            for (unsigned bit = p.length; bit < (p.ipv6 ? 128u : 32u); ++bit) {
                p.addr[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
            }
            v.push_back(p);
        }
        return v;
    };
    const auto random_ports = [&]() {
        std::vector<PortRange> v;
        const std::uint64_t n = pick(3);
        for (std::uint64_t i = 0; i < n; ++i) {
            const auto a = static_cast<std::uint16_t>(pick(20));
            v.push_back({a, static_cast<std::uint16_t>(a + pick(5))});
        }
        return v;
    };
    const Micros t0 = at("2017-07-05T12:00Z");
    for (int round = 0; round < 20; ++round) {
        std::vector<LabelRule> rules;
        const std::uint64_t n = 1 + pick(150);
        for (std::uint64_t i = 0; i < n; ++i) {
            LabelRule r = R(fmt::format("r{}", i));
            r.src = random_prefixes();
            r.dst = random_prefixes();
            if (pick(4) == 0) {
                r.hosts = random_prefixes();
            }
            r.src_ports = random_ports();
            r.dst_ports = random_ports();
            if (pick(4) == 0) {
                r.ports = random_ports();
            }
            if (pick(3) == 0) {
                r.protocols = {static_cast<std::uint8_t>(pick(2) ? 6 : 17)};
            }
            if (pick(3) == 0) {
                r.start = t0 + static_cast<Micros>(pick(100));
            }
            if (pick(3) == 0) {
                r.end = t0 + 100 + static_cast<Micros>(pick(100));
            }
            r.direction = pick(2) ? RuleDirection::Any : RuleDirection::Forward;
            rules.push_back(std::move(r));
        }
        const LabelMatcher m(rules);
        for (int k = 0; k < 2000; ++k) {
            features::FeatureRow f;
            f.ipv6 = pick(3) == 0;
            f.src_ip = random_address(f.ipv6);
            f.dst_ip = random_address(f.ipv6);
            f.src_port = static_cast<std::uint16_t>(pick(26));
            f.dst_port = static_cast<std::uint16_t>(pick(26));
            f.protocol = pick(2) ? 6 : 17;
            f.first_ts_us = t0 + static_cast<Micros>(pick(250));
            std::uint32_t expected = LabelMatcher::kNoMatch;
            for (std::size_t i = 0; i < rules.size(); ++i) {
                if (rule_matches(rules[i], f)) {
                    expected = static_cast<std::uint32_t>(i);
                    break;
                }
            }
            ASSERT_EQ(m.match(f), expected) << "round " << round << " flow " << k;
        }
    }
}

TEST(LabelMatcher, FormatterPrintsTheRuleLabelOrTheDefault) {
    const std::vector<LabelRule> rules = {
        R("Heartbleed").hosts({cidr("192.168.10.51")}).ports({{444, 444}}),
    };
    const CsvFormatter f(Profile::Cic2017, "UTC", "BENIGN", make_label_matcher(rules));
    fmt::memory_buffer hit;
    f.append_row(flow("172.16.0.1", 45022, "192.168.10.51", 444), hit);
    fmt::memory_buffer miss;
    f.append_row(flow("172.16.0.1", 45022, "192.168.10.51", 443), miss);
    const std::string a = fmt::to_string(hit);
    const std::string b = fmt::to_string(miss);
    EXPECT_TRUE(a.ends_with(",Heartbleed\n")) << a;
    EXPECT_TRUE(b.ends_with(",BENIGN\n")) << b;
    EXPECT_EQ(make_label_matcher({}), nullptr);
}

}  // namespace
}  // namespace fm::output
