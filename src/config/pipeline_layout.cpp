// SPDX-License-Identifier: BSD-3-Clause
#include "config/pipeline_layout.hpp"

#include <algorithm>

#include <sched.h>

namespace fm::config {

std::uint32_t usable_cpus() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 1;
    }
    return static_cast<std::uint32_t>(std::max(1, CPU_COUNT(&set)));
}

std::uint32_t resolved_workers(const PipelineConfig& p) noexcept {
    if (p.workers != kAutoWorkers) {
        return p.workers;
    }
    if (!p.cpu_affinity.empty()) {
        return static_cast<std::uint32_t>(p.cpu_affinity.size());
    }
    const std::uint32_t cpus = usable_cpus();
    return std::clamp<std::uint32_t>(cpus <= 2 ? cpus : cpus - 1, 1, kMaxWorkers);
}

}  // namespace fm::config
