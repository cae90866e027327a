// SPDX-License-Identifier: BSD-3-Clause
// One run of the real pipeline over the stored frames: as fast as possible (MemorySource) or
// paced into a bounded receive ring (PacedSource), with the real writer thread writing rotating
// CSV files into a temporary directory that is removed afterwards. run_scenario.cpp is the only
// file of the harness that touches the pipeline's API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/profile.hpp"
#include "flowmeter_bench/frame_store.hpp"
#include "flowmeter_bench/thread_cpu.hpp"

namespace fm::bench {

struct RunSpec {
    std::string scenario;
    std::uint32_t workers = 1;
    Profile profile = kDefaultProfile;
    double rate_pps = 0;  ///< 0: as fast as possible
    std::uint32_t ring = 4096;
    double duration_s = 2.0;
};

struct RunResult {
    RunSpec spec;
    std::uint64_t offered = 0;    ///< frames offered to the ring (max mode: = delivered)
    std::uint64_t delivered = 0;  ///< frames the capture stage read
    std::uint64_t dropped = 0;    ///< frames that found the ring full
    double offer_s = 0;           ///< time over which the frames were offered (max: read)
    double wall_s = 0;            ///< run_pipeline() call to return (start-up, drain included)
    double offered_pps = 0;
    double achieved_pps = 0;   ///< delivered / offer_s
    double achieved_gbps = 0;  ///< delivered frame bits (with FCS) / offer_s
    std::uint64_t rows = 0;    ///< rows the writer wrote
    double rows_per_s = 0;     ///< rows / wall_s
    std::uint64_t peak_rss_bytes = 0;
    std::uint64_t rss_before_bytes = 0;
    double bytes_per_flow = 0;        ///< (peak RSS - RSS before) / concurrent flows
    std::uint64_t flows_created = 0;  ///< flows the engines started during the run
    std::uint64_t queue_full_waits = 0;
    std::vector<StageCpu> stages;
    std::string error;  ///< empty when the run went through
};

/// The worker count of the default configuration.
std::uint32_t default_workers();
/// The default configuration's flow timeout (the loops' time shift must exceed it).
std::int64_t flow_timeout_us();

/// Throws std::runtime_error when the pipeline or the writer cannot be set up.
RunResult run_scenario(const FrameStore& store, const RunSpec& spec);

}  // namespace fm::bench
