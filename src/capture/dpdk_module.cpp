// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd-dpdk's entry (capture/dpdk_module.hpp).
#include "capture/dpdk_module.hpp"

#include "capture/dpdk_source.hpp"
#include "common/module_header.hpp"

namespace fm::capture {

namespace {

std::unique_ptr<SourceGroup> open_dpdk(const config::CaptureConfig& cfg) {
    return std::make_unique<DpdkCapture>(cfg);
}

constexpr DpdkModuleApi kApi{&open_dpdk};
constexpr modules::ModuleHeader kHeader = modules::module_header("dpdk", &kApi);

}  // namespace

}  // namespace fm::capture

const fm::modules::ModuleHeader* flowmeterd_module_dpdk() noexcept {
    return &fm::capture::kHeader;
}
