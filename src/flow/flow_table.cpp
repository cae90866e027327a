// SPDX-License-Identifier: BSD-3-Clause
// FlowTable: slot array management (insert, backward-shift erase). See flow_table.hpp.
#include "flow/flow_table.hpp"

#include <algorithm>

namespace fm::flow {

FlowTable::FlowTable(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
    std::size_t slots = 16;
    while (slots < 2 * capacity_) {
        slots *= 2;
    }
    mask_ = slots - 1;
    slots_.assign(slots, Slot{});
    free_.resize(capacity_);
    // Hand out low indexes first: the pool fills from its start, which keeps a small table's
    // working set small.
    for (std::size_t i = 0; i < capacity_; ++i) {
        free_[i] = static_cast<std::uint32_t>(capacity_ - 1 - i);
    }
}

std::uint32_t FlowTable::insert(std::uint64_t hash) noexcept {
    FM_ASSERT(!full());
    const std::uint32_t index = free_.back();
    free_.pop_back();
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t pos = tag & mask_;
    while (slots_[pos].index != kNone) {
        pos = (pos + 1) & mask_;
    }
    slots_[pos] = Slot{tag, index};
    ++size_;
    return index;
}

void FlowTable::erase(std::uint32_t index, std::uint64_t hash) noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t pos = tag & mask_;
    while (slots_[pos].index != index) {
        FM_ASSERT(slots_[pos].index != kNone);
        pos = (pos + 1) & mask_;
    }
    // Backward-shift deletion (Knuth 6.4 algorithm R): move later cluster members into the hole
    // when their home slot does not lie cyclically in (hole, current].
    std::size_t hole = pos;
    std::size_t cur = pos;
    for (;;) {
        cur = (cur + 1) & mask_;
        const Slot& s = slots_[cur];
        if (s.index == kNone) {
            break;
        }
        const std::size_t home = s.tag & mask_;
        const bool home_in_range =
            hole <= cur ? (hole < home && home <= cur) : (hole < home || home <= cur);
        if (!home_in_range) {
            slots_[hole] = s;
            hole = cur;
        }
    }
    slots_[hole] = Slot{};
    free_.push_back(index);
    --size_;
}

void FlowTable::clear() noexcept {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    free_.resize(capacity_);
    for (std::size_t i = 0; i < capacity_; ++i) {
        free_[i] = static_cast<std::uint32_t>(capacity_ - 1 - i);
    }
    size_ = 0;
}

}  // namespace fm::flow
