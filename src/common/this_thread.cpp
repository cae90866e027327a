// SPDX-License-Identifier: BSD-3-Clause
#include "common/this_thread.hpp"

#include <cstring>

#include <pthread.h>
#include <sched.h>

#include <fmt/format.h>

namespace fm {

void name_this_thread(const std::string& name) noexcept {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

std::string pin_this_thread(int cpu, const char* what) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        return fmt::format("{}: CPU {} is out of range", what, cpu);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc != 0) {
        return fmt::format("{}: cannot pin a worker to CPU {} ({})", what, cpu, std::strerror(rc));
    }
    return {};
}

}  // namespace fm
