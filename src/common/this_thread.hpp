// SPDX-License-Identifier: BSD-3-Clause
// What a pipeline thread does to itself when it starts: its name (shown by top, perf and gdb)
// and, when the configuration pins it, its CPU.
#pragma once

#include <string>

namespace fm {

/// Names the calling thread; Linux keeps the first 15 characters.
void name_this_thread(const std::string& name) noexcept;

/// Pins the calling thread to `cpu`. Returns an error text naming `what` (the configuration
/// key), empty on success.
std::string pin_this_thread(int cpu, const char* what = "pipeline.cpu_affinity");

}  // namespace fm
