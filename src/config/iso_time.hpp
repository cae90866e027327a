// SPDX-License-Identifier: BSD-3-Clause
// ISO 8601 date-times of the labelling rules' `start`/`end`, always with their zone, so that a
// rule means the same instant on every machine: "2017-07-05T09:20:00-03:00",
// "2017-07-05T12:20:00Z", or a local time and an IANA zone name, "2017-07-05 09:20
// America/Halifax" (also "…T09:20[America/Halifax]", RFC 9557). Zone names use the tz database
// the Timestamp column uses (Howard Hinnant's date, system tzdata); a local time that a DST
// change skips or repeats is refused with the reason, never guessed.
#pragma once

#include <string>
#include <string_view>

#include "common/time.hpp"

namespace fm::config {

/// Parses `text` to UTC microseconds (digits beyond microseconds are cut); on failure returns
/// false and puts the reason in `error`.
bool parse_iso_time(std::string_view text, Micros& out, std::string& error);

/// "YYYY-MM-DDThh:mm:ss[.ffffff]Z": the UTC text parse_iso_time reads back to `us`.
std::string format_iso_time(Micros us);

}  // namespace fm::config
