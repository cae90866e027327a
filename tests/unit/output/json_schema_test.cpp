// SPDX-License-Identifier: BSD-3-Clause
#include "output/json_schema.hpp"

#include <string>

#include <gtest/gtest.h>

#include "output/row_schema.hpp"

namespace fm::output {
namespace {

constexpr Profile kProfiles[] = {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed};

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) {
        ++n;
    }
    return n;
}

TEST(JsonSchema, OnePropertyPerKeyOfTheRow) {
    for (const Profile p : kProfiles) {
        config::DaemonConfig c;
        c.flow.profile = p;
        const std::string schema = json_schema(c);
        EXPECT_NE(schema.find("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""),
                  std::string::npos);
        std::size_t doubles = 0;
        std::size_t longs = 0;
        for (const SchemaColumn& col : row_schema(p)) {
            // Listed in properties and in required.
            EXPECT_GE(count(schema, "\"" + col.header + "\""), 2u) << col.header;
            doubles += col.kind == features::ColumnKind::F64 ? 1 : 0;
            longs += col.kind == features::ColumnKind::I64 ? 1 : 0;
        }
        // cic2017's repeated Fwd Header Length (a long) is one property.
        const std::size_t repeated = p == Profile::Cic2017 ? 1 : 0;
        EXPECT_EQ(count(schema, "{\"$ref\": \"#/$defs/double\"}"), doubles);
        EXPECT_EQ(count(schema, "{\"$ref\": \"#/$defs/long\"}"), longs - repeated);
        EXPECT_EQ(count(schema, "{\"$ref\": \"#/$defs/ip\"}"), 2u);
        EXPECT_NE(schema.find("\"additionalProperties\": false"), std::string::npos);
    }
}

TEST(JsonSchema, LabelIsOneOfTheConfiguredLabels) {
    config::DaemonConfig c;
    c.flow.profile = Profile::Cic2018;
    EXPECT_NE(json_schema(c).find("\"Label\": {\"enum\": [\"No Label\"]}"), std::string::npos);
    c.output.label = "BENIGN";
    config::LabelRule rule;
    rule.label = "DoS \"Hulk\"";
    c.labels.push_back(rule);
    rule.label = "BENIGN";
    c.labels.push_back(rule);
    EXPECT_NE(json_schema(c).find("\"Label\": {\"enum\": [\"BENIGN\", \"DoS \\\"Hulk\\\"\"]}"),
              std::string::npos)
        << json_schema(c);
}

TEST(JsonSchema, TimestampPatternFollowsTheProfile) {
    config::DaemonConfig c;
    c.flow.profile = Profile::V4;
    EXPECT_NE(json_schema(c).find("(AM|PM)$"), std::string::npos);
    c.flow.profile = Profile::Fixed;
    EXPECT_NE(json_schema(c).find("(\\\\.[0-9]{3}|\\\\.[0-9]{6})?$"), std::string::npos);
}

}  // namespace
}  // namespace fm::output
