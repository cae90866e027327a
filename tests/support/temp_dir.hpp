// SPDX-License-Identifier: BSD-3-Clause
// A scratch directory for a test: made fresh under $TMPDIR (or /tmp), removed with its contents
// when the object goes.
#pragma once

#include <filesystem>
#include <string>

namespace fm::test_support {

class TempDir {
public:
    /// Makes <tmp>/<prefix>-XXXXXX; throws when it cannot (a test without its directory must not
    /// go on and write somewhere else).
    explicit TempDir(const std::string& prefix = "flowmeterd-test");
    /// Removes the directory; parts a test made read-only are made writable first.
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    /// The path of `name` inside the directory.
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace fm::test_support
