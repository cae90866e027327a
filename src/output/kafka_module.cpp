// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd-kafka's entry (output/kafka_module.hpp).
#include "output/kafka_module.hpp"

#include <array>

#include <librdkafka/rdkafka.h>

#include "common/module_header.hpp"
#include "output/kafka_producer_conf.hpp"
#include "output/kafka_sink.hpp"

namespace fm::output {

namespace {

std::unique_ptr<RowStream> open_kafka(const config::DaemonConfig& cfg, std::string_view csv_header,
                                      const std::atomic<bool>* abandon,
                                      const std::atomic<bool>* stopping) {
    return std::make_unique<KafkaSink>(cfg, csv_header, abandon, stopping);
}

KafkaVerdict check_kafka(const config::KafkaConfig& k) {
    // librdkafka is the judge of its own properties: names, values, and the rules between
    // them (rd_kafka_new checks those, e.g. acks with the idempotent producer).
    KafkaVerdict v;
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::string error = apply_kafka_properties(conf, k, &v.key);
    if (!error.empty()) {
        rd_kafka_conf_destroy(conf);
        v.message = error.substr(v.key.size() + 2);
        return v;
    }
    std::array<char, 512> err{};
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        v.key = k.properties.empty() ? "output.kafka" : "output.kafka.properties";
        v.message = err.data();
        return v;
    }
    rd_kafka_destroy(rk);
    return v;
}

constexpr KafkaModuleApi kApi{&open_kafka, &check_kafka};
constexpr modules::ModuleHeader kHeader = modules::module_header("kafka", &kApi);

}  // namespace

}  // namespace fm::output

const fm::modules::ModuleHeader* flowmeterd_module_kafka() noexcept {
    return &fm::output::kHeader;
}
