// SPDX-License-Identifier: BSD-3-Clause
// Where the reference data is: $FM_SHARED_DIR (meson test sets it), with the captures under
// pcaps/ and the goldens under golden/. A missing folder is a test failure, never a skip.
#pragma once

#include <filesystem>
#include <vector>

namespace fm::test_support {

/// $FM_SHARED_DIR; adds a test failure and returns an empty path when it is unset or not a
/// directory.
std::filesystem::path shared_dir();

/// Every regular file under $FM_SHARED_DIR/pcaps (all folders), sorted; not all are captures.
/// Adds a test failure and returns nothing when the folder is missing.
std::vector<std::filesystem::path> shared_capture_files();

}  // namespace fm::test_support
