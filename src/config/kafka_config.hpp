// SPDX-License-Identifier: BSD-3-Clause
// output.kafka: where and how flow rows are streamed to Kafka (output/kafka_sink.hpp), and the
// names of output.sinks. Plain data with defaults, like the rest of config.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fm::config {

/// The output.sinks names.
inline constexpr std::string_view kSinkCsv = "csv";
inline constexpr std::string_view kSinkKafka = "kafka";

struct KafkaConfig {
    std::vector<std::string> brokers;  ///< host:port each (bootstrap.servers)
    std::string topic = "flows";
    std::string client_id = "flowmeterd";
    std::string sensor_id;                ///< header sensor_id; empty = the host name
    std::string format = "csv";           ///< csv: the CSV row; json: one object per row
    std::string key = "flow";             ///< flow: symmetric flow key; none: no key
    std::string compression = "lz4";      ///< lz4, zstd, gzip, snappy or none
    std::uint32_t batch_bytes = 1000000;  ///< batch.size (librdkafka default)
    std::uint32_t linger_ms = 20;         ///< linger.ms
    /// Rows waiting for the brokers in memory (librdkafka queue.buffering.max.kbytes); beyond
    /// it rows go to the spool file.
    std::uint64_t queue_max_bytes = 64ull << 20;
    /// The spool file in output.directory; when it is full the pipeline waits.
    std::uint64_t spool_max_bytes = 1ull << 30;
    /// On stop: how long to wait for the brokers to take what is queued before the rest is
    /// spooled.
    std::uint32_t flush_timeout_s = 10;
    /// librdkafka properties passed as they are, after the ones above (they win).
    std::vector<std::pair<std::string, std::string>> properties;

    bool operator==(const KafkaConfig&) const = default;
};

}  // namespace fm::config
