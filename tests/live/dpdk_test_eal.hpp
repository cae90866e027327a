// SPDX-License-Identifier: BSD-3-Clause
// EAL arguments for a DPDK test program: no hugepages (the memory comes from anonymous pages),
// no PCI scan, no shared configuration and no telemetry socket, one lcore, and a file prefix
// of the process's own, so that test programs never meet another EAL's run files; the
// program adds the virtual devices it captures from.
#pragma once

#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

namespace fm::live_test {

/// The EAL arguments above with `memory_mb` MB of memory, followed by `vdevs` (each a
/// "--vdev=..." argument).
inline std::vector<std::string> test_eal_args(int memory_mb,
                                              const std::vector<std::string>& vdevs = {}) {
    std::vector<std::string> args = {"--no-huge",
                                     "--no-pci",
                                     "--no-shconf",
                                     "--no-telemetry",
                                     "-l",
                                     "0",
                                     "-m",
                                     std::to_string(memory_mb),
                                     "--log-level=notice",
                                     fmt::format("--file-prefix=fmtest{}", getpid())};
    args.insert(args.end(), vdevs.begin(), vdevs.end());
    return args;
}

}  // namespace fm::live_test
