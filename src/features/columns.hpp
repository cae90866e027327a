// SPDX-License-Identifier: BSD-3-Clause
// Column identifiers generated from columns.def: one enumerator per column of the union of all
// profiles, in output order. FeatureRow cells are indexed by these; the CSV formatter picks the
// subset and the header text of its profile.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fm::features {

enum class Column : std::uint8_t {
#define FM_COLUMN(id, kind, fixed_name, cic2018_name, cic2017_name) id,
#include "features/columns.def"
#undef FM_COLUMN
};

inline constexpr std::size_t kColumnCount = 0
#define FM_COLUMN(id, kind, fixed_name, cic2018_name, cic2017_name) +1
#include "features/columns.def"
#undef FM_COLUMN
    ;

/// The type of a column's values across all profiles (columns.def says how each is chosen).
enum class ColumnKind : std::uint8_t {
    Text,       ///< free text without commas (Flow ID)
    Ip,         ///< IPv4 dotted quad or RFC 5952 IPv6 text
    Port,       ///< 0..65535
    U8,         ///< 0..255 (Protocol)
    I64,        ///< a Java long
    F64,        ///< a Java double: 714.0, 1.0E7, NaN, Infinity, -Infinity
    Timestamp,  ///< the profile's Java date layout
    Label,      ///< the label text
};

inline constexpr std::array<ColumnKind, kColumnCount> kColumnKinds{{
#define FM_COLUMN(id, kind, fixed_name, cic2018_name, cic2017_name) ColumnKind::kind,
#include "features/columns.def"
#undef FM_COLUMN
}};

/// The column identifiers as written in columns.def ("FlowBytesPerSec"): stable across
/// profiles, unlike the header text.
inline constexpr std::array<std::string_view, kColumnCount> kColumnIds{{
#define FM_COLUMN(id, kind, fixed_name, cic2018_name, cic2017_name) #id,
#include "features/columns.def"
#undef FM_COLUMN
}};

/// Header names of one column, one per naming scheme (empty: not part of that layout).
struct ColumnNames {
    std::string_view fixed_v4;
    std::string_view cic2018;
    std::string_view cic2017;
};

inline constexpr std::array<ColumnNames, kColumnCount> kColumnNames{{
#define FM_COLUMN(id, kind, fixed_name, cic2018_name, cic2017_name) \
    {fixed_name, cic2018_name, cic2017_name},
#include "features/columns.def"
#undef FM_COLUMN
}};

constexpr std::size_t index(Column c) noexcept {
    return static_cast<std::size_t>(c);
}

}  // namespace fm::features
