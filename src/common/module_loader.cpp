// SPDX-License-Identifier: BSD-3-Clause
#include "common/module_loader.hpp"

#include <array>
#include <cstring>
#include <map>
#include <mutex>

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/module_build_id.hpp"

namespace fm::modules {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, const ModuleHeader*, std::less<>> loaded;
};

Registry& registry() {
    static Registry r;
    return r;
}

/// "" when `h` is a module `name` of this very build, otherwise why not.
std::string stamp_problem(const ModuleHeader* h, std::string_view name) {
    if (h == nullptr) {
        return "its entry function returned nothing";
    }
    if (h->layout != kModuleHeaderLayout) {
        return "it was built for another flowmeterd (module header layout " +
               std::to_string(h->layout) + ", this program reads " +
               std::to_string(kModuleHeaderLayout) + ")";
    }
    if (h->name == nullptr || name != h->name) {
        return std::string("it is the module \"") + (h->name != nullptr ? h->name : "") +
               "\", not \"" + std::string(name) + "\"";
    }
    if (h->version == nullptr || h->build_id == nullptr ||
        std::strcmp(h->version, FM_VERSION) != 0 ||
        std::strcmp(h->build_id, FM_MODULE_BUILD_ID) != 0) {
        return std::string("it was built for flowmeterd ") +
               (h->version != nullptr ? h->version : "?") + " build " +
               (h->build_id != nullptr ? h->build_id : "?") +
               ", this program is " FM_VERSION " build " FM_MODULE_BUILD_ID
               " (install the modules of the same build)";
    }
    return {};
}

std::string program_dir() {
    std::array<char, 4096> buf{};
    const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    if (n <= 0) {
        return {};
    }
    std::string path(buf.data(), static_cast<std::size_t>(n));
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string module_file_name(std::string_view name) {
    return "flowmeterd-" + std::string(name) + ".so";
}

std::vector<std::string> module_dirs() {
    std::vector<std::string> dirs;
    if (std::string own = program_dir(); !own.empty()) {
        dirs.push_back(std::move(own));
    }
    if (dirs.empty() || dirs.front() != FM_MODULE_DIR) {
        dirs.emplace_back(FM_MODULE_DIR);
    }
    return dirs;
}

std::string find_module_file(std::string_view name) {
    for (const std::string& dir : module_dirs()) {
        if (std::string path = dir + "/" + module_file_name(name); is_file(path)) {
            return path;
        }
    }
    return {};
}

const void* load_module(std::string_view name) {
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    if (const auto it = r.loaded.find(name); it != r.loaded.end()) {
        return it->second->api;
    }
    const std::string symbol = "flowmeterd_module_" + std::string(name);
    std::string tried;
    for (const std::string& dir : module_dirs()) {
        const std::string path = dir + "/" + module_file_name(name);
        std::string why;
        // RTLD_NOW: a symbol missing from the program fails here, at start, not mid-run.
        // RTLD_LOCAL: the heavy library's symbols stay out of the global scope.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* e = ::dlerror();
            why = e != nullptr ? e : "dlopen failed";
        } else {
            // Reading a function address out of dlsym's void* is what POSIX prescribes.
            auto entry = reinterpret_cast<ModuleEntry>(::dlsym(handle, symbol.c_str()));
            if (entry == nullptr) {
                const char* e = ::dlerror();
                why = e != nullptr ? e : "no " + symbol;
            } else {
                const ModuleHeader* h = entry();
                why = stamp_problem(h, name);
                if (why.empty()) {
                    r.loaded.emplace(std::string(name), h);
                    return h->api;
                }
            }
            // A module of another build is not used; nothing of it has run but its entry.
            ::dlclose(handle);
        }
        tried += "\n  " + path + ": " + why;
    }
    throw ModuleError("cannot load the module " + module_file_name(name) + "; tried:" + tried);
}

void provide_module(const ModuleHeader* header) {
    const std::string name = header != nullptr && header->name != nullptr ? header->name : "";
    if (std::string why = stamp_problem(header, name); !why.empty()) {
        throw ModuleError("module " + name + ": " + why);
    }
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    r.loaded.insert_or_assign(name, header);
}

}  // namespace fm::modules
