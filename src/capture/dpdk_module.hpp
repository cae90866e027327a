// SPDX-License-Identifier: BSD-3-Clause
// The entry points of the loadable module flowmeterd-dpdk (common/module_abi.hpp): the DPDK
// capture (capture/dpdk_source.hpp) behind the SourceGroup interface, so that only a run with
// capture.source dpdk maps libdpdk.
#pragma once

#include <memory>

#include "capture/source_group.hpp"
#include "common/module_abi.hpp"
#include "config/config.hpp"

namespace fm::capture {

struct DpdkModuleApi {
    /// DpdkCapture(cfg): initialises the EAL and starts the ports. Throws CaptureError.
    std::unique_ptr<SourceGroup> (*open)(const config::CaptureConfig& cfg);
};

}  // namespace fm::capture

/// The module's header; linked into flowmeterd-dpdk.so and into programs that use the DPDK
/// capture directly (tests, benchmarks, which hand it to modules::provide_module).
extern "C" const fm::modules::ModuleHeader* flowmeterd_module_dpdk() noexcept;
