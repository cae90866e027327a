// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_producer_conf.hpp"

#include <array>

#include <librdkafka/rdkafka.h>

#include <fmt/format.h>

#include "config/kafka_properties.hpp"

namespace fm::output {

std::string apply_kafka_properties(rd_kafka_conf_s* conf, const config::KafkaConfig& k,
                                   std::string* yaml_key) {
    std::array<char, 512> err{};
    for (const config::KafkaProperty& p : config::kafka_properties(k)) {
        if (rd_kafka_conf_set(conf, p.name.c_str(), p.value.c_str(), err.data(), err.size()) !=
            RD_KAFKA_CONF_OK) {
            if (yaml_key != nullptr) {
                *yaml_key = p.yaml_key;
            }
            return fmt::format("{}: {}", p.yaml_key, err.data());
        }
    }
    return {};
}

}  // namespace fm::output
