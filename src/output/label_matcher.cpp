// SPDX-License-Identifier: BSD-3-Clause
#include "output/label_matcher.hpp"

#include <bit>

namespace fm::output {

namespace {

using Ranges = std::vector<std::vector<RuleKeyRange>>;

std::uint64_t be64(const std::uint8_t* b) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v = (v << 8) | b[i];
    }
    return v;
}

RuleKey address_key(const std::array<std::uint8_t, 16>& a, bool ipv6) noexcept {
    if (ipv6) {
        return {be64(a.data()), be64(a.data() + 8)};
    }
    return {0, (std::uint64_t{a[0]} << 24) | (std::uint64_t{a[1]} << 16) |
                   (std::uint64_t{a[2]} << 8) | a[3]};
}

/// Times are signed: flip the sign bit so that key order is time order.
RuleKey time_key(Micros us) noexcept {
    return {0, static_cast<std::uint64_t>(us) ^ (std::uint64_t{1} << 63)};
}

RuleKeyRange prefix_range(const config::IpPrefix& p) {
    const RuleKey base = address_key(p.addr, p.ipv6);
    if (!p.ipv6) {
        const std::uint64_t host = p.length == 0 ? 0xFFFFFFFFu : (1ull << (32 - p.length)) - 1;
        return {base, {0, base.lo | host}};
    }
    const auto host_bits = [](unsigned bits) {
        return bits == 0 ? 0 : bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    };
    const unsigned host = 128u - p.length;  // bits that vary
    const std::uint64_t lo_host = host_bits(std::min(host, 64u));
    const std::uint64_t hi_host = host > 64 ? host_bits(host - 64) : 0;
    return {base, {base.hi | hi_host, base.lo | lo_host}};
}

/// One table's input: the ranges of every rule for one address family of a prefix list.
Ranges address_ranges(std::span<const config::LabelRule> rules,
                      std::vector<config::IpPrefix> config::LabelRule::*field, bool ipv6) {
    Ranges out(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        for (const config::IpPrefix& p : rules[r].*field) {
            if (p.ipv6 == ipv6) {
                out[r].push_back(prefix_range(p));
            }
        }
    }
    return out;
}

std::vector<bool> unrestricted(std::span<const config::LabelRule> rules,
                               std::vector<config::IpPrefix> config::LabelRule::*field) {
    std::vector<bool> out(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        out[r] = (rules[r].*field).empty();
    }
    return out;
}

RuleBitsTable address_table(std::span<const config::LabelRule> rules,
                            std::vector<config::IpPrefix> config::LabelRule::*field, bool ipv6,
                            std::size_t words) {
    return RuleBitsTable(address_ranges(rules, field, ipv6), unrestricted(rules, field), words);
}

RuleBitsTable port_table(std::span<const config::LabelRule> rules,
                         std::vector<config::PortRange> config::LabelRule::*field,
                         std::size_t words) {
    Ranges ranges(rules.size());
    std::vector<bool> any(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        for (const config::PortRange& p : rules[r].*field) {
            ranges[r].push_back({{0, p.first}, {0, p.last}});
        }
        any[r] = ranges[r].empty();
    }
    return RuleBitsTable(ranges, any, words);
}

RuleBitsTable protocol_table(std::span<const config::LabelRule> rules, std::size_t words) {
    Ranges ranges(rules.size());
    std::vector<bool> any(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        for (std::uint8_t p : rules[r].protocols) {
            ranges[r].push_back({{0, p}, {0, p}});
        }
        any[r] = ranges[r].empty();
    }
    return RuleBitsTable(ranges, any, words);
}

RuleBitsTable time_table(std::span<const config::LabelRule> rules, std::size_t words) {
    Ranges ranges(rules.size());
    std::vector<bool> any(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        const config::LabelRule& rule = rules[r];
        any[r] = !rule.start && !rule.end;
        if (any[r]) {
            continue;
        }
        // [start, end): the last microsecond inside is end - 1. The loader ensures end > start
        // and reads years 0000..9999 only, far from the ends of Micros.
        const RuleKey first =
            rule.start ? time_key(*rule.start) : time_key(std::numeric_limits<Micros>::min());
        const RuleKey last =
            rule.end ? time_key(*rule.end - 1) : time_key(std::numeric_limits<Micros>::max());
        ranges[r].push_back({first, last});
    }
    return RuleBitsTable(ranges, any, words);
}

std::size_t words_for(std::size_t rules) {
    return rules == 0 ? 1 : (rules + 63) / 64;
}

}  // namespace

