// SPDX-License-Identifier: BSD-3-Clause
#include "output/row_schema.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "output/csv_format.hpp"

namespace fm::output {
namespace {

using features::Column;
using features::ColumnKind;

constexpr Profile kProfiles[] = {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed};

TEST(RowSchema, ColumnsAreTheCsvHeaderOfEveryProfile) {
    for (const Profile p : kProfiles) {
        const std::vector<SchemaColumn> columns = row_schema(p);
        const CsvFormatter formatter(p, "UTC", "");
        std::string joined;
        for (const SchemaColumn& c : columns) {
            joined += (joined.empty() ? "" : ",") + c.header;
        }
        EXPECT_EQ(joined, formatter.header()) << to_string(p);
        ASSERT_EQ(columns.size(), formatter.columns().size());
        for (std::size_t i = 0; i < columns.size(); ++i) {
            EXPECT_EQ(columns[i].column, formatter.columns()[i]);
        }
    }
    EXPECT_EQ(row_schema(Profile::Cic2017).size(), 85u);
    EXPECT_EQ(row_schema(Profile::Cic2018).size(), 84u);
    EXPECT_EQ(row_schema(Profile::V4).size(), 84u);
    EXPECT_EQ(row_schema(Profile::Fixed).size(), 94u);
}

TEST(RowSchema, EveryKindIsKnownAndIdsAreUnique) {
    for (const Profile p : kProfiles) {
        std::set<std::string> ids;
        for (const SchemaColumn& c : row_schema(p)) {
            EXPECT_NE(kind_name(c.kind), "unknown") << c.header;
            EXPECT_TRUE(ids.insert(c.id).second) << c.id;
            for (const char ch : c.id) {
                EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')
                    << c.id;
            }
        }
    }
}

TEST(RowSchema, IdentityColumnsHaveTheirKinds) {
    for (const Profile p : kProfiles) {
        for (const SchemaColumn& c : row_schema(p)) {
            switch (c.column) {
                case Column::FlowId:
                    EXPECT_EQ(c.kind, ColumnKind::Text);
                    break;
                case Column::SrcIp:
                case Column::DstIp:
                    EXPECT_EQ(c.kind, ColumnKind::Ip);
                    break;
                case Column::SrcPort:
                case Column::DstPort:
                    EXPECT_EQ(c.kind, ColumnKind::Port);
                    break;
                case Column::Protocol:
                    EXPECT_EQ(c.kind, ColumnKind::U8);
                    break;
                case Column::Timestamp:
                    EXPECT_EQ(c.kind, ColumnKind::Timestamp);
                    break;
                case Column::Label:
                    EXPECT_EQ(c.kind, ColumnKind::Label);
                    break;
                default:
                    // Numbers: a Java long or a Java double.
                    EXPECT_TRUE(c.kind == ColumnKind::I64 || c.kind == ColumnKind::F64) << c.header;
            }
        }
    }
}

TEST(RowSchema, SnakeCase) {
    EXPECT_EQ(snake_case("FlowBytesPerSec"), "flow_bytes_per_sec");
    EXPECT_EQ(snake_case("SrcIp"), "src_ip");
    EXPECT_EQ(snake_case("Label"), "label");
}

}  // namespace
}  // namespace fm::output
