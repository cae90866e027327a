// SPDX-License-Identifier: BSD-3-Clause
#include "output/clickhouse_schema.hpp"

#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "output/row_schema.hpp"

namespace fm::output {
namespace {

constexpr Profile kProfiles[] = {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed};

config::DaemonConfig config_for(Profile p, const std::string& format = "csv") {
    config::DaemonConfig c;
    c.flow.profile = p;
    c.output.kafka.format = format;
    return c;
}

/// The text of statement `n` (0-based) of the DDL.
std::string statement(const std::string& ddl, int n) {
    std::size_t start = 0;
    for (int i = 0; i < n; ++i) {
        start = ddl.find(";\n", start) + 2;
    }
    return ddl.substr(start, ddl.find(";\n", start) - start);
}

/// The `name` Type lines of a CREATE TABLE statement.
std::vector<std::pair<std::string, std::string>> table_columns(const std::string& create) {
    static const std::regex line(R"(^    `((?:[^`\\]|\\.)*)` ([A-Za-z0-9(), ']+?),?$)");
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start < create.size()) {
        const auto end = create.find('\n', start);
        const std::string l = create.substr(start, end == std::string::npos ? end : end - start);
        std::smatch m;
        if (std::regex_match(l, m, line)) {
            out.emplace_back(m[1], m[2]);
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return out;
}

TEST(ClickhouseSchema, KafkaTableHasOneTypedColumnPerCell) {
    for (const Profile p : kProfiles) {
        const std::vector<SchemaColumn> schema = row_schema(p);
        const std::string ddl = clickhouse_ddl(config_for(p), config::Origins{});
        const auto kafka = table_columns(statement(ddl, 0));
        ASSERT_EQ(kafka.size(), schema.size()) << ddl;
        for (std::size_t i = 0; i < schema.size(); ++i) {
            if (kafka[i].first != schema[i].header) {
                // Only the repeated cic2017 column is renamed.
                EXPECT_EQ(kafka[i].first, schema[i].header + " (2)");
            }
            const std::string& type = kafka[i].second;
            switch (schema[i].kind) {
                case features::ColumnKind::I64:
                    EXPECT_EQ(type, "Int64") << schema[i].header;
                    break;
                case features::ColumnKind::F64:
                    EXPECT_EQ(type, "Float64") << schema[i].header;
                    break;
                case features::ColumnKind::Port:
                    EXPECT_EQ(type, "UInt16");
                    break;
                case features::ColumnKind::U8:
                    EXPECT_EQ(type, "UInt8");
                    break;
                default:
                    EXPECT_EQ(type, "String") << schema[i].header;
            }
        }
        EXPECT_NE(ddl.find("kafka_format = 'CSV'"), std::string::npos);
    }
    const std::string cic2017 = clickhouse_ddl(config_for(Profile::Cic2017), config::Origins{});
    EXPECT_NE(cic2017.find("` Fwd Header Length (2)` Int64"), std::string::npos);
}

TEST(ClickhouseSchema, MergeTreeAndViewCarryHeadersAndParsedTime) {
    for (const Profile p : kProfiles) {
        const std::size_t n = row_schema(p).size();
        const std::string ddl = clickhouse_ddl(config_for(p), config::Origins{});
        const auto stored = table_columns(statement(ddl, 1));
        ASSERT_EQ(stored.size(), n + 3);
        EXPECT_EQ(stored[0],
                  std::make_pair(std::string("sensor_id"), std::string("LowCardinality(String)")));
        EXPECT_EQ(stored[1].first, "profile");
        EXPECT_EQ(stored[2],
                  std::make_pair(std::string("flow_start"), std::string("DateTime64(6, 'UTC')")));
        const std::string mv = statement(ddl, 2);
        EXPECT_NE(mv.find("_headers.value[indexOf(_headers.name, 'sensor_id')] AS `sensor_id`"),
                  std::string::npos);
        EXPECT_NE(mv.find("toIPv6(`"), std::string::npos);
        EXPECT_NE(statement(ddl, 1).find("ENGINE = MergeTree"), std::string::npos);
        // One selected expression per stored column.
        std::size_t as = 0;
        for (std::size_t at = mv.find(" AS `"); at != std::string::npos;
             at = mv.find(" AS `", at + 1)) {
            ++as;
        }
        EXPECT_EQ(as, n + 3) << mv;
    }
}

TEST(ClickhouseSchema, SettingsComeFromTheConfiguration) {
    config::DaemonConfig c = config_for(Profile::V4, "json");
    c.output.kafka.brokers = {"k1:9092", "k2:9093"};
    c.output.kafka.topic = "flows-eu";
    c.output.timezone = "America/Halifax";
    const std::string ddl = clickhouse_ddl(c, config::Origins{});
    EXPECT_NE(ddl.find("kafka_broker_list = 'k1:9092,k2:9093'"), std::string::npos);
    EXPECT_NE(ddl.find("kafka_topic_list = 'flows-eu'"), std::string::npos);
    EXPECT_NE(ddl.find("kafka_format = 'JSONEachRow'"), std::string::npos);
    EXPECT_NE(ddl.find("parseDateTimeInJodaSyntax(`Timestamp`, 'dd/MM/yyyy hh:mm:ss a', "
                       "'America/Halifax')"),
              std::string::npos)
        << ddl;
    // fixed prints UTC whatever the zone.
    c.flow.profile = Profile::Fixed;
    EXPECT_NE(clickhouse_ddl(c, config::Origins{})
                  .find("parseDateTime64BestEffort(`Timestamp`, 6, 'UTC')"),
              std::string::npos);
}

TEST(ClickhouseSchema, Cic2017JsonIsRefusedWithTheKey) {
    config::Origins origins;
    origins.set("output.kafka.format", "flowmeter.yaml:12");
    try {
        clickhouse_ddl(config_for(Profile::Cic2017, "json"), origins);
        FAIL() << "no error";
    } catch (const config::ConfigError& e) {
        EXPECT_EQ(e.where(), "flowmeter.yaml:12");
        EXPECT_EQ(e.key(), "output.kafka.format");
        EXPECT_NE(e.message().find("Fwd Header Length"), std::string::npos);
    }
}

}  // namespace
}  // namespace fm::output
