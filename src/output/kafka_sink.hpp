// SPDX-License-Identifier: BSD-3-Clause
// The Kafka sink (output.sinks: [kafka]): every row the writer thread takes becomes one
// message (output/kafka_message.hpp) with the headers sensor_id, profile and, for CSV
// messages, csv_header, produced through librdkafka's idempotent producer.
//
// Nothing lost, nothing doubled in normal operation:
// - librdkafka keeps rows in memory while the brokers are away (output.kafka.queue_max_bytes,
//   no message timeout) and resends them, deduplicated by the brokers, when they return;
// - when that memory is full, rows go to the spool file (output/kafka_spool.hpp) in
//   output.directory, and every later row goes behind them until the spool has been replayed
//   in order; the spool is bounded (output.kafka.spool_max_bytes): when it is full,
//   write_rows() waits, the writer stops draining its queue and the pipeline waits in turn
//   (a live capture then drops at the capture stage, counted there); a stop requested during
//   that wait ends it after flush_timeout_s and spools the rest beyond the limit;
// - on stop the brokers get output.kafka.flush_timeout_s to take what is queued and spooled;
//   what is left is taken back from librdkafka (purge) and spooled before the rest, and the
//   next start sends the spool first.
// Delivery reports are counted (output/kafka_counters.def). Runs on the writer thread; the
// counters are read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "output/kafka_counters.def"
#include "output/kafka_message.hpp"
#include "output/kafka_spool.hpp"
#include "output/row_stream.hpp"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace fm::output {

struct KafkaStats {
#define FM_KAFKA_COUNTER_FIELD(field, name, doc) std::uint64_t field = 0;
    FM_KAFKA_COUNTERS(FM_KAFKA_COUNTER_FIELD)
#undef FM_KAFKA_COUNTER_FIELD

    /// fn(name, value) for every counter of output/kafka_counters.def, in table order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
#define FM_KAFKA_COUNTER_VISIT(field, name, doc) fn(std::string_view(name), field);
        FM_KAFKA_COUNTERS(FM_KAFKA_COUNTER_VISIT)
#undef FM_KAFKA_COUNTER_VISIT
    }
};

/// The spool file of a configuration: output.directory/FILE_PREFIX.kafka-spool.
std::string kafka_spool_path(const config::OutputConfig& o);

class KafkaSink final : public RowStream {
public:
    /// Builds the producer (the configuration was checked by validate()) and opens the spool,
    /// whose messages go out before any new row. `csv_header`: the header line without its
    /// line end. `abandon` (may be null): set at a fast stop, ends a wait for spool room.
    /// `stopping` (may be null): set when a stop is requested; a wait for spool room then
    /// lasts at most flush_timeout_s, after which the rows still coming are spooled beyond
    /// spool_max_bytes (a stop never loses rows, and never waits for the brokers for ever).
    /// Throws config::ConfigError (librdkafka refuses the configuration) and OutputError
    /// (the spool cannot be opened).
    KafkaSink(const config::DaemonConfig& cfg, std::string_view csv_header,
              const std::atomic<bool>* abandon, const std::atomic<bool>* stopping = nullptr);
    ~KafkaSink() override;

    KafkaSink(const KafkaSink&) = delete;
    KafkaSink& operator=(const KafkaSink&) = delete;

    void write_rows(std::string_view csv_lines, std::uint32_t rows) override;
    void tick() override;
    void close(bool fast) override;
    void add_counters_to(NamedCounters& out) const override;

    KafkaStats stats() const noexcept;

private:
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
    static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);
    void delivered(const rd_kafka_message_s* msg);

    /// One row: straight to librdkafka when nothing is spooled and it has room, else to the
    /// spool (waiting for room there when it is full).
    void emit(const std::optional<std::string_view>& key, std::string_view value);
    /// rd_kafka_producev; false only when librdkafka's queue is full.
    bool produce(const SpoolHeaders& h, const std::optional<std::string_view>& key,
                 std::string_view value);
    /// Produces spooled messages while librdkafka has room. True when the spool is empty.
    bool replay();
    void spool(const SpoolHeaders& h, const std::optional<std::string_view>& key,
               std::string_view value);
    void update_gauges();
    bool log_due(std::chrono::steady_clock::time_point& next);
    /// True once a stop was requested and flush_timeout_s have passed since this sink first
    /// waited for spool room during that stop (the time is kept for close()).
    bool stop_wait_over();

    const config::KafkaConfig kcfg_;
    const std::atomic<bool>* abandon_;
    const std::atomic<bool>* stopping_;
    /// When a wait for spool room first met a requested stop: the brokers get
    /// flush_timeout_s from then, for the wait and close() together.
    std::optional<std::chrono::steady_clock::time_point> stop_seen_;
    bool over_limit_logged_ = false;
    SpoolHeaders headers_;
    KafkaRowEncoder encoder_;
    bool flow_key_;
    KafkaSpool spool_;
    rd_kafka_s* rk_ = nullptr;
    rd_kafka_topic_s* topic_ = nullptr;
    bool closed_ = false;
    bool taking_back_ = false;  ///< purging at stop: purged messages go to taken_back_
    std::vector<std::pair<std::uint64_t, SpoolMessage>> taken_back_;
    std::uint64_t next_seq_ = 1;
    std::uint32_t rows_since_replay_ = 0;
    std::string key_buf_;
    std::string value_buf_;
    bool spilling_ = false;         ///< rows go to the spool until it has been replayed
    bool spilling_logged_ = false;  ///< this spooling episode was logged
    std::uint64_t spill_episodes_unlogged_ = 0;
    std::chrono::steady_clock::time_point next_spill_log_{};
    std::chrono::steady_clock::time_point next_error_log_{};
    std::chrono::steady_clock::time_point next_failure_log_{};

    struct Counters {
#define FM_KAFKA_COUNTER_ATOMIC(field, name, doc) std::atomic<std::uint64_t> field{0};
        FM_KAFKA_COUNTERS(FM_KAFKA_COUNTER_ATOMIC)
#undef FM_KAFKA_COUNTER_ATOMIC
    };
    Counters counters_;
};

}  // namespace fm::output
