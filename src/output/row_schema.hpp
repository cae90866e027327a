// SPDX-License-Identifier: BSD-3-Clause
// The columns of one profile's rows as a schema sees them: the header text (the CSV header and
// the JSON keys), a stable identifier for databases, and the value type (features::ColumnKind
// from columns.def). Taken from the CSV formatter itself, so a schema can never list other
// columns than the rows have. Input of the ClickHouse and JSON Schema generators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/profile.hpp"
#include "features/columns.hpp"

namespace fm::output {

struct SchemaColumn {
    std::string header;  ///< as the profile's CSV header spells it (leading spaces kept)
    std::string id;      ///< snake_case of the columns.def identifier ("flow_bytes_per_sec")
    features::Column column;
    features::ColumnKind kind;
};

/// The columns of `profile`, in output order (cic2017: 85, Fwd Header Length twice).
std::vector<SchemaColumn> row_schema(Profile profile);

/// "FlowBytesPerSec" -> "flow_bytes_per_sec".
std::string snake_case(std::string_view camel);

/// The name of a ColumnKind as documentation and tests spell it ("f64").
std::string_view kind_name(features::ColumnKind kind) noexcept;

}  // namespace fm::output
