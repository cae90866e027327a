// SPDX-License-Identifier: BSD-3-Clause
// The counters of one FlowEngine, generated from flow/flow_counters.def. Written by the engine's
// thread only; the pipeline sums them over its workers after they have joined.
#pragma once

#include <cstdint>
#include <string_view>

#include "flow/flow_counters.def"

namespace fm::flow {

struct FlowCounters {
#define FM_FLOW_COUNTER_FIELD(field, name, doc) std::uint64_t field = 0;
    FM_FLOW_COUNTERS(FM_FLOW_COUNTER_FIELD)
#undef FM_FLOW_COUNTER_FIELD

    FlowCounters& operator+=(const FlowCounters& o) noexcept {
#define FM_FLOW_COUNTER_ADD(field, name, doc) field += o.field;
        FM_FLOW_COUNTERS(FM_FLOW_COUNTER_ADD)
#undef FM_FLOW_COUNTER_ADD
        return *this;
    }

    /// fn(name, value) for every counter, in table order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
#define FM_FLOW_COUNTER_VISIT(field, name, doc) fn(std::string_view(name), field);
        FM_FLOW_COUNTERS(FM_FLOW_COUNTER_VISIT)
#undef FM_FLOW_COUNTER_VISIT
    }
};

}  // namespace fm::flow
