// SPDX-License-Identifier: BSD-3-Clause
// Offline run: one capture file through capture -> decode -> one flow engine -> CSV, on the
// calling thread, with no queue, shard or thread in between. `flowmeterd -f` runs the
// multithreaded pipeline (daemon/pipeline.hpp); this single-threaded path is its reference:
// the conformance suite calls run_offline() in-process with the options the command line
// takes, and the worker tests check that the pipeline writes the same rows for any number of
// workers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/profile.hpp"
#include "common/time.hpp"

namespace fm::daemon {

struct OfflineOptions {
    std::string capture;                ///< -f/--file
    std::string output;                 ///< -o/--output (empty: no file, CSV kept in memory)
    Profile profile = kDefaultProfile;  ///< --profile
    bool ipv4_only = false;             ///< --ipv4-only
    std::string timezone = "UTC";       ///< --timezone (profiles v4, cic2017, cic2018)
    std::string label;                  ///< --label (empty: the profile's default)
    Micros flow_timeout_us = 120 * kMicrosPerSecond;    ///< -t/--timeout (seconds)
    Micros activity_timeout_us = 5 * kMicrosPerSecond;  ///< --activity-timeout (seconds)
    std::size_t max_flows = 1'000'000;
};

struct OfflineResult {
    bool opened = false;                ///< false: the capture could not be read at all
    std::string error;                  ///< capture/output problem, one line; empty if none
    std::uint64_t frames_read = 0;      ///< frames delivered by the capture reader
    std::uint64_t packets_decoded = 0;  ///< frames decoded to an IP packet (flow packets)
    std::uint64_t rows_written = 0;
    std::uint64_t flows_created = 0;
    std::uint64_t flows_open_at_end = 0;
    std::vector<std::pair<std::string, std::uint64_t>> counters;  ///< decode + flow counters
    std::string csv;  ///< header + rows when OfflineOptions::output is empty
};

/// Runs the whole offline path. Never throws for input problems (see OfflineResult::error);
/// throws std::runtime_error for bad options (unknown time zone).
OfflineResult run_offline(const OfflineOptions& options);

}  // namespace fm::daemon
