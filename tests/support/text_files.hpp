// SPDX-License-Identifier: BSD-3-Clause
// Reading and writing small text files and splitting CSV text, for tests that read what
// flowmeterd wrote. flowmeterd's CSV has no quoting, so a comma always separates fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fm::test_support {

/// The whole file; throws when it cannot be opened.
std::string read_file(const std::string& path);

/// Replaces the file's contents; throws when it cannot be written.
void write_file(const std::string& path, const std::string& text);

/// Lines without their '\n'; a last line without '\n' counts too.
std::vector<std::string> split_lines(std::string_view text);

/// Fields of one line, split at every `sep`.
std::vector<std::string> split_fields(std::string_view line, char sep = ',');

}  // namespace fm::test_support
