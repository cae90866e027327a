// SPDX-License-Identifier: BSD-3-Clause
#include "shared_dir.hpp"

#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

namespace fm::test_support {

namespace fs = std::filesystem;

fs::path shared_dir() {
    const char* dir = std::getenv("FM_SHARED_DIR");
    if (dir == nullptr || *dir == '\0' || !fs::is_directory(dir)) {
        ADD_FAILURE() << "FM_SHARED_DIR is not set or not a directory ("
                      << (dir != nullptr ? dir : "unset")
                      << "): the reference captures are required (meson test sets it)";
        return {};
    }
    return dir;
}

std::vector<fs::path> shared_capture_files() {
    std::vector<fs::path> out;
    const fs::path root = shared_dir();
    if (root.empty()) {
        return out;
    }
    const fs::path pcaps = root / "pcaps";
    if (!fs::is_directory(pcaps)) {
        ADD_FAILURE() << pcaps << " is missing";
        return out;
    }
    for (const auto& e : fs::recursive_directory_iterator(pcaps)) {
        if (e.is_regular_file()) {
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace fm::test_support
