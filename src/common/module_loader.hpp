// SPDX-License-Identifier: BSD-3-Clause
// Finds, loads and checks the loadable modules (common/module_abi.hpp). The only place that
// knows where modules live: first the directory of the running program (/proc/self/exe, so a
// build tree and its tests need no environment), then the install directory compiled in
// (FM_MODULE_DIR, LIBDIR/flowmeterd). Control thread, at start-up only; a module once loaded
// stays loaded until the process ends (its objects may live that long, and DPDK's EAL cannot
// be initialised twice).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/module_abi.hpp"

namespace fm::modules {

/// A module cannot be used. The message names the module, every path tried and why each
/// failed (dlerror(), or the stamp that does not match); callers add the setting that needs it.
class ModuleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// "flowmeterd-kafka.so" for "kafka".
std::string module_file_name(std::string_view name);

/// The directories searched, in order: the program's own, then the install directory.
std::vector<std::string> module_dirs();

/// The path of module `name` where a file of that name exists, "" otherwise. Does not load
/// it (flowmeterd --version lists the modules present without mapping their libraries).
std::string find_module_file(std::string_view name);

/// The entry points of module `name` (its ModuleHeader::api), loading and checking it on the
/// first call. Throws ModuleError.
const void* load_module(std::string_view name);

/// Makes `header` the module of its name for this process, so that load_module() returns it
/// without looking for a file: for programs that link a module in (tests, benchmarks).
/// Throws ModuleError when its stamp differs from the program's.
void provide_module(const ModuleHeader* header);

}  // namespace fm::modules
