// SPDX-License-Identifier: BSD-3-Clause
// What flowmeter-bench prints: one table line per run on stdout, and the whole set as JSON
// (--json FILE): every run with its figures, and every zero-loss search with its trials.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flowmeter_bench/frame_store.hpp"
#include "flowmeter_bench/read_ceiling.hpp"
#include "flowmeter_bench/run_scenario.hpp"
#include "flowmeter_bench/zero_loss.hpp"

namespace fm::bench {

/// What every run of one invocation shares.
struct ReportContext {
    const FrameStore* store = nullptr;
    ReadCeiling ceiling;
    double link_bps = 10e9;
    std::string traffic;  ///< "generated" or "pcap"
};

/// Header lines of the table.
std::string table_header();
/// One table line; `mode` is "max", "paced" or "trial".
std::string table_line(const ReportContext& ctx, const RunResult& r, const std::string& mode);
/// The summary line of a search.
std::string search_line(const ReportContext& ctx, const ZeroLossResult& z,
                        const std::string& scenario, std::uint32_t workers);

class JsonReport {
public:
    explicit JsonReport(ReportContext ctx) : ctx_(std::move(ctx)) {}
    void add_run(const RunResult& r, const std::string& mode);
    void add_search(const ZeroLossResult& z, const std::string& scenario, std::uint32_t workers);
    /// Throws std::runtime_error when the file cannot be written.
    void write(const std::string& path) const;

private:
    ReportContext ctx_;
    std::vector<std::string> runs_;
    std::vector<std::string> searches_;
};

}  // namespace fm::bench
