// SPDX-License-Identifier: BSD-3-Clause
// Zero-loss search in the manner of RFC 2544 (section 26.1, throughput): binary search over the
// offered rate for the highest one at which a whole trial of --duration drops no frame. The
// first trial is at line rate; the search stops when the bounds are within --precision of each
// other or after --max-trials trials.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "flowmeter_bench/run_scenario.hpp"

namespace fm::bench {

struct ZeroLossResult {
    double line_rate_pps = 0;
    double zero_loss_pps = 0;  ///< highest rate without drops; 0 when even the lowest dropped
    std::vector<RunResult> trials;
    RunResult best;  ///< the trial at zero_loss_pps (if any)
};

struct SearchSpec {
    double line_rate_pps = 0;
    double precision = 0.02;
    std::uint32_t max_trials = 12;
};

/// `trial(rate)` runs one paced trial at `rate` packets/s.
ZeroLossResult find_zero_loss(const SearchSpec& spec,
                              const std::function<RunResult(double)>& trial);

}  // namespace fm::bench
