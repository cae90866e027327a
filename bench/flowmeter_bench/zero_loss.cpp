// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/zero_loss.hpp"

namespace fm::bench {

ZeroLossResult find_zero_loss(const SearchSpec& spec,
                              const std::function<RunResult(double)>& trial) {
    ZeroLossResult z;
    z.line_rate_pps = spec.line_rate_pps;
    double lo = 0;                     // highest rate seen without drops
    double hi = spec.line_rate_pps;    // lowest rate seen with drops (or line rate, untried)
    double rate = spec.line_rate_pps;  // line rate first: most systems pass or fail it clearly
    for (std::uint32_t i = 0; i < spec.max_trials; ++i) {
        RunResult r = trial(rate);
        const bool pass = r.dropped == 0 && r.error.empty();
        z.trials.push_back(r);
        if (pass) {
            lo = rate;
            z.best = r;
            if (rate >= spec.line_rate_pps) {
                break;  // line rate without loss: nothing higher to find
            }
        } else {
            hi = rate;
        }
        if (lo > 0 && (hi - lo) <= spec.precision * hi) {
            break;
        }
        rate = lo > 0 ? (lo + hi) / 2 : hi / 2;
        if (rate < 1) {
            break;
        }
    }
    z.zero_loss_pps = lo;
    return z;
}

}  // namespace fm::bench
