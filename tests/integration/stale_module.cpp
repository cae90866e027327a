// SPDX-License-Identifier: BSD-3-Clause
// A module of another build: the entry functions of every module name, each returning a header
// whose build id is not the program's. modules_test.sh puts it beside a copy of flowmeterd
// under a module's file name; the program must refuse it and say why.
#include "common/module_abi.hpp"

namespace {

constexpr int kNoApi = 0;

constexpr fm::modules::ModuleHeader header(const char* name) {
    return {fm::modules::kModuleHeaderLayout, name, FM_VERSION, "0000000000000000", &kNoApi};
}

constexpr fm::modules::ModuleHeader kDpdk = header("dpdk");
constexpr fm::modules::ModuleHeader kKafka = header("kafka");
constexpr fm::modules::ModuleHeader kMetrics = header("metrics");

}  // namespace

extern "C" {
const fm::modules::ModuleHeader* flowmeterd_module_dpdk() noexcept;
const fm::modules::ModuleHeader* flowmeterd_module_kafka() noexcept;
const fm::modules::ModuleHeader* flowmeterd_module_metrics() noexcept;

const fm::modules::ModuleHeader* flowmeterd_module_dpdk() noexcept {
    return &kDpdk;
}
const fm::modules::ModuleHeader* flowmeterd_module_kafka() noexcept {
    return &kKafka;
}
const fm::modules::ModuleHeader* flowmeterd_module_metrics() noexcept {
    return &kMetrics;
}
}
