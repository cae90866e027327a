// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: YAML text -> config loader. Bad input must end as a ConfigError (a message that
// names the file and key), never as a crash, an abort or another exception type. A text that
// loads must survive the to_yaml() round trip unchanged, the property --check-config relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fm::config::LoadedConfig loaded;
    try {
        loaded = fm::config::parse_config_text(text, "fuzz.yaml");
    } catch (const fm::config::ConfigError& e) {
        if (std::string_view(e.what()).substr(0, 9) != "fuzz.yaml") {
            std::abort();  // every error names its origin
        }
        return 0;
    }
    try {
        fm::config::validate(loaded.config, loaded.origins);
    } catch (const fm::config::ConfigError&) {
        return 0;
    }
    const auto again = fm::config::parse_config_text(fm::config::to_yaml(loaded.config), "again");
    if (!(again.config == loaded.config)) {
        std::abort();
    }
    return 0;
}
