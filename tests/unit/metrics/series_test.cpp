// SPDX-License-Identifier: BSD-3-Clause
// How flowmeterd's named counters become Prometheus series: the promised names, reasons as
// labels, units last, and that every counter of every table gets a valid, distinct series
// with its own HELP text.
#include "metrics/series.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "decode/decode_counters.hpp"
#include "decode/decode_status.hpp"
#include "metrics/counter_docs.hpp"
#include "metrics/exposition.hpp"

namespace fm::metrics {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

TEST(Series, NamesOfTheOperationsGuide) {
    EXPECT_EQ(series_for("capture.packets").family, "flowmeterd_captured_packets_total");
    EXPECT_EQ(series_for("capture.bytes").family, "flowmeterd_captured_bytes_total");
    EXPECT_EQ(series_for("dispatch.queue_full_waits").family,
              "flowmeterd_worker_queue_full_waits_total");
    EXPECT_EQ(series_for("output.queue_full_waits").family,
              "flowmeterd_writer_queue_full_waits_total");
    EXPECT_EQ(series_for("output.rows_written").family, "flowmeterd_rows_written_total");
    EXPECT_EQ(series_for("output.files_closed").family, "flowmeterd_files_rotated_total");
    EXPECT_EQ(series_for("output.write_errors").family, "flowmeterd_write_errors_total");
    EXPECT_EQ(series_for("output.rows_held_io").family, "flowmeterd_rows_held_total");
    const SeriesName held = series_for("output.rows_held_now");
    EXPECT_EQ(held.family, "flowmeterd_rows_held");
    EXPECT_EQ(held.type, MetricType::Gauge);
    // HELP comes from the counter table.
    EXPECT_EQ(series_for("output.rows_written").help, "Rows written to the output files");
}

TEST(Series, ReasonsAreLabels) {
    const SeriesName nd = series_for("decode.truncated_ipv4");
    EXPECT_EQ(nd.family, "flowmeterd_packets_not_decoded_total");
    EXPECT_EQ(nd.labels, (Labels{{"reason", "truncated_ipv4"}}));
    EXPECT_EQ(series_for("decode.ok").family, "flowmeterd_decoded_packets_total");
    const SeriesName ev = series_for("decode.ipv4_fragment");
    EXPECT_EQ(ev.family, "flowmeterd_decode_events_total");
    EXPECT_EQ(ev.labels, (Labels{{"event", "ipv4_fragment"}}));

    EXPECT_EQ(series_for("flow.ended_fin_rst").family, "flowmeterd_flows_ended_total");
    EXPECT_EQ(series_for("flow.ended_fin_rst").labels, (Labels{{"reason", "fin_rst"}}));
    EXPECT_EQ(series_for("flow.ended_timeout").labels, (Labels{{"reason", "timeout"}}));
    EXPECT_EQ(series_for("flow.expired_idle").labels, (Labels{{"reason", "expired_idle"}}));
    EXPECT_EQ(series_for("flow.expired_timeout").labels, (Labels{{"reason", "expired_timeout"}}));
    EXPECT_EQ(series_for("flow.evicted_table_full").labels,
              (Labels{{"reason", "evicted_table_full"}}));
    EXPECT_EQ(series_for("flow.created").family, "flowmeterd_flow_created_total");
}

TEST(Series, PerPortCountersGetAPortLabel) {
    const SeriesName s = series_for("capture.port3.nic_missed");
    EXPECT_EQ(s.family, "flowmeterd_capture_port_nic_missed_total");
    EXPECT_EQ(s.labels, (Labels{{"port", "3"}}));
    EXPECT_EQ(s.help, "DPDK port: frames the NIC dropped, RX ring full (imissed)");
}

TEST(Series, CountersOfNewTablesNeedNoList) {
    // A counter no rule knows (a sink added later) is still exported, units last.
    const SeriesName s = series_for("kafka.delivered");
    EXPECT_EQ(s.family, "flowmeterd_kafka_delivered_total");
    EXPECT_EQ(s.type, MetricType::Counter);
    EXPECT_EQ(s.help, "flowmeterd counter kafka.delivered");
    const SeriesName g = series_for("kafka.spool_bytes_now");
    EXPECT_EQ(g.family, "flowmeterd_kafka_spool_bytes");
    EXPECT_EQ(g.type, MetricType::Gauge);
    EXPECT_EQ(series_for("output.bytes_written").family, "flowmeterd_output_written_bytes_total");
    EXPECT_EQ(series_for("Odd-Stage.some name").family, "flowmeterd_odd_stage_some_name_total");
}

TEST(Series, EveryDefinedCounterHasADistinctDocumentedSeries) {
    std::vector<std::string> names;
    for (const CounterDoc& d : counter_docs()) {
        // DPDK's per-port names are documented once as "capture.port.X".
        const std::string n(d.name);
        names.push_back(n.starts_with("capture.port.") ? "capture.port0." + n.substr(13) : n);
    }
    for (std::string_view n : decode::kDecodeStatusNames) {
        names.emplace_back(n);
    }
    for (std::string_view n : decode::kDecodeEventNames) {
        names.emplace_back(n);
    }
    std::set<std::pair<std::string, Labels>> seen;
    for (const std::string& n : names) {
        const SeriesName s = series_for(n);
        if (n == "worker.active_flows") {
            EXPECT_TRUE(s.family.empty()) << "exported per worker instead";
            continue;
        }
        EXPECT_TRUE(valid_metric_name(s.family)) << n << " -> " << s.family;
        EXPECT_TRUE(s.family.starts_with("flowmeterd_")) << n;
        EXPECT_EQ(s.type == MetricType::Counter, s.family.ends_with("_total")) << n;
        EXPECT_FALSE(s.help.starts_with("flowmeterd counter ")) << n << " has no HELP text";
        for (const auto& [label, value] : s.labels) {
            EXPECT_TRUE(valid_label_name(label)) << n;
            EXPECT_FALSE(value.empty()) << n;
        }
        EXPECT_TRUE(seen.emplace(s.family, s.labels).second) << n << " collides on " << s.family;
    }
}

TEST(Series, RenderGroupsEachFamilyOnce) {
    MetricsSample m;
    m.version = "1.2.3";
    m.profile = "cic2017";
    m.capture_drops = 7;
    m.active_flows = {5, 0};
    m.counters = {{"capture.packets", 10},
                  {"flow.ended_fin_rst", 2},
                  {"decode.not_ip", 1},
                  {"flow.ended_timeout", 3},
                  {"decode.truncated_ipv4", 0}};
    const std::string text = render_metrics(m);
    EXPECT_NE(text.find("flowmeterd_build_info{version=\"1.2.3\",profile=\"cic2017\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("flowmeterd_capture_dropped_packets_total 7\n"), std::string::npos);
    EXPECT_NE(text.find("flowmeterd_active_flows{worker=\"0\"} 5\n"
                        "flowmeterd_active_flows{worker=\"1\"} 0\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("flowmeterd_captured_packets_total 10\n"), std::string::npos);
    // Both reasons under one HELP/TYPE pair, although another family came between them.
    EXPECT_NE(text.find("# TYPE flowmeterd_flows_ended_total counter\n"
                        "flowmeterd_flows_ended_total{reason=\"fin_rst\"} 2\n"
                        "flowmeterd_flows_ended_total{reason=\"timeout\"} 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("flowmeterd_packets_not_decoded_total{reason=\"truncated_ipv4\"} 0\n"),
              std::string::npos);
    std::size_t types = 0;
    for (std::size_t at = text.find("# TYPE "); at != std::string::npos;
         at = text.find("# TYPE ", at + 1)) {
        ++types;
    }
    EXPECT_EQ(types, 6U) << text;
}

}  // namespace
}  // namespace fm::metrics
