// SPDX-License-Identifier: BSD-3-Clause
#include "output/json_schema.hpp"

#include <set>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "features/cic_compat.hpp"
#include "output/csv_format.hpp"
#include "output/kafka_message.hpp"
#include "output/row_schema.hpp"

namespace fm::output {

namespace {

using features::ColumnKind;

std::string quoted(std::string_view s) {
    std::string out;
    append_json_string(s, out);
    return out;
}

/// The Timestamp text as csv_format.cpp writes it, per layout.
std::string_view timestamp_pattern(Profile profile) {
    switch (features::compat_for(profile).timestamp) {
        case features::TimestampFormat::IsoUtcFraction:
            return R"(^-?[0-9]{4,}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3}|\\.[0-9]{6})?$)";
        case features::TimestampFormat::DmyHms12AmPm:
            return R"(^[0-9]{2}/[0-9]{2}/-?[0-9]{4,} [0-9]{2}:[0-9]{2}:[0-9]{2} (AM|PM)$)";
        case features::TimestampFormat::DmyHms12:
            return R"(^[0-9]{2}/[0-9]{2}/-?[0-9]{4,} [0-9]{2}:[0-9]{2}:[0-9]{2}$)";
    }
    return "";
}

/// Every text the Label column can have under this configuration, first the default.
std::vector<std::string> labels(const config::DaemonConfig& config) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    const std::string first = config.output.label.empty()
                                  ? std::string(default_label(config.flow.profile))
                                  : config.output.label;
    seen.insert(first);
    out.push_back(first);
    for (const config::LabelRule& rule : config.labels) {
        if (seen.insert(rule.label).second) {
            out.push_back(rule.label);
        }
    }
    return out;
}

std::string property(const SchemaColumn& c, const config::DaemonConfig& config) {
    switch (c.kind) {
        case ColumnKind::Text:
            // Flow ID: ADDR-ADDR-PORT-PORT-PROTOCOL.
            return R"({"type": "string", "pattern": "^[0-9A-Fa-f.:]+-[0-9A-Fa-f.:]+-[0-9]+-[0-9]+-[0-9]+$"})";
        case ColumnKind::Ip:
            return R"({"$ref": "#/$defs/ip"})";
        case ColumnKind::Port:
            return R"({"type": "integer", "minimum": 0, "maximum": 65535})";
        case ColumnKind::U8:
            return R"({"type": "integer", "minimum": 0, "maximum": 255})";
        case ColumnKind::I64:
            return R"({"$ref": "#/$defs/long"})";
        case ColumnKind::F64:
            return R"({"$ref": "#/$defs/double"})";
        case ColumnKind::Timestamp:
            return fmt::format(R"({{"type": "string", "pattern": "{}"}})",
                               timestamp_pattern(config.flow.profile));
        case ColumnKind::Label: {
            std::string values;
            for (const std::string& l : labels(config)) {
                values += values.empty() ? "" : ", ";
                values += quoted(l);
            }
            return fmt::format(R"({{"enum": [{}]}})", values);
        }
    }
    return "{}";
}

}  // namespace

std::string json_schema(const config::DaemonConfig& config) {
    const Profile profile = config.flow.profile;
    const std::vector<SchemaColumn> columns = row_schema(profile);
    std::string properties;
    std::string required;
    std::set<std::string> seen;
    for (const SchemaColumn& c : columns) {
        // cic2017 repeats " Fwd Header Length" (the same value twice): one property.
        if (!seen.insert(c.header).second) {
            continue;
        }
        properties += fmt::format("{}    {}: {}", properties.empty() ? "" : ",\n", quoted(c.header),
                                  property(c, config));
        required += fmt::format("{}{}", required.empty() ? "" : ", ", quoted(c.header));
    }
    return fmt::format(
        R"({{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": {},
  "description": {},
  "type": "object",
  "properties": {{
{}
  }},
  "required": [{}],
  "additionalProperties": false,
  "$defs": {{
    "long": {{"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}},
    "double": {{"anyOf": [{{"type": "number"}}, {{"enum": ["NaN", "Infinity", "-Infinity"]}}]}},
    "ip": {{"type": "string", "anyOf": [{{"format": "ipv4"}}, {{"format": "ipv6"}}]}}
  }}
}}
)",
        quoted(fmt::format("flowmeterd flow row, profile {}", to_string(profile))),
        quoted(fmt::format(
            "One Kafka message value of output.kafka.format json: the {} columns of profile {}, "
            "keyed by their CSV header names. Java doubles that are not numbers are the strings "
            "NaN, Infinity and -Infinity.{}",
            columns.size(), to_string(profile),
            seen.size() < columns.size() ? " The key \" Fwd Header Length\" appears twice in each "
                                           "row, with the same value."
                                         : "")),
        properties, required);
}

}  // namespace fm::output
