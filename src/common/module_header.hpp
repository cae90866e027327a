// SPDX-License-Identifier: BSD-3-Clause
// The stamp a module's entry returns (common/module_abi.hpp), filled in one place: the header
// layout, the project version and the build id of the build that compiles the module, so that
// the loader's check and every module agree on what identifies a build.
#pragma once

#include "common/module_abi.hpp"
#include "common/module_build_id.hpp"

namespace fm::modules {

/// The header of module `name`, whose table of entry points is `api`.
constexpr ModuleHeader module_header(const char* name, const void* api) noexcept {
    return ModuleHeader{kModuleHeaderLayout, name, FM_VERSION, FM_MODULE_BUILD_ID, api};
}

}  // namespace fm::modules
