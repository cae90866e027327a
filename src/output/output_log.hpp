// SPDX-License-Identifier: BSD-3-Clause
// The "output" logger. The daemon creates one named spdlog logger per subsystem at start
// (daemon/logging.cpp); code that runs without it (unit tests, tools) logs to spdlog's default
// logger instead. Only cold paths call this: the lookup takes spdlog's registry lock.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace fm::output {

inline std::shared_ptr<spdlog::logger> output_log() {
    if (auto l = spdlog::get("output")) {
        return l;
    }
    return spdlog::default_logger();
}

}  // namespace fm::output
