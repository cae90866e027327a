// SPDX-License-Identifier: BSD-3-Clause
// Where the project's own files are (the shipped configuration, the documentation a test holds
// to its word): $FM_SOURCE_ROOT, which meson test sets. Unset is a test failure, never a skip.
#pragma once

#include <string>

namespace fm::test_support {

/// $FM_SOURCE_ROOT; adds a test failure and returns "." when it is unset or empty.
std::string source_root();

}  // namespace fm::test_support
