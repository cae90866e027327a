// SPDX-License-Identifier: BSD-3-Clause
// Names of the rotating output files: PREFIX-YYYYmmddTHHMMSSZ-N.csv, written as
// PREFIX-YYYYmmddTHHMMSSZ-N.csv.partial. Shared by the writer (making names, keep_files) and
// the crash recovery at start (finding and finishing partial files).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fm::output {

inline constexpr std::string_view kPartialSuffix = ".partial";

/// "PREFIX-STAMP-SEQ.csv".
std::string output_name(std::string_view prefix, std::string_view stamp, std::uint64_t seq);

/// Parses "PREFIX-YYYYmmddTHHMMSSZ-N.csv"; returns false for any other name.
bool parse_output_name(std::string_view name, std::string_view prefix, std::string& stamp,
                       std::uint64_t& seq);

}  // namespace fm::output
