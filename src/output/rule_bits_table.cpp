// SPDX-License-Identifier: BSD-3-Clause
#include "output/rule_bits_table.hpp"

#include <map>
#include <utility>

namespace fm::output {

namespace {

constexpr RuleKey kMaxKey{~std::uint64_t{0}, ~std::uint64_t{0}};

RuleKey next(RuleKey k) {
    ++k.lo;
    if (k.lo == 0) {
        ++k.hi;
    }
    return k;
}

}  // namespace

RuleBitsTable::RuleBitsTable(const std::vector<std::vector<RuleKeyRange>>& ranges,
                             const std::vector<bool>& wildcard, std::size_t words)
    : words_(std::max<std::size_t>(words, 1)) {
    // Interval starts: the smallest key, every range's first key and the key after its last.
    std::vector<RuleKey> cuts{RuleKey{}};
    for (const auto& rule : ranges) {
        for (const RuleKeyRange& r : rule) {
            cuts.push_back(r.first);
            if (r.last != kMaxKey) {
                cuts.push_back(next(r.last));
            }
        }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    // Sweep the intervals in key order: a rule enters at its range's first interval and
    // leaves after its last; a count per rule, because one rule's ranges may overlap.
    std::vector<std::vector<std::pair<std::uint32_t, int>>> events(cuts.size() + 1);
    for (std::size_t r = 0; r < ranges.size(); ++r) {
        for (const RuleKeyRange& range : ranges[r]) {
            const auto first = static_cast<std::size_t>(
                std::lower_bound(cuts.begin(), cuts.end(), range.first) - cuts.begin());
            const auto after = static_cast<std::size_t>(
                std::upper_bound(cuts.begin(), cuts.end(), range.last) - cuts.begin());
            events[first].emplace_back(static_cast<std::uint32_t>(r), +1);
            events[after].emplace_back(static_cast<std::uint32_t>(r), -1);
        }
    }
    std::vector<std::uint64_t> current(words_, 0);
    for (std::size_t r = 0; r < wildcard.size(); ++r) {
        if (wildcard[r] && ranges[r].empty()) {
            current[r / 64] |= std::uint64_t{1} << (r % 64);
        }
    }
    std::vector<std::uint32_t> inside(ranges.size(), 0);
    std::map<std::vector<std::uint64_t>, std::uint32_t> index;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
        for (const auto& [r, delta] : events[i]) {
            inside[r] = static_cast<std::uint32_t>(static_cast<int>(inside[r]) + delta);
            const std::uint64_t bit = std::uint64_t{1} << (r % 64);
            current[r / 64] = inside[r] != 0 ? current[r / 64] | bit : current[r / 64] & ~bit;
        }
        auto [it, added] = index.try_emplace(current, static_cast<std::uint32_t>(index.size()));
        if (added) {
            sets_.insert(sets_.end(), current.begin(), current.end());
        }
        if (!set_of_.empty() && set_of_.back() == it->second) {
            continue;  // same set as the interval before: one interval
        }
        starts_.push_back(cuts[i]);
        set_of_.push_back(it->second);
    }
    starts_.shrink_to_fit();
    set_of_.shrink_to_fit();
    sets_.shrink_to_fit();
}

std::size_t RuleBitsTable::memory_bytes() const noexcept {
    return starts_.capacity() * sizeof(RuleKey) + set_of_.capacity() * sizeof(std::uint32_t) +
           sets_.capacity() * sizeof(std::uint64_t);
}

}  // namespace fm::output
