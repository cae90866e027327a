// SPDX-License-Identifier: BSD-3-Clause
// Every counter block of flowmeterd is defined once, as an X-macro table (<area>/*_counters.def:
// #define FM_<BLOCK>_COUNTERS(X) with one X(field, "stage.name", "what it counts") per counter),
// from which the block's members, its for_each() (name, value) walk and so its summing and
// reporting are generated (common/stage_counter.hpp FM_STAGE_COUNTER_BLOCK for the blocks of
// StageCounters).
// NamedCounters is the cold-path form those walks produce: the final statistics, the stats
// line's details, and the test that checks every defined counter is reported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fm {

using NamedCounters = std::vector<std::pair<std::string, std::uint64_t>>;

/// Adds `value` to the counter called `name` in `out`, appending it when new (cold path).
inline void add_counter(NamedCounters& out, std::string_view name, std::uint64_t value) {
    for (auto& [n, v] : out) {
        if (n == name) {
            v += value;
            return;
        }
    }
    out.emplace_back(std::string(name), value);
}

/// Adds every counter of `block` (anything with for_each(fn(name, value))) to `out`.
template <typename Block>
void add_counters(NamedCounters& out, const Block& block) {
    block.for_each([&out](std::string_view name, std::uint64_t v) { add_counter(out, name, v); });
}

}  // namespace fm
