// SPDX-License-Identifier: BSD-3-Clause
#include "test_main.hpp"

#include <gtest/gtest.h>

namespace fm::test_support {

int exit_status(int rc) {
    const testing::UnitTest& u = *testing::UnitTest::GetInstance();
    if (rc == 0 && u.test_to_run_count() > 0 && u.skipped_test_count() == u.test_to_run_count()) {
        return 77;
    }
    return rc;
}

}  // namespace fm::test_support
