// SPDX-License-Identifier: BSD-3-Clause
#include "metrics/exposition.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace fm::metrics {

namespace {

bool is_letter(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

std::string escape(std::string_view text, bool quote) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty() || !(is_letter(name.front()) || name.front() == ':')) {
        return false;
    }
    for (const char c : name) {
        if (!is_letter(c) && !is_digit(c) && c != ':') {
            return false;
        }
    }
    return true;
}

bool valid_label_name(std::string_view name) noexcept {
    if (name.empty() || !is_letter(name.front()) || name.starts_with("__")) {
        return false;
    }
    for (const char c : name) {
        if (!is_letter(c) && !is_digit(c)) {
            return false;
        }
    }
    return true;
}

std::string escape_help(std::string_view text) {
    return escape(text, false);
}

std::string escape_label_value(std::string_view text) {
    return escape(text, true);
}

void ExpositionWriter::family(std::string_view name, std::string_view help, MetricType type) {
    if (!valid_metric_name(name)) {
        throw std::invalid_argument(fmt::format("invalid metric name \"{}\"", name));
    }
    family_ = std::string(name);
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name,
                         type == MetricType::Counter ? "counter" : "gauge");
}

void ExpositionWriter::sample(std::span<const Label> labels, std::uint64_t value) {
    if (family_.empty()) {
        throw std::logic_error("metrics: a sample before its family");
    }
    text_ += family_;
    if (!labels.empty()) {
        text_ += '{';
        bool first = true;
        for (const Label& l : labels) {
            if (!valid_label_name(l.name)) {
                throw std::invalid_argument(fmt::format("invalid label name \"{}\"", l.name));
            }
            text_ +=
                fmt::format("{}{}=\"{}\"", first ? "" : ",", l.name, escape_label_value(l.value));
            first = false;
        }
        text_ += '}';
    }
    text_ += fmt::format(" {}\n", value);
}

}  // namespace fm::metrics
