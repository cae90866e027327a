// SPDX-License-Identifier: BSD-3-Clause
// RuleBitsTable: one field of the labelling rules (source addresses, ports, first-packet time,
// …) as a prefix table for the bit-vector classification of Lakshman and Stiliadis (SIGCOMM
// 1998): the rules' ranges cut the field's key space into elementary intervals, and each
// interval holds the set of rules (one bit per rule, in rule order) whose condition on this
// field holds there. A lookup is one binary search over the interval starts; a flow's
// candidates are the AND of its fields' sets, and the first set bit is the first matching rule.
// Identical sets are stored once, and neighbouring intervals with the same set are merged, so
// the table stays as small as the rules' ranges allow. Built at startup; lookups are const,
// allocation-free and safe from any number of threads.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fm::output {

/// A key of a field: an IPv6 address as two big-endian halves, an IPv4 address, a port, a
/// protocol or a biased time all fit.
struct RuleKey {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;

    auto operator<=>(const RuleKey&) const = default;
};

/// A closed range [first, last] of keys.
struct RuleKeyRange {
    RuleKey first;
    RuleKey last;
};

class RuleBitsTable {
public:
    /// `ranges[r]`: where rule r's condition on this field holds; an empty list means the rule
    /// does not restrict this field (it holds everywhere) when `wildcard[r]` is true, nowhere
    /// otherwise. `words`: 64-bit words per rule set (rules / 64, rounded up).
    RuleBitsTable(const std::vector<std::vector<RuleKeyRange>>& ranges,
                  const std::vector<bool>& wildcard, std::size_t words);

    /// The rule set of the interval holding `key`: `words` words, valid while the table lives.
    const std::uint64_t* lookup(RuleKey key) const noexcept {
        // starts_[0] is the smallest key, so the interval always exists.
        const auto it = std::upper_bound(starts_.begin(), starts_.end(), key);
        const auto i = static_cast<std::size_t>(it - starts_.begin()) - 1;
        return sets_.data() + static_cast<std::size_t>(set_of_[i]) * words_;
    }

    std::size_t intervals() const noexcept { return starts_.size(); }
    std::size_t distinct_sets() const noexcept { return sets_.size() / words_; }
    std::size_t memory_bytes() const noexcept;

private:
    std::size_t words_;
    std::vector<RuleKey> starts_;        ///< sorted; starts_[0] = {0, 0}
    std::vector<std::uint32_t> set_of_;  ///< per interval: index of its set in sets_
    std::vector<std::uint64_t> sets_;    ///< distinct rule sets, `words_` words each
};

}  // namespace fm::output
