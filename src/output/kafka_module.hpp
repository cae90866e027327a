// SPDX-License-Identifier: BSD-3-Clause
// The entry points of the loadable module flowmeterd-kafka (common/module_abi.hpp): the Kafka
// sink (output/kafka_sink.hpp) as a RowStream, and librdkafka's judgement of the producer
// properties, so that only a configuration with output.sinks: [kafka] maps librdkafka.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "common/module_abi.hpp"
#include "config/config.hpp"
#include "output/row_stream.hpp"

namespace fm::output {

/// What librdkafka says about a producer configuration: empty `message` when it is accepted.
struct KafkaVerdict {
    std::string key;  ///< the YAML key at fault ("output.kafka.properties.acks")
    std::string message;
};

struct KafkaModuleApi {
    /// KafkaSink(cfg, csv_header, abandon, stopping). Throws config::ConfigError, OutputError.
    std::unique_ptr<RowStream> (*open)(const config::DaemonConfig& cfg, std::string_view csv_header,
                                       const std::atomic<bool>* abandon,
                                       const std::atomic<bool>* stopping);
    /// Every property of config::kafka_properties(k) set on a librdkafka configuration, then
    /// a producer created from it (rd_kafka_new checks the rules between properties).
    KafkaVerdict (*check)(const config::KafkaConfig& k);
};

}  // namespace fm::output

/// The module's header (see capture/dpdk_module.hpp for the same pattern).
extern "C" const fm::modules::ModuleHeader* flowmeterd_module_kafka() noexcept;
