// SPDX-License-Identifier: BSD-3-Clause
// CsvFormatter: FeatureRow -> one CSV line exactly as the profile's reference CICFlowMeter
// writes it (spec §1): the profile's header text, its column subset (cic2017 repeats Fwd Header
// Length as column 62), Java number text per cell type, the profile's Timestamp layout in the
// configured IANA time zone (Howard Hinnant's date, system tzdata), and the label.
//
// Construct once (setup: may throw std::runtime_error for an unknown time zone); then
// append_row is noexcept-safe to call from the writer thread for every row. append_row writes
// the row in one pass into room reserved once in the buffer (no temporaries); the date and
// time text of the last second formatted is reused per thread, and the zone offset looked up
// once per offset period (date::time_zone::get_info), not per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "common/profile.hpp"
#include "common/time.hpp"
#include "features/columns.hpp"
#include "features/feature_row.hpp"
#include "output/label_matcher.hpp"

namespace date {
class time_zone;
}  // namespace date

namespace fm::output {

/// The label a profile's reference writes when none is configured (§1.1).
std::string_view default_label(Profile p) noexcept;

class CsvFormatter {
public:
    /// `time_zone`: IANA name ("UTC", "America/Halifax"); ignored by profiles that always
    /// print UTC (fixed). `label`: the Label column; empty = default_label(profile).
    /// `rules`: labelling rules whose first match replaces `label` (null: none); shared,
    /// read-only, by the formatters of all workers.
    CsvFormatter(Profile profile, std::string_view time_zone, std::string_view label,
                 std::shared_ptr<const LabelMatcher> rules = nullptr);

    Profile profile() const noexcept { return profile_; }

    /// The header line, without the line terminator.
    const std::string& header() const noexcept { return header_; }

    /// The printed columns, in order: one per cell of the header and of every row.
    const std::vector<features::Column>& columns() const noexcept { return columns_; }

    /// Appends one row and its '\n'.
    void append_row(const features::FeatureRow& row, fmt::memory_buffer& out) const;

    /// Appends the Timestamp text of a flow starting at `us` (exposed for tests).
    void append_timestamp(Micros us, fmt::memory_buffer& out) const;

private:
    char* write_timestamp(char* p, Micros us) const;

    Profile profile_;
    std::string label_;
    std::shared_ptr<const LabelMatcher> rules_;
    std::string header_;
    std::vector<features::Column> columns_;  ///< printed columns, in order
    const date::time_zone* zone_ = nullptr;  ///< null: UTC
    std::uint64_t id_ = 0;                   ///< keys this formatter's timestamp cache
    std::size_t max_row_chars_ = 0;          ///< longest possible row text, with its '\n'
};

/// Appends an address as the reference prints it: dotted quad, or RFC 5952 text for IPv6.
void append_ip(const std::uint8_t* bytes16, bool ipv6, fmt::memory_buffer& out);

/// The same text written at `p` (room for 39 characters); returns its end.
char* write_ip(char* p, const std::uint8_t* bytes16, bool ipv6) noexcept;

}  // namespace fm::output
