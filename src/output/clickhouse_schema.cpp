// SPDX-License-Identifier: BSD-3-Clause
#include "output/clickhouse_schema.hpp"

#include <set>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "features/cic_compat.hpp"
#include "output/row_schema.hpp"

namespace fm::output {

namespace {

using features::ColumnKind;

/// A ClickHouse identifier in backquotes (names with spaces and slashes are common here).
std::string ident(std::string_view name) {
    std::string out = "`";
    for (const char c : name) {
        if (c == '`' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('`');
    return out;
}

/// A ClickHouse string literal.
std::string literal(std::string_view s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

/// The type a value is read as from the message. Ints and floats as numbers (Float64 parses
/// NaN, Infinity and -Infinity, in CSV and, quoted, in JSON); addresses and times as the text
/// the row has, converted in the view.
std::string_view input_type(ColumnKind kind) {
    switch (kind) {
        case ColumnKind::Port:
            return "UInt16";
        case ColumnKind::U8:
            return "UInt8";
        case ColumnKind::I64:
            return "Int64";
        case ColumnKind::F64:
            return "Float64";
        case ColumnKind::Text:
        case ColumnKind::Ip:
        case ColumnKind::Timestamp:
        case ColumnKind::Label:
            return "String";
    }
    return "String";
}

std::string_view stored_type(ColumnKind kind) {
    switch (kind) {
        case ColumnKind::Ip:
            return "IPv6";  // IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d)
        case ColumnKind::Label:
            return "LowCardinality(String)";
        default:
            return input_type(kind);
    }
}

/// The expression turning the Timestamp text into a DateTime64(6) instant.
std::string flow_start_expr(Profile profile, const std::string& column, const std::string& tz) {
    switch (features::compat_for(profile).timestamp) {
        case features::TimestampFormat::IsoUtcFraction:
            // "2013-02-26 22:02:36", ".677" or ".677488": always UTC.
            return fmt::format("parseDateTime64BestEffort({}, 6, 'UTC')", column);
        case features::TimestampFormat::DmyHms12AmPm:
            return fmt::format("parseDateTimeInJodaSyntax({}, 'dd/MM/yyyy hh:mm:ss a', {})", column,
                               literal(tz));
        case features::TimestampFormat::DmyHms12:
            return fmt::format("parseDateTimeInJodaSyntax({}, 'dd/MM/yyyy hh:mm:ss', {})", column,
                               literal(tz));
    }
    return {};
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const std::string& p : parts) {
        if (!out.empty()) {
            out += sep;
        }
        out += p;
    }
    return out;
}

}  // namespace

std::string clickhouse_ddl(const config::DaemonConfig& config, const config::Origins& origins) {
    const Profile profile = config.flow.profile;
    const config::KafkaConfig& kafka = config.output.kafka;
    const bool json = kafka.format == "json";
    const std::vector<SchemaColumn> columns = row_schema(profile);

    // Kafka table column names: the header names; a repeated one (cic2017) gets " (2)", which
    // CSV, reading by position, does not mind; JSONEachRow would refuse the repeated key.
    std::vector<std::string> input_names;
    std::set<std::string> seen;
    for (const SchemaColumn& c : columns) {
        std::string name = c.header;
        for (int n = 2; !seen.insert(name).second; ++n) {
            if (json) {
                throw config::ConfigError(
                    origins.where("output.kafka.format"), "output.kafka.format",
                    fmt::format("json rows of profile {} repeat the key \"{}\", which "
                                "ClickHouse's JSONEachRow refuses; use format: csv for "
                                "ClickHouse",
                                to_string(profile), c.header));
            }
            name = fmt::format("{} ({})", c.header, n);
        }
        input_names.push_back(std::move(name));
    }

    const std::string base = fmt::format("flowmeter_{}", to_string(profile));
    const std::string queue = base + "_kafka";
    const std::string view = base + "_mv";
    const std::string brokers =
        kafka.brokers.empty() ? std::string("localhost:9092") : join(kafka.brokers, ",");
    const features::CicCompat& compat = features::compat_for(profile);
    const std::string tz = compat.timestamp_always_utc ? "UTC" : config.output.timezone;

    std::string out;
    out += fmt::format(
        "-- ClickHouse tables for the flow rows of flowmeterd profile {} ({} columns), read from\n"
        "-- Kafka topic {} in format {}, as printed by flowmeterd --print-schema clickhouse.\n"
        "-- Needs ClickHouse 23.3 or later. See docs/scale-out.md.\n\n",
        to_string(profile), columns.size(), kafka.topic, kafka.format);

    // 1. The Kafka engine table.
    out += fmt::format("CREATE TABLE {}\n(\n", ident(queue));
    for (std::size_t i = 0; i < columns.size(); ++i) {
        out += fmt::format("    {} {}{}\n", ident(input_names[i]), input_type(columns[i].kind),
                           i + 1 < columns.size() ? "," : "");
    }
    out += fmt::format(
        ")\nENGINE = Kafka\nSETTINGS\n"
        "    kafka_broker_list = {},\n"
        "    kafka_topic_list = {},\n"
        "    kafka_group_name = {},\n"
        "    kafka_format = {};\n\n",
        literal(brokers), literal(kafka.topic), literal(base + "_clickhouse"),
        literal(json ? "JSONEachRow" : "CSV"));

    // 2. The MergeTree table.
    std::vector<std::string> stored = {"    `sensor_id` LowCardinality(String)",
                                       "    `profile` LowCardinality(String)",
                                       "    `flow_start` DateTime64(6, 'UTC')"};
    for (const SchemaColumn& c : columns) {
        stored.push_back(fmt::format("    {} {}", ident(c.id), stored_type(c.kind)));
    }
    out += fmt::format("CREATE TABLE {}\n(\n{}\n)\n", ident(base), join(stored, ",\n"));
    out +=
        "ENGINE = MergeTree\n"
        "PARTITION BY toYYYYMM(flow_start)\n"
        "ORDER BY (sensor_id, toDate(flow_start), src_ip, dst_ip, src_port, dst_port, protocol, "
        "flow_start);\n\n";

    // 3. The materialized view.
    std::string timestamp_column;
    std::vector<std::string> select = {
        "    _headers.value[indexOf(_headers.name, 'sensor_id')] AS `sensor_id`",
        "    _headers.value[indexOf(_headers.name, 'profile')] AS `profile`", ""};
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const std::string source = ident(input_names[i]);
        if (columns[i].kind == ColumnKind::Timestamp) {
            timestamp_column = source;
        }
        const std::string expr =
            columns[i].kind == ColumnKind::Ip ? fmt::format("toIPv6({})", source) : source;
        select.push_back(fmt::format("    {} AS {}", expr, ident(columns[i].id)));
    }
    select[2] =
        fmt::format("    {} AS `flow_start`", flow_start_expr(profile, timestamp_column, tz));
    if (compat.timestamp == features::TimestampFormat::DmyHms12) {
        out +=
            "-- The Timestamp of this profile has a 12-hour clock without AM/PM, as the reference\n"
            "-- datasets have it: flow_start reads afternoon times 12 hours early.\n";
    }
    out += fmt::format("CREATE MATERIALIZED VIEW {} TO {} AS\nSELECT\n{}\nFROM {};\n", ident(view),
                       ident(base), join(select, ",\n"), ident(queue));
    return out;
}

}  // namespace fm::output
