// SPDX-License-Identifier: BSD-3-Clause
// main() of the integration test programs: their arguments, after the gtest flags, are the paths
// of the built programs they run (meson passes the executables), kept in programs() for the
// tests.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "program_paths.hpp"

namespace fm::integration {

/// Paths of the programs under test, set by main_with_program_paths().
using test_support::programs;

/// One program a test runs: its name in the usage line and where its path goes.
struct ProgramPath {
    const char* usage_name;  ///< e.g. "PATH-OF-FLOWMETERD"
    std::string* path;
};

/// Initialises gtest, stores argv[1..] in `programs` in order and runs every test; exit status 2
/// with a usage line when the number of arguments is not that of `programs`.
inline int main_with_program_paths(int argc, char** argv,
                                   std::initializer_list<ProgramPath> programs) {
    ::testing::InitGoogleTest(&argc, argv);
    if (static_cast<std::size_t>(argc) != programs.size() + 1) {
        std::string usage;
        for (const ProgramPath& p : programs) {
            usage += std::string(" ") + p.usage_name;
        }
        std::fprintf(stderr, "usage: %s%s [gtest flags]\n", argv[0], usage.c_str());
        return 2;
    }
    int i = 1;
    for (const ProgramPath& p : programs) {
        *p.path = argv[i++];
    }
    return RUN_ALL_TESTS();
}

}  // namespace fm::integration
