// SPDX-License-Identifier: BSD-3-Clause
// What a loadable module of flowmeterd (flowmeterd-dpdk, flowmeterd-kafka, flowmeterd-metrics)
// exports: one extern "C" function, flowmeterd_module_<name>(), returning a ModuleHeader. The
// heavy libraries (DPDK, librdkafka, libmicrohttpd) are linked into the modules only, so a run
// that does not use them does not pay for mapping and relocating them at every start.
//
// A module hands C++ objects (config structs, std::unique_ptr, std::function, exceptions) to
// the program, so it must come from the same build: the header carries the project version and
// a build id (a hash of every header of src/ and of the compiler and its ABI-relevant options,
// generated into module_build_id.hpp), and the loader refuses a module whose stamp differs.
// Modules do not link libflowmeter: the program is linked with -rdynamic and whole, so a module
// resolves the core symbols it uses from the program, and there is one copy of every global.
#pragma once

#include <cstdint>

namespace fm::modules {

/// Layout version of ModuleHeader itself; checked before any other field is read.
inline constexpr std::uint32_t kModuleHeaderLayout = 1;

struct ModuleHeader {
    std::uint32_t layout;  ///< kModuleHeaderLayout of the module's build
    const char* name;      ///< "dpdk", "kafka", "metrics"
    const char* version;   ///< project version (FM_VERSION)
    const char* build_id;  ///< FM_MODULE_BUILD_ID of the module's build
    const void* api;       ///< the module's table of entry points (DpdkModuleApi, …)
};

/// The signature of flowmeterd_module_<name>().
using ModuleEntry = const ModuleHeader* (*)() noexcept;

}  // namespace fm::modules
