// SPDX-License-Identifier: BSD-3-Clause
#include "daemon/modules.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "common/module_loader.hpp"
#include "config/kafka_properties.hpp"

namespace fm::daemon {

namespace {

struct ModuleUse {
    std::string_view name;
    std::string_view key;  ///< the setting that needs it
    bool built;
};

constexpr config::BuildFeatures kBuilt{};
constexpr ModuleUse kDpdk{"dpdk", "capture.source", kBuilt.dpdk};
constexpr ModuleUse kKafka{"kafka", "output.sinks", kBuilt.kafka};
constexpr ModuleUse kMetrics{"metrics", "metrics.listen", kBuilt.metrics};
constexpr std::array kModules{kDpdk, kKafka, kMetrics};

const void* load(const ModuleUse& m, const std::string& where) {
    try {
        return modules::load_module(m.name);
    } catch (const modules::ModuleError& e) {
        throw config::ConfigError(
            where, std::string(m.key),
            fmt::format("needs the module flowmeterd-{}: {}", m.name, e.what()));
    }
}

}  // namespace

const capture::DpdkModuleApi& dpdk_module(const std::string& where) {
    return *static_cast<const capture::DpdkModuleApi*>(load(kDpdk, where));
}

const output::KafkaModuleApi& kafka_module(const std::string& where) {
    return *static_cast<const output::KafkaModuleApi*>(load(kKafka, where));
}

const metrics::MetricsModuleApi& metrics_module(const std::string& where) {
    return *static_cast<const metrics::MetricsModuleApi*>(load(kMetrics, where));
}

void load_needed_modules(const config::DaemonConfig& cfg, const config::Origins& origins) {
    if (cfg.capture.source == config::CaptureSource::Dpdk) {
        dpdk_module(origins.where("capture.source"));
    }
    if (!cfg.metrics.listen.empty()) {
        metrics_module(origins.where("metrics.listen"));
    }
    if (config::has_sink(cfg.output, config::kSinkKafka)) {
        const output::KafkaVerdict v =
            kafka_module(origins.where("output.sinks")).check(cfg.output.kafka);
        if (!v.message.empty()) {
            throw config::ConfigError(origins.where(v.key), v.key, v.message);
        }
    }
}

std::string describe_modules() {
    std::string out = "modules:";
    for (const ModuleUse& m : kModules) {
        std::string state = "not built";
        if (m.built) {
            const std::string path = modules::find_module_file(m.name);
            state = path.empty() ? "not found" : path;
        }
        out += fmt::format("{} {} ({})", m.name == kModules.front().name ? "" : ",", m.name, state);
    }
    return out;
}

}  // namespace fm::daemon
