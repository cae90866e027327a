// SPDX-License-Identifier: BSD-3-Clause
#include "config/kafka_properties.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/config_loader.hpp"

namespace fm::config {

namespace {

constexpr auto kFormats = std::to_array<std::string_view>({"csv", "json"});
constexpr auto kKeys = std::to_array<std::string_view>({"flow", "none"});
constexpr auto kCompressions =
    std::to_array<std::string_view>({"lz4", "zstd", "gzip", "snappy", "none"});
constexpr std::uint64_t kMinQueueBytes = 1ull << 20;
constexpr std::uint64_t kMinSpoolBytes = 1ull << 20;
constexpr std::uint32_t kMaxLingerMs = 900000;  // librdkafka's upper bound
constexpr std::uint32_t kMaxFlushTimeout = 3600;
// librdkafka counts queue.buffering.max.kbytes in an int.
constexpr std::uint64_t kMaxQueueBytes = static_cast<std::uint64_t>(INT_MAX) * 1024;

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view s) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

/// "host:port", "[v6]:port" or "host" alone (librdkafka then uses 9092).
std::string broker_problem(std::string_view b) {
    if (b.empty()) {
        return "an empty broker address";
    }
    if (b.find_first_of(" ,\t") != std::string_view::npos) {
        return fmt::format("\"{}\": one address per list entry, without spaces or commas", b);
    }
    std::string_view host = b;
    std::string_view port;
    if (b.front() == '[') {
        const auto close = b.find(']');
        if (close == std::string_view::npos) {
            return fmt::format("\"{}\": missing ']' after the IPv6 address", b);
        }
        host = b.substr(1, close - 1);
        const std::string_view rest = b.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return fmt::format("\"{}\": expected ':PORT' after ']'", b);
            }
            port = rest.substr(1);
        }
    } else if (const auto colon = b.rfind(':'); colon != std::string_view::npos) {
        host = b.substr(0, colon);
        port = b.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return fmt::format("\"{}\": write an IPv6 address as [ADDRESS]:PORT", b);
        }
        if (port.empty()) {
            return fmt::format("\"{}\": no port after ':'", b);
        }
    }
    if (host.empty()) {
        return fmt::format("\"{}\": no host name", b);
    }
    if (!port.empty()) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc{} || end != port.data() + port.size() || v == 0 || v > 65535) {
            return fmt::format("\"{}\": the port must be a number from 1 to 65535", b);
        }
    }
    return {};
}

}  // namespace

bool has_sink(const OutputConfig& o, std::string_view sink) {
    return std::find(o.sinks.begin(), o.sinks.end(), sink) != o.sinks.end();
}

std::string resolved_sensor_id(const KafkaConfig& k) {
    if (!k.sensor_id.empty()) {
        return k.sensor_id;
    }
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
        return "unknown";
    }
    return host.data();
}

std::vector<KafkaProperty> kafka_properties(const KafkaConfig& k) {
    std::vector<KafkaProperty> p = {
        {"bootstrap.servers", fmt::format("{}", fmt::join(k.brokers, ",")), "output.kafka.brokers"},
        {"client.id", k.client_id, "output.kafka.client_id"},
        {"compression.type", k.compression, "output.kafka.compression"},
        {"batch.size", fmt::format("{}", k.batch_bytes), "output.kafka.batch_bytes"},
        {"linger.ms", fmt::format("{}", k.linger_ms), "output.kafka.linger_ms"},
        {"queue.buffering.max.kbytes",
         fmt::format("{}", std::max<std::uint64_t>(k.queue_max_bytes / 1024, 1)),
         "output.kafka.queue_max_bytes"},
        // The byte bound above is the one that matters; librdkafka's message count bound
        // (100000 by default) would otherwise spool rows long before memory is short.
        {"queue.buffering.max.messages", "10000000", "output.kafka.queue_max_bytes"},
        // Nothing doubled: retries after a lost acknowledgement are deduplicated by the
        // brokers, and the order within a partition is kept.
        {"enable.idempotence", "true", "output.kafka"},
        // Nothing lost: a row waits for the brokers as long as it takes (memory, then spool).
        {"message.timeout.ms", "0", "output.kafka"},
    };
    for (const auto& [name, value] : k.properties) {
        p.push_back({name, value, fmt::format("output.kafka.properties.{}", name)});
    }
    return p;
}

