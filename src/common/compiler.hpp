// SPDX-License-Identifier: BSD-3-Clause
// Compiler hints and the two assertion levels of the project (Envoy ASSERT / RELEASE_ASSERT):
// FM_ASSERT for internal invariants in debug builds, FM_CHECK for states that must abort.
// Neither is ever used on something the network or the environment can cause.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FM_LIKELY(x) __builtin_expect(!!(x), 1)
#define FM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define FM_NOINLINE __attribute__((noinline))

#define FM_CHECK(cond)                                                                    \
    do {                                                                                  \
        if (FM_UNLIKELY(!(cond))) {                                                       \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

#ifdef NDEBUG
#define FM_ASSERT(cond) \
    do {                \
    } while (0)
#else
#define FM_ASSERT(cond) FM_CHECK(cond)
#endif
