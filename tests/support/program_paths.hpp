// SPDX-License-Identifier: BSD-3-Clause
// Paths of the built programs a test runs as processes (flowgen, flowmeterd), which meson passes
// on the test's command line; its main() stores them here for the tests.
#pragma once

#include <string>

namespace fm::test_support {

struct Programs {
    std::string flowgen;
    std::string flowmeterd;
};

inline Programs& programs() {
    static Programs p;
    return p;
}

}  // namespace fm::test_support
