// SPDX-License-Identifier: BSD-3-Clause
#include "metrics/counter_docs.hpp"

#include <array>

#include "dispatch/dispatch_counters.def"
#include "flow/capture_counters.def"
#include "flow/flow_counters.def"
#include "flow/worker_counters.def"
#include "output/handoff_counters.def"
#include "output/kafka_counters.def"
#include "output/writer_counters.def"

namespace fm::metrics {

namespace {

#define FM_COUNTER_DOC(field, name, doc) CounterDoc{name, doc},

// The counters that come from no table: the capture sources' kernel and NIC figures
// (capture/pcap_live_source.cpp, capture/dpdk_source.cpp; DPDK's are per port, "capture.portN.").
constexpr auto kDocs = std::to_array<CounterDoc>({
    // clang-format off
    FM_CAPTURE_COUNTERS(FM_COUNTER_DOC)
    FM_DISPATCH_COUNTERS(FM_COUNTER_DOC)
    FM_WORKER_COUNTERS(FM_COUNTER_DOC)
    FM_FLOW_COUNTERS(FM_COUNTER_DOC)
    FM_HANDOFF_COUNTERS(FM_COUNTER_DOC)
    FM_WRITER_COUNTERS(FM_COUNTER_DOC)
    FM_KAFKA_COUNTERS(FM_COUNTER_DOC)
    // clang-format on
    {"capture.kernel_received", "frames the kernel saw for the capture sockets"},
    {"capture.kernel_drops", "frames the kernel dropped: capture ring full"},
    {"capture.interface_drops", "frames the interface or its driver dropped"},
    {"capture.port.nic_missed", "DPDK port: frames the NIC dropped, RX ring full (imissed)"},
    {"capture.port.rx_nombuf", "DPDK port: frames dropped for want of an mbuf"},
    {"capture.port.nic_errors", "DPDK port: erroneous frames (ierrors)"},
    {"capture.port.multiseg_truncated", "DPDK port: multi-segment frames cut to the first one"},
});

#undef FM_COUNTER_DOC

}  // namespace

std::span<const CounterDoc> counter_docs() {
    return kDocs;
}

std::string_view counter_doc(std::string_view name) {
    for (const CounterDoc& d : kDocs) {
        if (d.name == name) {
            return d.doc;
        }
    }
    return {};
}

}  // namespace fm::metrics
