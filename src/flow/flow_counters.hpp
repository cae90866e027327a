// SPDX-License-Identifier: BSD-3-Clause
// The counters of one FlowEngine, generated from flow/flow_counters.def. Written by the engine's
// thread only; the pipeline sums them over its workers after they have joined.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace fm::flow {

struct FlowCounters {
#define FM_COUNTER(field, name, doc) std::uint64_t field = 0;
#include "flow/flow_counters.def"
#undef FM_COUNTER

    FlowCounters& operator+=(const FlowCounters& o) noexcept {
#define FM_COUNTER(field, name, doc) field += o.field;
#include "flow/flow_counters.def"
#undef FM_COUNTER
        return *this;
    }

    /// fn(name, value) for every counter, in table order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
#define FM_COUNTER(field, name, doc) fn(std::string_view(name), field);
#include "flow/flow_counters.def"
#undef FM_COUNTER
    }

    static constexpr std::array kNames = {
#define FM_COUNTER(field, name, doc) std::string_view(name),
#include "flow/flow_counters.def"
#undef FM_COUNTER
    };
};

}  // namespace fm::flow
