// SPDX-License-Identifier: BSD-3-Clause
// What each named counter of flowmeterd counts, by its name ("output.rows_written"), taken from
// the counter tables themselves (<area>/*_counters.def, common/named_counters.hpp) so that the
// metrics' HELP text never drifts from the definitions. A new counter table is one line in
// counter_docs.cpp; tests/unit/metrics checks that every counter a run reports has its text.
#pragma once

#include <span>
#include <string_view>

namespace fm::metrics {

struct CounterDoc {
    std::string_view name;
    std::string_view doc;
};

/// Every documented counter, table by table.
std::span<const CounterDoc> counter_docs();

/// The text of `name`, or an empty view for a name no table defines.
std::string_view counter_doc(std::string_view name);

}  // namespace fm::metrics
