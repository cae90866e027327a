// SPDX-License-Identifier: BSD-3-Clause
#include "source_root.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

namespace fm::test_support {

std::string source_root() {
    const char* root = std::getenv("FM_SOURCE_ROOT");
    if (root == nullptr || root[0] == '\0') {
        ADD_FAILURE() << "FM_SOURCE_ROOT is not set: run the tests through meson test";
        return ".";
    }
    return root;
}

}  // namespace fm::test_support
