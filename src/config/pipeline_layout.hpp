// SPDX-License-Identifier: BSD-3-Clause
// How many flow workers a run gets. `pipeline.workers: auto` (the default): one worker per CPU
// the process may run on, minus one for the capture thread when there are more than two; on one
// or two CPUs, one worker per CPU, because there a second worker gains more on flow- and
// row-heavy traffic (+21 % on 100K concurrent flows) than it costs when the capture thread is
// the limit (-8 %; docs/performance.md, "Choosing workers"). The writer thread mostly sleeps
// and gets no CPU of its own. With pipeline.cpu_affinity, one worker per listed CPU. An
// explicit number is taken as it is.
#pragma once

#include <cstdint>

#include "config/config.hpp"

namespace fm::config {

/// CPUs in the calling thread's affinity mask (sched_getaffinity), at least 1.
std::uint32_t usable_cpus() noexcept;

/// The number of workers for `p` on this machine (see the file comment); never 0.
std::uint32_t resolved_workers(const PipelineConfig& p) noexcept;

}  // namespace fm::config
