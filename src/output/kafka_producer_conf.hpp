// SPDX-License-Identifier: BSD-3-Clause
// The producer properties of output.kafka (config::kafka_properties) set on a librdkafka
// configuration. Part of the Kafka module (output/kafka_module.hpp): it needs librdkafka.
#pragma once

#include <string>

#include "config/kafka_config.hpp"

struct rd_kafka_conf_s;

namespace fm::output {

/// Sets every property of config::kafka_properties(k) on `conf`. Returns "" or the first error
/// as "yaml_key: message"; `yaml_key` (when not null) receives the key alone.
std::string apply_kafka_properties(rd_kafka_conf_s* conf, const config::KafkaConfig& k,
                                   std::string* yaml_key = nullptr);

}  // namespace fm::output
