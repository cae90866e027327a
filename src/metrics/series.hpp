// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd's counters as Prometheus series. Every named counter of every stage
// (common/named_counters.hpp: "capture.packets", "decode.truncated_ipv4", "flow.ended_fin_rst",
// a future table's "kafka.delivered", …) becomes a series by the rules of series_for(), so a new
// counter is exported without a hand-written list; the series the operations guide promises
// (docs/operations.md) get names in Prometheus conventions: a `flowmeterd_` prefix, the unit in
// the name, `_total` on counters, reasons and workers as labels.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/named_counters.hpp"
#include "metrics/exposition.hpp"

namespace fm::metrics {

/// One scrape's figures, gathered by the control side (daemon/metrics_endpoint.hpp) with relaxed
/// loads of the per-thread counters.
struct MetricsSample {
    std::string version;  ///< flowmeterd's version
    std::string profile;  ///< flow.profile of the run
    /// Every named counter, summed over the threads of its stage (zeros included).
    NamedCounters counters;
    /// Frames the kernel or the NIC dropped before flowmeterd saw them, all sources.
    std::uint64_t capture_drops = 0;
    /// Flows open in each worker's table now (index = worker).
    std::vector<std::uint64_t> active_flows;
};

/// Where one named counter goes.
struct SeriesName {
    std::string family;  ///< empty: not exported as such (see series_for)
    MetricType type = MetricType::Counter;
    std::string help;
    std::vector<std::pair<std::string, std::string>> labels;
};

/// The series of the named counter `counter`. Rules, first match wins:
///  - worker.active_flows: not exported here (per worker, from MetricsSample::active_flows);
///  - decode.ok: flowmeterd_decoded_packets_total; any other decode status:
///    flowmeterd_packets_not_decoded_total{reason}; a decode event: flowmeterd_decode_events_total
///    {event};
///  - flow.ended_X: flowmeterd_flows_ended_total{reason="X"}, flow.expired_X and flow.evicted_X:
///    the same family with reason "expired_X", "evicted_X";
///  - the renamed series of docs/operations.md (captured packets and bytes, queue-full waits,
///    rows written and held, files rotated, write errors);
///  - "stage.portN.name" (per DPDK port): flowmeterd_stage_port_name_total{port="N"};
///  - anything else "stage.name": flowmeterd_stage_name_total, or a gauge flowmeterd_stage_name
///    when the name ends in "_now" (a level); a "bytes" word moves to the end (unit last).
SeriesName series_for(std::string_view counter);

/// The whole scrape answer: build info, drops, active flows per worker, then every counter of
/// `sample`, with HELP and TYPE lines, in the text format 0.0.4.
std::string render_metrics(const MetricsSample& sample);

}  // namespace fm::metrics
