// SPDX-License-Identifier: BSD-3-Clause
// The offline run of flowmeterd as the integration tests check it: `flowmeterd -f CAPTURE -o
// CSV [flags]`, its CSV read back as rows of fields (header first), and columns found by name.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "program_runner.hpp"

namespace fm::integration {

using CsvFields = std::vector<std::vector<std::string>>;

/// Runs `flowmeterd -f capture -o csv` with `extra` flags and returns the CSV split into rows of
/// fields, header first; a test failure and no rows when flowmeterd does not exit 0.
inline CsvFields run_flowmeterd_csv(const std::string& flowmeterd, const std::string& capture,
                                    const std::string& csv,
                                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {flowmeterd, "-f", capture, "-o", csv};
    args.insert(args.end(), extra.begin(), extra.end());
    const int rc = run_program(args);
    EXPECT_EQ(rc, 0) << "flowmeterd exit status";
    CsvFields rows;
    if (rc != 0) {
        return rows;
    }
    for (const std::string& line : split_lines(read_file(csv))) {
        rows.push_back(split_fields(line));
    }
    return rows;
}

/// Index of the column `name` in `header`; a test failure (and 0) when there is none.
inline std::size_t column_index(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) {
            return i;
        }
    }
    ADD_FAILURE() << "column '" << name << "' not in the header";
    return 0;
}

}  // namespace fm::integration
