// SPDX-License-Identifier: BSD-3-Clause
// FlowTable: one shard's flow index. Fixed capacity, allocated once: an open-addressing slot
// array (linear probing, at most half full, never rehashed) maps a key hash to the index of a
// flow state in a dense pool. A slot stores 32 bits of the hash as a filter; the caller's full
// key comparison decides (a filter hit alone never matches). Erasing shifts the following
// cluster back (no tombstones), so probe lengths stay short under churn. Pool indexes are handed
// out from 0 upwards (reused ones first), so high_water() bounds every index ever used.
//
// Single-threaded: owned by one FlowEngine on one worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/compiler.hpp"
#include "flow/zeroed_array.hpp"

namespace fm::flow {

class FlowTable {
public:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

    /// Room for `capacity` flows (>= 1); the slot array is the next power of two >= 2x that.
    explicit FlowTable(std::size_t capacity);

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t size() const noexcept { return size_; }
    bool full() const noexcept { return size_ == capacity_; }
    /// One past the highest pool index handed out since construction or clear().
    std::size_t high_water() const noexcept { return fresh_; }

    /// Index of the entry with this hash for which `same(index)` is true, or kNone.
    template <typename Same>
    std::uint32_t find(std::uint64_t hash, Same&& same) const noexcept {
        const auto tag = static_cast<std::uint32_t>(hash);
        for (std::size_t pos = tag & mask_;; pos = (pos + 1) & mask_) {
            const Slot& s = slots_[pos];
            if (s.index1 == 0) {
                return kNone;
            }
            if (s.tag == tag && same(index_of(s))) {
                return index_of(s);
            }
        }
    }

    /// A likely entry for a hash: the first one whose stored tag matches (no key comparison),
    /// with its hint bit. For prefetching only.
    struct Candidate {
        std::uint32_t index = kNone;
        bool hint = false;
    };
    Candidate candidate(std::uint64_t hash) const noexcept {
        const auto tag = static_cast<std::uint32_t>(hash);
        for (std::size_t pos = tag & mask_;; pos = (pos + 1) & mask_) {
            const Slot& s = slots_[pos];
            if (s.index1 == 0) {
                return {};
            }
            if (s.tag == tag) {
                return {index_of(s), (s.index1 & kHintBit) != 0};
            }
        }
    }

    /// Sets the hint bit the owner keeps with an entry (a fact known before its state is read).
    void set_hint(std::uint32_t index, std::uint64_t hash, bool hint) noexcept;

    /// Starts loading the home slot of `hash` into the cache.
    void prefetch_slot(std::uint64_t hash) const noexcept {
        __builtin_prefetch(&slots_[static_cast<std::uint32_t>(hash) & mask_], 0, 3);
    }

    /// Adds an entry (with its hint bit) and returns its pool index. Precondition: !full().
    std::uint32_t insert(std::uint64_t hash, bool hint = false) noexcept;

    /// Removes the entry at pool index `index`, whose hash is `hash`.
    void erase(std::uint32_t index, std::uint64_t hash) noexcept;

    /// Removes every entry.
    void clear() noexcept;

private:
    /// All-zero = empty, so the array starts as untouched zero pages.
    struct Slot {
        std::uint32_t tag;     ///< low 32 bits of the key hash (also the home slot)
        std::uint32_t index1;  ///< (pool index + 1) | kHintBit if hinted; 0 = empty slot
    };
    static constexpr std::uint32_t kHintBit = 0x80000000u;
    static std::uint32_t index_of(const Slot& s) noexcept { return (s.index1 & ~kHintBit) - 1; }
    std::size_t slot_of(std::uint32_t index, std::uint64_t hash) const noexcept;

    std::size_t capacity_;
    std::size_t size_ = 0;
    std::size_t mask_;
    std::uint32_t fresh_ = 0;  ///< next never-used pool index
    ZeroedArray<Slot> slots_;
    std::vector<std::uint32_t> free_;  ///< released pool indexes (stack), capacity reserved
};

}  // namespace fm::flow