void check_sinks(const DaemonConfig& c, const Origins& origins, bool kafka_built) {
    auto fail = [&origins](std::string_view key, std::string message) {
        throw ConfigError(origins.where(key), std::string(key), std::move(message));
    };
    const OutputConfig& o = c.output;
    if (o.sinks.empty()) {
        fail("output.sinks", "no sink: list csv, kafka or both");
    }
    for (std::size_t i = 0; i < o.sinks.size(); ++i) {
        if (o.sinks[i] != kSinkCsv && o.sinks[i] != kSinkKafka) {
            fail("output.sinks",
                 fmt::format("unknown sink \"{}\": expected csv or kafka", o.sinks[i]));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (o.sinks[i] == o.sinks[j]) {
                fail("output.sinks", fmt::format("\"{}\" is listed twice", o.sinks[i]));
            }
        }
    }
    if (!has_sink(o, kSinkKafka)) {
        return;
    }
    if (!kafka_built) {
        fail("output.sinks",
             "kafka: this flowmeterd was built without librdkafka (rebuild with "
             "-Dkafka=enabled)");
    }
    if (!has_sink(o, kSinkCsv) && !o.file.empty()) {
        fail("output.sinks", fmt::format("the CSV file {} is asked for (-o) but output.sinks has "
                                         "no csv",
                                         o.file));
    }
    const KafkaConfig& k = o.kafka;
    if (k.brokers.empty()) {
        fail("output.kafka.brokers", "no broker: output.sinks names kafka (list HOST:PORT)");
    }
    for (const std::string& b : k.brokers) {
        if (std::string problem = broker_problem(b); !problem.empty()) {
            fail("output.kafka.brokers", problem);
        }
    }
    if (k.topic.empty()) {
        fail("output.kafka.topic", "must not be empty");
    }
    if (!one_of(kFormats, k.format)) {
        fail("output.kafka.format", fmt::format("unknown format \"{}\": expected one of {}",
                                                k.format, fmt::join(kFormats, ", ")));
    }
    if (!one_of(kKeys, k.key)) {
        fail("output.kafka.key",
             fmt::format("unknown key \"{}\": expected one of {}", k.key, fmt::join(kKeys, ", ")));
    }
    if (!one_of(kCompressions, k.compression)) {
        fail("output.kafka.compression",
             fmt::format("unknown compression \"{}\": expected one of {}", k.compression,
                         fmt::join(kCompressions, ", ")));
    }
    if (k.batch_bytes < 1) {
        fail("output.kafka.batch_bytes", "must be at least 1");
    }
    if (k.linger_ms > kMaxLingerMs) {
        fail("output.kafka.linger_ms",
             fmt::format("{} is out of range: must be from 0 to {}", k.linger_ms, kMaxLingerMs));
    }
    if (k.queue_max_bytes < kMinQueueBytes || k.queue_max_bytes > kMaxQueueBytes) {
        fail("output.kafka.queue_max_bytes",
             fmt::format("{} is out of range: must be from {} to {}", k.queue_max_bytes,
                         kMinQueueBytes, kMaxQueueBytes));
    }
    if (k.spool_max_bytes < kMinSpoolBytes) {
        fail("output.kafka.spool_max_bytes", fmt::format("{} is too small: must be at least {}",
                                                         k.spool_max_bytes, kMinSpoolBytes));
    }
    if (k.flush_timeout_s > kMaxFlushTimeout) {
        fail("output.kafka.flush_timeout_s", fmt::format("{} is out of range: must be from 0 to {}",
                                                         k.flush_timeout_s, kMaxFlushTimeout));
    }
}

}  // namespace fm::config
