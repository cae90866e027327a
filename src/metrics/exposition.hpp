// SPDX-License-Identifier: BSD-3-Clause
// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one `# HELP` and one `# TYPE`
// line per metric family, then its samples `name{label="value",...} value`, one per line.
// Cold path (a scrape); allocates freely.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fm::metrics {

/// The Content-Type of a scrape answer in this format.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { Counter, Gauge };

struct Label {
    std::string_view name;
    std::string_view value;
};

/// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) noexcept;
/// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name) noexcept;

/// HELP text: backslash and line feed escaped as \\ and \n.
std::string escape_help(std::string_view text);
/// Label value: backslash, double quote and line feed escaped as \\, \" and \n.
std::string escape_label_value(std::string_view text);

/// Builds the text of one scrape. Families must be started once each, samples follow their
/// family. Names are checked (std::invalid_argument): a bad name would make the whole scrape
/// unreadable to Prometheus.
class ExpositionWriter {
public:
    void family(std::string_view name, std::string_view help, MetricType type);
    /// A sample of the current family.
    void sample(std::span<const Label> labels, std::uint64_t value);
    void sample(std::uint64_t value) { sample({}, value); }

    const std::string& text() const noexcept { return text_; }

private:
    std::string text_;
    std::string family_;
};

}  // namespace fm::metrics
