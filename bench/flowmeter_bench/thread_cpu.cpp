// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/thread_cpu.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <pthread.h>
#include <unistd.h>

namespace fm::bench {
namespace {

constexpr std::string_view kProgramName = "flowmeter-bench";  // 15 characters: the whole comm

/// The stage a thread belongs to, from its name. output::WriterThread leaves its thread
/// unnamed, so it carries the program's name: any such thread but the main one is the writer.
std::string stage_of(std::string_view name, bool main_thread) {
    if (name.starts_with("fm-capture")) {
        return "capture";
    }
    if (name.starts_with("fm-worker")) {
        return "workers";
    }
    if (name.starts_with("fm-writer")) {
        return "writer";
    }
    if (name.starts_with("fm-bench-pacer")) {
        return "pacer";
    }
    if (name.starts_with("fm-bench-cpu")) {
        return "sampler";
    }
    if (!main_thread && name == kProgramName) {
        return "writer";
    }
    return "other";
}

/// First field of /proc/self/task/TID/schedstat: ns on CPU. Falls back to utime + stime of
/// stat (clock ticks) where schedstat is missing.
bool read_cpu_ns(const std::filesystem::path& dir, std::uint64_t& ns) {
    std::ifstream s(dir / "schedstat");
    unsigned long long v = 0;
    if (s >> v) {
        ns = v;
        return true;
    }
    std::ifstream st(dir / "stat");
    std::string line;
    if (!std::getline(st, line)) {
        return false;
    }
    const std::size_t rp = line.rfind(')');
    if (rp == std::string::npos) {
        return false;
    }
    // Fields after the name: state(3) ... utime(14) stime(15).
    const char* p = line.c_str() + rp + 2;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (std::sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
        2) {
        return false;
    }
    const long hz = sysconf(_SC_CLK_TCK);
    ns = (utime + stime) * 1'000'000'000ULL / static_cast<unsigned long long>(hz > 0 ? hz : 100);
    return true;
}

std::uint64_t status_kb(std::string_view key) noexcept {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (std::string_view(line).starts_with(key)) {
            return std::strtoull(line.c_str() + key.size(), nullptr, 10);
        }
    }
    return 0;
}

}  // namespace

ThreadCpuSampler::ThreadCpuSampler() {
    sample();
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "fm-bench-cpu");
        while (!stop_.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            sample();
        }
    });
}

ThreadCpuSampler::~ThreadCpuSampler() {
    stop_.store(true);
    if (thread_.joinable()) {
        thread_.join();
    }
}

void ThreadCpuSampler::sample() {
    std::error_code ec;
    std::lock_guard lock(mutex_);
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        const int tid = std::atoi(entry.path().filename().c_str());
        std::uint64_t ns = 0;
        if (!read_cpu_ns(entry.path(), ns)) {
            continue;
        }
        std::string name;
        std::ifstream comm(entry.path() / "comm");
        std::getline(comm, name);
        auto it = threads_.find(tid);
        if (it == threads_.end() || it->second.name != name) {
            // New thread (or a reused id): what it had before this run does not count.
            Seen s;
            s.name = name;
            s.base_ns = first_ ? ns : 0;
            s.cpu_ns = ns;
            threads_[tid] = s;
        } else {
            it->second.cpu_ns = ns;
        }
    }
    first_ = false;
}

std::vector<StageCpu> ThreadCpuSampler::finish() {
    stop_.store(true);
    if (thread_.joinable()) {
        thread_.join();
    }
    sample();
    std::vector<StageCpu> out;
    for (const char* s : {"capture", "workers", "writer", "pacer", "other"}) {
        out.push_back({s, 0, 0});
    }
    std::lock_guard lock(mutex_);
    for (const auto& [tid, seen] : threads_) {
        const std::string stage = stage_of(seen.name, tid == getpid());
        for (StageCpu& s : out) {
            if (s.stage == stage) {
                s.cpu_s += static_cast<double>(seen.cpu_ns - seen.base_ns) * 1e-9;
                ++s.threads;
            }
        }
    }
    return out;
}

void reset_peak_rss() noexcept {
    if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
        std::fputs("5", f);
        std::fclose(f);
    }
}

std::uint64_t peak_rss_bytes() noexcept {
    return status_kb("VmHWM:") * 1024;
}

std::uint64_t rss_bytes() noexcept {
    return status_kb("VmRSS:") * 1024;
}

}  // namespace fm::bench
