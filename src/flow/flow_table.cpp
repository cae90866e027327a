// SPDX-License-Identifier: BSD-3-Clause
// FlowTable: slot array management (insert, backward-shift erase). See flow_table.hpp.
#include "flow/flow_table.hpp"

#include <algorithm>
#include <cstring>

namespace fm::flow {

namespace {

std::size_t slot_count(std::size_t capacity) {
    std::size_t slots = 16;
    while (slots < 2 * capacity) {
        slots *= 2;
    }
    return slots;
}

}  // namespace

FlowTable::FlowTable(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, kHintBit - 2)),
      mask_(slot_count(capacity_) - 1),
      slots_(slot_count(capacity_)) {
    free_.reserve(capacity_);
}

std::uint32_t FlowTable::insert(std::uint64_t hash, bool hint) noexcept {
    FM_ASSERT(!full());
    std::uint32_t index = 0;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        index = fresh_++;
    }
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t pos = tag & mask_;
    while (slots_[pos].index1 != 0) {
        pos = (pos + 1) & mask_;
    }
    slots_[pos] = Slot{tag, (index + 1) | (hint ? kHintBit : 0u)};
    ++size_;
    return index;
}

std::size_t FlowTable::slot_of(std::uint32_t index, std::uint64_t hash) const noexcept {
    std::size_t pos = static_cast<std::uint32_t>(hash) & mask_;
    while (slots_[pos].index1 == 0 || index_of(slots_[pos]) != index) {
        FM_ASSERT(slots_[pos].index1 != 0);
        pos = (pos + 1) & mask_;
    }
    return pos;
}

void FlowTable::set_hint(std::uint32_t index, std::uint64_t hash, bool hint) noexcept {
    Slot& s = slots_[slot_of(index, hash)];
    s.index1 = hint ? (s.index1 | kHintBit) : (s.index1 & ~kHintBit);
}

void FlowTable::erase(std::uint32_t index, std::uint64_t hash) noexcept {
    const std::size_t pos = slot_of(index, hash);
    // Backward-shift deletion (Knuth 6.4 algorithm R): move later cluster members into the hole
    // when their home slot does not lie cyclically in (hole, current].
    std::size_t hole = pos;
    std::size_t cur = pos;
    for (;;) {
        cur = (cur + 1) & mask_;
        const Slot s = slots_[cur];
        if (s.index1 == 0) {
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
    slots_[hole] = Slot{0, 0};
    free_.push_back(index);  // never reallocates: capacity_ reserved, size() < capacity_
    --size_;
}

void FlowTable::clear() noexcept {
    if (size_ != 0) {
        // An empty table's slots are all empty already (erase() leaves no trace); only a
        // table that still holds flows is wiped, which is cheap for a small one and spares an
        // idle large one from touching all of its pages.
        std::memset(static_cast<void*>(slots_.data()), 0, slots_.size() * sizeof(Slot));
    }
    free_.clear();
    fresh_ = 0;
    size_ = 0;
}

}  // namespace fm::flow
