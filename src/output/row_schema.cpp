// SPDX-License-Identifier: BSD-3-Clause
#include "output/row_schema.hpp"

#include "output/csv_format.hpp"

namespace fm::output {

std::vector<SchemaColumn> row_schema(Profile profile) {
    const CsvFormatter formatter(profile, "UTC", "");
    const std::string& header = formatter.header();
    std::vector<SchemaColumn> out;
    std::size_t start = 0;
    for (const features::Column c : formatter.columns()) {
        const auto comma = header.find(',', start);
        const std::size_t end = comma == std::string::npos ? header.size() : comma;
        const std::size_t i = features::index(c);
        out.push_back({header.substr(start, end - start), snake_case(features::kColumnIds[i]), c,
                       features::kColumnKinds[i]});
        start = end + 1;
    }
    return out;
}

std::string snake_case(std::string_view camel) {
    std::string out;
    for (const char ch : camel) {
        if (ch >= 'A' && ch <= 'Z') {
            if (!out.empty()) {
                out.push_back('_');
            }
            out.push_back(static_cast<char>(ch - 'A' + 'a'));
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

std::string_view kind_name(features::ColumnKind kind) noexcept {
    using features::ColumnKind;
    switch (kind) {
        case ColumnKind::Text:
            return "text";
        case ColumnKind::Ip:
            return "ip";
        case ColumnKind::Port:
            return "port";
        case ColumnKind::U8:
            return "u8";
        case ColumnKind::I64:
            return "i64";
        case ColumnKind::F64:
            return "f64";
        case ColumnKind::Timestamp:
            return "timestamp";
        case ColumnKind::Label:
            return "label";
    }
    return "unknown";
}

}  // namespace fm::output
