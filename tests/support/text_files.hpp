// SPDX-License-Identifier: BSD-3-Clause
// Reading and writing small text files and splitting CSV text, for tests that run flowmeterd
// as a program and read what it wrote. flowmeterd's CSV has no quoting, so a comma always
// separates fields.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fm::test_support {

/// The whole file; throws when it cannot be opened.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(path + ": cannot open");
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Replaces the file's contents; throws when it cannot be written.
inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error(path + ": cannot write");
    }
}

/// Lines without their '\n'; a last line without '\n' counts too.
inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

/// Fields of one line, split at every `sep`.
inline std::vector<std::string> split_fields(const std::string& line, char sep = ',') {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(sep, start);
        fields.push_back(line.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) {
            return fields;
        }
        start = end + 1;
    }
}

}  // namespace fm::test_support
