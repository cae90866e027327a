// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_message.hpp"

#include <array>

namespace fm::output {

namespace {

// Columns that are text in every profile: Flow ID, Src IP, Dst IP, Timestamp (the label,
// the last column, too). Every other cell is a number, or NaN/Infinity as Java prints them,
// which JSON has no numbers for: those stay strings, spelled as in the CSV.
constexpr std::array<std::size_t, 4> kTextColumns = {0, 1, 3, 6};

bool text_column(std::size_t i, std::size_t count) {
    if (i + 1 == count) {
        return true;
    }
    for (std::size_t t : kTextColumns) {
        if (t == i) {
            return true;
        }
    }
    return false;
}

/// Cell i of a CSV line (cells never hold commas: the label is checked at start).
std::string_view cell(std::string_view line, std::size_t i) {
    std::size_t start = 0;
    for (std::size_t n = 0; n < i; ++n) {
        const auto comma = line.find(',', start);
        if (comma == std::string_view::npos) {
            return {};
        }
        start = comma + 1;
    }
    const auto end = line.find(',', start);
    return line.substr(start, end == std::string_view::npos ? line.size() - start : end - start);
}

bool digits(std::string_view s, std::size_t& i) {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        ++i;
    }
    return i > from;
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
    out.push_back('"');
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    constexpr std::string_view kHex = "0123456789abcdef";
                    out += "\\u00";
                    out.push_back(kHex[(c >> 4) & 0xf]);
                    out.push_back(kHex[c & 0xf]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

bool KafkaRowEncoder::is_json_number(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        ++i;
    }
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else if (!digits(s, i)) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits(s, i)) {
            return false;
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        if (!digits(s, i)) {
            return false;
        }
    }
    return i == s.size();
}

KafkaRowEncoder::KafkaRowEncoder(std::string_view csv_header, bool json) : json_(json) {
    std::size_t start = 0;
    for (;;) {
        const auto comma = csv_header.find(',', start);
        const std::string_view name = csv_header.substr(
            start, comma == std::string_view::npos ? csv_header.size() - start : comma - start);
        std::string key;
        append_json_string(name, key);
        key.push_back(':');
        keys_.push_back(std::move(key));
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
}

void KafkaRowEncoder::value(std::string_view line, std::string& out) const {
    out.clear();
    if (!json_) {
        out.append(line);
        return;
    }
    out.push_back('{');
    std::size_t start = 0;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        const auto comma = line.find(',', start);
        const std::string_view c = line.substr(
            start, comma == std::string_view::npos ? line.size() - start : comma - start);
        if (i != 0) {
            out.push_back(',');
        }
        out += keys_[i];
        if (!text_column(i, keys_.size()) && is_json_number(c)) {
            out.append(c);
        } else {
            append_json_string(c, out);
        }
        if (comma == std::string_view::npos) {
            start = line.size() + 1;
        } else {
            start = comma + 1;
        }
    }
    out.push_back('}');
}

void KafkaRowEncoder::flow_key(std::string_view line, std::string& out) {
    out.clear();
    const std::string_view src_ip = cell(line, 1);
    const std::string_view src_port = cell(line, 2);
    const std::string_view dst_ip = cell(line, 3);
    const std::string_view dst_port = cell(line, 4);
    const std::string_view proto = cell(line, 5);
    // Any fixed order of the two endpoints works; comparing the text is cheap and the same
    // for both directions.
    const bool swap = dst_ip < src_ip || (dst_ip == src_ip && dst_port < src_port);
    const std::string_view a_ip = swap ? dst_ip : src_ip;
    const std::string_view a_port = swap ? dst_port : src_port;
    const std::string_view b_ip = swap ? src_ip : dst_ip;
    const std::string_view b_port = swap ? src_port : dst_port;
    out.append(a_ip).append("-").append(b_ip).append("-").append(a_port).append("-");
    out.append(b_port).append("-").append(proto);
}

}  // namespace fm::output
