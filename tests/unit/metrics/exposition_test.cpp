// SPDX-License-Identifier: BSD-3-Clause
// The Prometheus text format writer: names, escaping, and the layout of families and samples.
#include "metrics/exposition.hpp"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace fm::metrics {
namespace {

TEST(Exposition, MetricNames) {
    EXPECT_TRUE(valid_metric_name("flowmeterd_captured_packets_total"));
    EXPECT_TRUE(valid_metric_name("a:b_c9"));
    EXPECT_TRUE(valid_metric_name("_x"));
    EXPECT_FALSE(valid_metric_name(""));
    EXPECT_FALSE(valid_metric_name("9lives"));
    EXPECT_FALSE(valid_metric_name("output.rows_written"));
    EXPECT_FALSE(valid_metric_name("rows-written"));
    EXPECT_FALSE(valid_metric_name("r\xc3\xa9sum\xc3\xa9"));
}

TEST(Exposition, LabelNames) {
    EXPECT_TRUE(valid_label_name("reason"));
    EXPECT_TRUE(valid_label_name("_x1"));
    EXPECT_FALSE(valid_label_name("__name__"));
    EXPECT_FALSE(valid_label_name("a:b"));
    EXPECT_FALSE(valid_label_name("1a"));
    EXPECT_FALSE(valid_label_name(""));
}

TEST(Exposition, EscapesHelpAndLabelValues) {
    EXPECT_EQ(escape_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
    EXPECT_EQ(escape_label_value("a\\b\nc \"q\""), "a\\\\b\\nc \\\"q\\\"");
    EXPECT_EQ(escape_label_value("plain ünïcode"), "plain ünïcode");
}

TEST(Exposition, WritesFamiliesThenSamples) {
    ExpositionWriter w;
    w.family("fm_rows_total", "Rows written", MetricType::Counter);
    w.sample(12);
    w.family("fm_flows_ended_total", "Flows ended\nby reason", MetricType::Counter);
    const std::vector<Label> a = {{"reason", "fin_rst"}};
    const std::vector<Label> b = {{"reason", "a \"b\"\\"}, {"worker", "1"}};
    w.sample(a, 3);
    w.sample(b, 18446744073709551615ULL);
    w.family("fm_active", "Open flows", MetricType::Gauge);
    w.sample(0);
    EXPECT_EQ(w.text(),
              "# HELP fm_rows_total Rows written\n"
              "# TYPE fm_rows_total counter\n"
              "fm_rows_total 12\n"
              "# HELP fm_flows_ended_total Flows ended\\nby reason\n"
              "# TYPE fm_flows_ended_total counter\n"
              "fm_flows_ended_total{reason=\"fin_rst\"} 3\n"
              "fm_flows_ended_total{reason=\"a \\\"b\\\"\\\\\",worker=\"1\"} "
              "18446744073709551615\n"
              "# HELP fm_active Open flows\n"
              "# TYPE fm_active gauge\n"
              "fm_active 0\n");
}

TEST(Exposition, RefusesBadNames) {
    ExpositionWriter w;
    EXPECT_THROW(w.sample(1), std::logic_error);
    EXPECT_THROW(w.family("flow.rows", "x", MetricType::Counter), std::invalid_argument);
    w.family("ok_total", "x", MetricType::Counter);
    const std::vector<Label> bad = {{"re-ason", "x"}};
    EXPECT_THROW(w.sample(bad, 1), std::invalid_argument);
}

}  // namespace
}  // namespace fm::metrics
