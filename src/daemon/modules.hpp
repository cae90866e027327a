// SPDX-License-Identifier: BSD-3-Clause
// The loadable modules a configuration needs (common/module_loader.hpp), typed: capture.source
// dpdk needs flowmeterd-dpdk, output.sinks: [kafka] flowmeterd-kafka, metrics.listen
// flowmeterd-metrics. They are loaded by check_start_config(), so at the start of a run before
// any thread exists and before the privileges are dropped (daemon/privileges.hpp), and by
// --check-config, which so proves the start would find them. A module that cannot be loaded is a
// ConfigError (exit 78) naming the setting that needs it, every path tried and why it failed.
#pragma once

#include <string>

#include "capture/dpdk_module.hpp"
#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "metrics/metrics_module.hpp"
#include "output/kafka_module.hpp"

namespace fm::daemon {

/// Loads every module `cfg` needs, and lets librdkafka judge output.kafka. Throws ConfigError.
void load_needed_modules(const config::DaemonConfig& cfg, const config::Origins& origins);

/// The module's entry points, loading it when load_needed_modules() has not (a library caller).
/// `where`: the place of the setting that needs it, for the error. Throw ConfigError.
const capture::DpdkModuleApi& dpdk_module(const std::string& where);
const output::KafkaModuleApi& kafka_module(const std::string& where);
const metrics::MetricsModuleApi& metrics_module(const std::string& where);

/// "modules: dpdk (/usr/lib/…/flowmeterd-dpdk.so), kafka (not found), metrics (not built)":
/// what flowmeterd --version reports, from the files present, without loading any.
std::string describe_modules();

}  // namespace fm::daemon
