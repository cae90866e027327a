// SPDX-License-Identifier: BSD-3-Clause
// main() of the live-capture tests. Like gtest_main, except that a run in which every test was
// skipped (no root, no tcpreplay, …) exits with 77, which meson reports as SKIP with the
// reasons in the log, instead of 0, which it would count as a pass.
#include <gtest/gtest.h>

#include "test_main.hpp"

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    // Death tests fork; re-executing the binary keeps them safe next to capture threads.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    return fm::test_support::exit_status(RUN_ALL_TESTS());
}
