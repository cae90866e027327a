// SPDX-License-Identifier: BSD-3-Clause
// StageCounter: a statistics counter with exactly one writer thread (the stage that owns it) and
// any number of readers (stats reporter, tests). The writer does a relaxed load + store instead
// of an atomic read-modify-write: no lock prefix on the data path, and readers still never see
// a torn value. Counter blocks group a stage's counters and are cache-line aligned so one
// stage's writes never invalidate a line another stage writes (STYLE 4.5.6).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace fm {

class StageCounter {
public:
    /// Owner thread only.
    void add(std::uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Owner thread only: for gauges (a level, not an event count).
    void set(std::uint64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    /// Any thread; a snapshot that may lag the owner by a few increments.
    std::uint64_t load() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// The body of a counter block of StageCounters, generated from its X-macro table LIST
// (common/named_counters.hpp): one StageCounter member per counter, and for_each(fn), which
// calls fn(name, value) for each in table order (relaxed loads; any thread).
#define FM_STAGE_COUNTER_MEMBER(field, name, doc) ::fm::StageCounter field;
#define FM_STAGE_COUNTER_VISIT(field, name, doc) fn(std::string_view(name), field.load());
#define FM_STAGE_COUNTER_BLOCK(LIST) \
    LIST(FM_STAGE_COUNTER_MEMBER)    \
    template <typename Fn>           \
    void for_each(Fn&& fn) const {   \
        LIST(FM_STAGE_COUNTER_VISIT) \
    }

}  // namespace fm
