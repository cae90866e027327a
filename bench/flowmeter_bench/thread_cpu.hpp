// SPDX-License-Identifier: BSD-3-Clause
// CPU time per pipeline stage. The pipeline's threads end (and their /proc entries vanish)
// before run_pipeline() returns, so a sampling thread reads /proc/self/task/*/schedstat (ns on
// CPU) and comm every 20 ms during the run and keeps each thread's last value; threads are then
// grouped by name: fm-capture*, fm-worker-*, fm-writer (or the unnamed writer thread),
// fm-bench-pacer, other. A thread's CPU
// after its last sample (at most 20 ms) is missed. Also: peak RSS (VmHWM, reset before a run).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fm::bench {

/// CPU seconds per stage (thread-name group), in a fixed order.
struct StageCpu {
    std::string stage;
    double cpu_s = 0;
    std::uint32_t threads = 0;
};

class ThreadCpuSampler {
public:
    /// Starts sampling at once.
    ThreadCpuSampler();
    ~ThreadCpuSampler();
    ThreadCpuSampler(const ThreadCpuSampler&) = delete;
    ThreadCpuSampler& operator=(const ThreadCpuSampler&) = delete;

    /// Stops sampling (one last sample first) and returns the stages.
    std::vector<StageCpu> finish();

private:
    struct Seen {
        std::string name;
        std::uint64_t cpu_ns = 0;
        std::uint64_t base_ns = 0;  ///< at the first sample (threads that existed before)
    };
    void sample();

    std::map<int, Seen> threads_;
    bool first_ = true;
    std::mutex mutex_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// Resets the kernel's peak-RSS mark of this process to the present RSS (clear_refs 5).
void reset_peak_rss() noexcept;
/// VmHWM (peak resident set) in bytes; 0 when unknown.
std::uint64_t peak_rss_bytes() noexcept;
/// VmRSS in bytes; 0 when unknown.
std::uint64_t rss_bytes() noexcept;

}  // namespace fm::bench