LabelMatcher::LabelMatcher(std::span<const config::LabelRule> rules)
    : words_(words_for(rules.size())),
      any_direction_(words_, 0),
      src4_(address_table(rules, &config::LabelRule::src, false, words_)),
      src6_(address_table(rules, &config::LabelRule::src, true, words_)),
      dst4_(address_table(rules, &config::LabelRule::dst, false, words_)),
      dst6_(address_table(rules, &config::LabelRule::dst, true, words_)),
      hosts4_(address_table(rules, &config::LabelRule::hosts, false, words_)),
      hosts6_(address_table(rules, &config::LabelRule::hosts, true, words_)),
      ports_(port_table(rules, &config::LabelRule::ports, words_)),
      src_ports_(port_table(rules, &config::LabelRule::src_ports, words_)),
      dst_ports_(port_table(rules, &config::LabelRule::dst_ports, words_)),
      protocol_(protocol_table(rules, words_)),
      time_(time_table(rules, words_)) {
    labels_.reserve(rules.size());
    for (std::size_t r = 0; r < rules.size(); ++r) {
        labels_.push_back(rules[r].label);
        longest_label_ = std::max(longest_label_, rules[r].label.size());
        if (rules[r].direction == config::RuleDirection::Any) {
            any_direction_[r / 64] |= std::uint64_t{1} << (r % 64);
        }
    }
}

std::uint32_t LabelMatcher::match(const features::FeatureRow& row) const noexcept {
    const RuleKey a = address_key(row.src_ip, row.ipv6);
    const RuleKey b = address_key(row.dst_ip, row.ipv6);
    const RuleBitsTable& src = row.ipv6 ? src6_ : src4_;
    const RuleBitsTable& dst = row.ipv6 ? dst6_ : dst4_;
    const RuleBitsTable& hosts = row.ipv6 ? hosts6_ : hosts4_;
    const RuleKey pa{0, row.src_port};
    const RuleKey pb{0, row.dst_port};
    // Forward: the row's source is the rule's src; reverse (direction: any only): swapped.
    const std::uint64_t* src_a = src.lookup(a);
    const std::uint64_t* src_b = src.lookup(b);
    const std::uint64_t* dst_a = dst.lookup(a);
    const std::uint64_t* dst_b = dst.lookup(b);
    const std::uint64_t* sp_a = src_ports_.lookup(pa);
    const std::uint64_t* sp_b = src_ports_.lookup(pb);
    const std::uint64_t* dp_a = dst_ports_.lookup(pa);
    const std::uint64_t* dp_b = dst_ports_.lookup(pb);
    const std::uint64_t* host_a = hosts.lookup(a);
    const std::uint64_t* host_b = hosts.lookup(b);
    const std::uint64_t* port_a = ports_.lookup(pa);
    const std::uint64_t* port_b = ports_.lookup(pb);
    const std::uint64_t* proto = protocol_.lookup(RuleKey{0, row.protocol});
    const std::uint64_t* when = time_.lookup(time_key(row.first_ts_us));
    for (std::size_t w = 0; w < words_; ++w) {
        const std::uint64_t common =
            (host_a[w] | host_b[w]) & (port_a[w] | port_b[w]) & proto[w] & when[w];
        if (common == 0) {
            continue;
        }
        const std::uint64_t forward = src_a[w] & dst_b[w] & sp_a[w] & dp_b[w];
        const std::uint64_t reverse = src_b[w] & dst_a[w] & sp_b[w] & dp_a[w] & any_direction_[w];
        const std::uint64_t hit = common & (forward | reverse);
        if (hit != 0) {
            return static_cast<std::uint32_t>(w * 64 + std::countr_zero(hit));
        }
    }
    return kNoMatch;
}

std::size_t LabelMatcher::memory_bytes() const noexcept {
    std::size_t bytes = any_direction_.capacity() * sizeof(std::uint64_t);
    for (const RuleBitsTable* t : {&src4_, &src6_, &dst4_, &dst6_, &hosts4_, &hosts6_, &ports_,
                                   &src_ports_, &dst_ports_, &protocol_, &time_}) {
        bytes += t->memory_bytes();
    }
    return bytes;
}

std::shared_ptr<const LabelMatcher> make_label_matcher(std::span<const config::LabelRule> rules) {
    if (rules.empty()) {
        return nullptr;
    }
    return std::make_shared<const LabelMatcher>(rules);
}

}  // namespace fm::output
