// SPDX-License-Identifier: BSD-3-Clause
// ThreadSanitizer annotations for the moodycamel queues (no-ops in other builds).
//
// moodycamel hands a block the consumer has emptied back to its producer, and publishes its
// block-index entries, through relaxed atomics and std::atomic_thread_fence, which TSan does not
// model, so it would report every block reuse as a race (and spend most of a test run filtering
// those reports). Each queue operation in flowmeterd is bracketed by tsan_queue_acquire(&queue)
// before and tsan_queue_release(&queue) after, which tells TSan about that synchronization. It
// only adds edges between operations on the same queue, so races in flowmeterd's own data are
// still reported.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define FM_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FM_TSAN_BUILD 1
#endif
#endif
#ifdef FM_TSAN_BUILD
#include <sanitizer/tsan_interface.h>
#endif

namespace fm {

inline void tsan_queue_acquire([[maybe_unused]] const void* queue) noexcept {
#ifdef FM_TSAN_BUILD
    __tsan_acquire(const_cast<void*>(queue));
#endif
}

inline void tsan_queue_release([[maybe_unused]] const void* queue) noexcept {
#ifdef FM_TSAN_BUILD
    __tsan_release(const_cast<void*>(queue));
#endif
}

}  // namespace fm
