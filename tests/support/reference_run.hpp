// SPDX-License-Identifier: BSD-3-Clause
// The test oracle of the determinism tests: capture -> decoder -> one FlowEngine -> CsvFormatter,
// all on the calling thread, with no queue, shard, thread or writer in between. The program's
// own path (daemon::Run) must write the same multiset of rows for any number of workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/packet_source.hpp"
#include "config/config.hpp"
#include "flow/flow_engine.hpp"

namespace fm::test_support {

/// What the oracle made of a capture: the header, the rows (each without its '\n') and counts.
struct ReferenceRows {
    std::string header;
    std::vector<std::string> lines;
    flow::FlowCounters flow;
    std::uint64_t frames = 0;
    std::uint64_t decoded = 0;
};

/// The single-threaded reference run of `source` with `cfg` (one engine holding max_flows).
ReferenceRows reference_run(const config::DaemonConfig& cfg, capture::PacketSource& source);

/// reference_run() over a capture file.
ReferenceRows reference_run(const config::DaemonConfig& cfg, const std::string& path);

}  // namespace fm::test_support
