// SPDX-License-Identifier: BSD-3-Clause
// What one CSV row becomes in Kafka: the message value (the row itself, or a JSON object
// with the header's column names as keys) and the message key (a symmetric flow key, the
// same for both directions of a conversation, so the default partitioner keeps a
// conversation in one partition). Pure text work on the formatted row, so both sinks get
// exactly the same rows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fm::output {

class KafkaRowEncoder {
public:
    /// `csv_header`: the header line without its line end. `json`: values as JSON objects.
    KafkaRowEncoder(std::string_view csv_header, bool json);

    /// The value of one row (`line` without its '\n'), replacing `out`.
    void value(std::string_view line, std::string& out) const;

    /// The symmetric flow key of one row, replacing `out`: the two endpoints (address and
    /// port, columns 2 to 5 of every profile) in a fixed order, then the protocol.
    static void flow_key(std::string_view line, std::string& out);

    /// True when `cell` is a JSON number as it stands (Java prints 1.0E7, -0.0, 42).
    static bool is_json_number(std::string_view cell) noexcept;

private:
    bool json_;
    std::vector<std::string> keys_;  ///< "\"Name\":" per column, JSON-escaped
};

/// Appends `s` as a JSON string (quotes and escapes).
void append_json_string(std::string_view s, std::string& out);

}  // namespace fm::output
