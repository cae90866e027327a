// SPDX-License-Identifier: BSD-3-Clause
// Labelling rules: what LabelMatcher::match costs per flow, and what building its tables costs.
//
// BM_LabelMatch/<rules>: rules shaped like attack schedules — per rule an attacker /32 (IPv4, a
// tenth IPv6 /128), a victim /24 or /32, a destination port or range, often a protocol, and a
// time window of minutes within one day, direction any or forward — matched against 4096 flows
// of which about a third fall between some rule's attacker and victim (half of those during
// its window; many then fail on port or protocol) and the rest miss, as in a capture where
// attacks are a minority. items/s = flows labelled per second; matched_share = flows that got
// a rule's label.
// BM_LabelScan/<rules>: the same rules and flows read rule by rule (what the prefix tables
// replace), for comparison.
// BM_LabelCompile/<rules>: building the tables (startup).
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "config/label_rule.hpp"
#include "features/feature_row.hpp"
#include "output/label_matcher.hpp"

namespace {

using fm::config::IpPrefix;
using fm::config::LabelRule;
using fm::config::PortRange;
using fm::features::FeatureRow;

constexpr fm::Micros kDay = 1'499'212'800'000'000;  // 2017-07-05T00:00Z
constexpr fm::Micros kMinute = 60'000'000;

IpPrefix v4(std::uint32_t a, std::uint8_t len) {
    IpPrefix p;
    for (int i = 0; i < 4; ++i) {
        p.addr[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(a >> (24 - 8 * i));
    }
    p.length = len;
    if (len < 32) {
        const std::uint32_t masked = a & ~((1u << (32 - len)) - 1);
        for (int i = 0; i < 4; ++i) {
            p.addr[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(masked >> (24 - 8 * i));
        }
    }
    return p;
}

IpPrefix v6(std::uint32_t host) {
    IpPrefix p;
    p.ipv6 = true;
    p.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0xaa};
    p.addr[12] = static_cast<std::uint8_t>(host >> 24);
    p.addr[13] = static_cast<std::uint8_t>(host >> 16);
    p.addr[14] = static_cast<std::uint8_t>(host >> 8);
    p.addr[15] = static_cast<std::uint8_t>(host);
    p.length = 128;
    return p;
}

// Attackers from 100.64.0.0/16, victims in 10.0.0.0/16.
std::vector<LabelRule> make_rules(std::size_t n) {
    std::mt19937_64 rng(7);
    std::vector<LabelRule> rules(n);
    for (std::size_t i = 0; i < n; ++i) {
        LabelRule& r = rules[i];
        r.label = "attack-" + std::to_string(i);
        const auto attacker = static_cast<std::uint32_t>(rng() % 4096);
        r.src = {i % 10 == 9 ? v6(attacker) : v4(0x64400000u | attacker, 32)};
        const auto victim = static_cast<std::uint32_t>(0x0A000000u | (rng() % 65536));
        r.dst = {i % 10 == 9 ? v6(0x10000u | (victim & 0xFFFF)) : v4(victim, rng() % 2 ? 24 : 32)};
        const auto port = static_cast<std::uint16_t>(rng() % 2 ? 80 : 1 + rng() % 2000);
        r.dst_ports = {rng() % 4 ? PortRange{port, port}
                                 : PortRange{port, static_cast<std::uint16_t>(port + 100)}};
        if (rng() % 2) {
            r.protocols = {static_cast<std::uint8_t>(rng() % 3 ? 6 : 17)};
        }
        const fm::Micros start = kDay + static_cast<fm::Micros>(rng() % (24 * 60)) * kMinute;
        r.start = start;
        r.end = start + static_cast<fm::Micros>(1 + rng() % 30) * kMinute;
        r.direction =
            rng() % 2 ? fm::config::RuleDirection::Any : fm::config::RuleDirection::Forward;
    }
    return rules;
}

std::vector<FeatureRow> make_flows(const std::vector<LabelRule>& rules, std::size_t n) {
    std::mt19937_64 rng(11);
    std::vector<FeatureRow> flows(n);
    for (FeatureRow& f : flows) {
        const LabelRule& r = rules[rng() % rules.size()];
        const bool inside = rng() % 3 == 0;  // between one rule's attacker and victim
        f.ipv6 = inside ? r.src[0].ipv6 : rng() % 10 == 0;
        if (inside) {
            f.src_ip = r.src[0].addr;
            f.dst_ip = r.dst[0].addr;
            f.dst_ip[f.ipv6 ? 15 : 3] |= static_cast<std::uint8_t>(rng() % 2);
            f.dst_port = static_cast<std::uint16_t>(rng() % 2 ? 80 : rng() % 2100);
        } else {
            for (std::size_t b = 0; b < (f.ipv6 ? 16u : 4u); ++b) {
                f.src_ip[b] = static_cast<std::uint8_t>(rng());
                f.dst_ip[b] = static_cast<std::uint8_t>(rng());
            }
            f.dst_port = static_cast<std::uint16_t>(rng() % 2 ? 443 : rng());
        }
        f.src_port = static_cast<std::uint16_t>(32768 + rng() % 28232);
        f.protocol = static_cast<std::uint8_t>(rng() % 4 ? 6 : 17);
        f.first_ts_us = kDay + static_cast<fm::Micros>(rng() % (24 * 3600)) * 1'000'000;
        if (inside && rng() % 2 == 0) {  // during the rule's window
            f.first_ts_us = *r.start + static_cast<fm::Micros>(
                                           rng() % static_cast<std::uint64_t>(*r.end - *r.start));
        }
        if (rng() % 2) {  // half of them seen from the other end
            std::swap(f.src_ip, f.dst_ip);
            std::swap(f.src_port, f.dst_port);
        }
    }
    return flows;
}

void BM_LabelMatch(benchmark::State& state) {
    const auto rules = make_rules(static_cast<std::size_t>(state.range(0)));
    const fm::output::LabelMatcher matcher(rules);
    const auto flows = make_flows(rules, 4096);
    std::size_t next = 0;
    std::uint64_t matched = 0;
    for (auto _ : state) {
        matched += matcher.match(flows[next]) != fm::output::LabelMatcher::kNoMatch;
        next = (next + 1) & 4095;
    }
    benchmark::DoNotOptimize(matched);
    state.SetItemsProcessed(state.iterations());
    state.counters["matched_share"] =
        static_cast<double>(matched) / static_cast<double>(state.iterations());
    state.counters["table_KiB"] = static_cast<double>(matcher.memory_bytes()) / 1024.0;
}
BENCHMARK(BM_LabelMatch)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

bool in_prefix(const IpPrefix& p, const FeatureRow& f, const std::array<std::uint8_t, 16>& a) {
    if (p.ipv6 != f.ipv6) {
        return false;
    }
    for (unsigned bit = 0; bit < p.length; ++bit) {
        const unsigned m = 0x80u >> (bit % 8);
        if ((p.addr[bit / 8] & m) != (a[bit / 8] & m)) {
            return false;
        }
    }
    return true;
}

bool scan_one(const LabelRule& r, const FeatureRow& f, bool reverse) {
    const auto& s = reverse ? f.dst_ip : f.src_ip;
    const auto& d = reverse ? f.src_ip : f.dst_ip;
    const std::uint16_t dp = reverse ? f.src_port : f.dst_port;
    return in_prefix(r.src[0], f, s) && in_prefix(r.dst[0], f, d) && dp >= r.dst_ports[0].first &&
           dp <= r.dst_ports[0].last;
}

void BM_LabelScan(benchmark::State& state) {
    const auto rules = make_rules(static_cast<std::size_t>(state.range(0)));
    const auto flows = make_flows(rules, 4096);
    std::size_t next = 0;
    std::uint64_t matched = 0;
    for (auto _ : state) {
        const FeatureRow& f = flows[next];
        for (const LabelRule& r : rules) {
            if ((!r.protocols.empty() && r.protocols[0] != f.protocol) ||
                f.first_ts_us < *r.start || f.first_ts_us >= *r.end) {
                continue;
            }
            if (scan_one(r, f, false) ||
                (r.direction == fm::config::RuleDirection::Any && scan_one(r, f, true))) {
                ++matched;
                break;
            }
        }
        next = (next + 1) & 4095;
    }
    benchmark::DoNotOptimize(matched);
    state.SetItemsProcessed(state.iterations());
    state.counters["matched_share"] =
        static_cast<double>(matched) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_LabelScan)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_LabelCompile(benchmark::State& state) {
    const auto rules = make_rules(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        const fm::output::LabelMatcher matcher(rules);
        benchmark::DoNotOptimize(&matcher);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LabelCompile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
