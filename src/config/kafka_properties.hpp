// SPDX-License-Identifier: BSD-3-Clause
// output.sinks and output.kafka, from configuration to librdkafka: the rules between keys
// (validate() calls check_sinks), and the librdkafka properties a producer is built from,
// each with the YAML key it came from, so an error librdkafka reports about a property names
// the line of the file that set it.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace fm::config {

class Origins;

struct KafkaProperty {
    std::string name;  ///< librdkafka property ("compression.type")
    std::string value;
    std::string yaml_key;  ///< where it came from ("output.kafka.compression")
};

/// The sensor_id header: output.kafka.sensor_id, or the host name when that is empty.
std::string resolved_sensor_id(const KafkaConfig& k);

/// Every librdkafka property of the producer, in the order they are set: flowmeterd's own
/// (brokers, client id, compression, batching, the in-memory bound, the idempotent producer,
/// no message timeout), then output.kafka.properties, which override them.
std::vector<KafkaProperty> kafka_properties(const KafkaConfig& k);

/// Checks output.sinks and, when it names kafka, output.kafka: names, ranges and broker
/// addresses. Every property as librdkafka itself sees it is checked at start and by
/// --check-config, through the Kafka module (daemon/modules.hpp). Throws ConfigError naming the
/// key and its line.
void check_sinks(const DaemonConfig& c, const Origins& origins, bool kafka_built);

/// True when output.sinks names `sink`.
bool has_sink(const OutputConfig& o, std::string_view sink);

}  // namespace fm::config
