// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_sink.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <fmt/format.h>

#include "config/config_loader.hpp"
#include "config/kafka_properties.hpp"
#include "output/kafka_producer_conf.hpp"
#include "output/output_log.hpp"

namespace fm::output {

namespace {

constexpr auto kLogInterval = std::chrono::seconds(10);
constexpr auto kSpoolWait = std::chrono::milliseconds(100);
// While rows are spooled, a replay is tried every this many new rows (and every tick).
constexpr std::uint32_t kReplayEvery = 256;
constexpr std::string_view kSensorHeader = "sensor_id";
constexpr std::string_view kProfileHeader = "profile";
constexpr std::string_view kCsvHeader = "csv_header";

std::string_view header_value(rd_kafka_headers_t* hdrs, std::string_view name) {
    const void* v = nullptr;
    std::size_t n = 0;
    if (hdrs == nullptr || rd_kafka_header_get_last(hdrs, std::string(name).c_str(), &v, &n) != 0 ||
        v == nullptr) {
        return {};
    }
    return {static_cast<const char*>(v), n};
}

}  // namespace

std::string kafka_spool_path(const config::OutputConfig& o) {
    return fmt::format("{}/{}.kafka-spool", o.directory, o.file_prefix);
}

KafkaSink::KafkaSink(const config::DaemonConfig& cfg, std::string_view csv_header,
                     const std::atomic<bool>* abandon, const std::atomic<bool>* stopping)
    : kcfg_(cfg.output.kafka),
      abandon_(abandon),
      stopping_(stopping),
      headers_{config::resolved_sensor_id(cfg.output.kafka),
               std::string(to_string(cfg.flow.profile)),
               cfg.output.kafka.format == "csv" ? std::string(csv_header) : std::string()},
      encoder_(csv_header, cfg.output.kafka.format == "json"),
      flow_key_(cfg.output.kafka.key == "flow"),
      spool_(kafka_spool_path(cfg.output), cfg.output.kafka.spool_max_bytes) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::string key;
    if (std::string e = apply_kafka_properties(conf, kcfg_, &key); !e.empty()) {
        rd_kafka_conf_destroy(conf);
        throw config::ConfigError("output.kafka", key, e.substr(key.size() + 2));
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m,
                                         void* opaque) { on_delivery(rk, m, opaque); });
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
        on_error(rk, err, reason, opaque);
    });
    std::array<char, 512> err{};
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
    if (rk_ == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw config::ConfigError("output.kafka", "output.kafka.properties", err.data());
    }
    topic_ = rd_kafka_topic_new(rk_, kcfg_.topic.c_str(), nullptr);
    if (topic_ == nullptr) {
        const std::string why = rd_kafka_err2str(rd_kafka_last_error());
        rd_kafka_destroy(rk_);
        throw config::ConfigError("output.kafka", "output.kafka.topic", why);
    }
    if (!spool_.empty()) {
        output_log()->info("kafka: {} rows from the last run are in {}; they are sent first",
                           spool_.messages(), spool_.path());
    }
    update_gauges();
}

KafkaSink::~KafkaSink() {
    if (!closed_) {
        close(true);
    }
}

KafkaStats KafkaSink::stats() const noexcept {
    KafkaStats s;
#define FM_KAFKA_COUNTER_LOAD(field, name, doc) \
    s.field = counters_.field.load(std::memory_order_relaxed);
    FM_KAFKA_COUNTERS(FM_KAFKA_COUNTER_LOAD)
#undef FM_KAFKA_COUNTER_LOAD
    return s;
}

void KafkaSink::add_counters_to(NamedCounters& out) const {
    add_counters(out, stats());
}

bool KafkaSink::log_due(std::chrono::steady_clock::time_point& next) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next) {
        return false;
    }
    next = now + kLogInterval;
    return true;
}

void KafkaSink::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSink*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        std::array<char, 512> text{};
        const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, text.data(), text.size());
        output_log()->error("kafka: fatal producer error {}: {}; rows are spooled from now on",
                            rd_kafka_err2name(orig), text.data());
        return;
    }
    if (self->log_due(self->next_error_log_)) {
        output_log()->warn("kafka: {} ({}); rows wait in memory, then in {}", reason,
                           rd_kafka_err2name(code), self->spool_.path());
    }
}

void KafkaSink::on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
    static_cast<KafkaSink*>(opaque)->delivered(msg);
}

void KafkaSink::delivered(const rd_kafka_message_t* msg) {
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        counters_.rows_delivered.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (taking_back_ && (msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                         msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
        rd_kafka_headers_t* hdrs = nullptr;
        // The message's own headers: it may be a replay of an older configuration's spool.
        rd_kafka_message_headers(msg, &hdrs);
        SpoolMessage m;
        if (msg->key != nullptr) {
            m.key = std::string(static_cast<const char*>(msg->key), msg->key_len);
        }
        m.value.assign(static_cast<const char*>(msg->payload), msg->len);
        m.headers = SpoolHeaders{std::string(header_value(hdrs, kSensorHeader)),
                                 std::string(header_value(hdrs, kProfileHeader)),
                                 std::string(header_value(hdrs, kCsvHeader))};
        taken_back_.emplace_back(reinterpret_cast<std::uintptr_t>(msg->_private), std::move(m));
        return;
    }
    counters_.rows_failed.fetch_add(1, std::memory_order_relaxed);
    if (log_due(next_failure_log_)) {
        output_log()->error("kafka: a row could not be delivered to {}: {} ({} rows so far)",
                            kcfg_.topic, rd_kafka_err2str(msg->err),
                            counters_.rows_failed.load(std::memory_order_relaxed));
    }
}

bool KafkaSink::produce(const SpoolHeaders& h, const std::optional<std::string_view>& key,
                        std::string_view value) {
    const std::uint64_t seq = next_seq_;
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(3);
    rd_kafka_header_add(hdrs, kSensorHeader.data(), static_cast<ssize_t>(kSensorHeader.size()),
                        h.sensor_id.data(), static_cast<ssize_t>(h.sensor_id.size()));
    rd_kafka_header_add(hdrs, kProfileHeader.data(), static_cast<ssize_t>(kProfileHeader.size()),
                        h.profile.data(), static_cast<ssize_t>(h.profile.size()));
    if (!h.csv_header.empty()) {
        rd_kafka_header_add(hdrs, kCsvHeader.data(), static_cast<ssize_t>(kCsvHeader.size()),
                            h.csv_header.data(), static_cast<ssize_t>(h.csv_header.size()));
    }
    // RD_KAFKA_MSG_F_COPY: the row buffers are reused at once. The headers belong to
    // librdkafka once the call succeeds.
    // librdkafka's argument macros cast their arguments without parentheses: plain names only.
    const void* key_data = key ? key->data() : nullptr;
    const std::size_t key_len = key ? key->size() : 0;
    void* value_data = const_cast<char*>(value.data());
    const std::size_t value_len = value.size();
    void* opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq));
    // Their type checks are GNU statement expressions, which clang's -Wpedantic reports.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#endif
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(topic_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(value_data, value_len), RD_KAFKA_V_KEY(key_data, key_len),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++next_seq_;
        counters_.rows_produced.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL || err == RD_KAFKA_RESP_ERR__FATAL) {
        return false;  // kept: spooled by the caller
    }
    counters_.rows_failed.fetch_add(1, std::memory_order_relaxed);
    if (log_due(next_failure_log_)) {
        output_log()->error("kafka: a row was refused by the producer: {} ({} rows so far)",
                            rd_kafka_err2str(err),
                            counters_.rows_failed.load(std::memory_order_relaxed));
    }
    return true;
}

bool KafkaSink::replay() {
    rows_since_replay_ = 0;
    while (const SpoolView* m = spool_.peek()) {
        if (!produce(*m->headers, m->key, m->value)) {
            return false;
        }
        counters_.rows_replayed.fetch_add(1, std::memory_order_relaxed);
        spool_.advance();
    }
    if (!spool_.error().empty() && !spool_.empty()) {
        if (log_due(next_failure_log_)) {
            output_log()->error("kafka: {}", spool_.error());
        }
        return false;
    }
    if (spilling_) {
        spilling_ = false;
        if (spilling_logged_) {
            output_log()->info(
                "kafka: the spool is replayed; rows go to the brokers directly again");
        }
    }
    return true;
}

void KafkaSink::spool(const SpoolHeaders& h, const std::optional<std::string_view>& key,
                      std::string_view value) {
    if (!spilling_) {
        // One episode: from the first spooled row until the spool is replayed. A sink that
        // does not keep up makes many short ones: they are logged at most once per interval,
        // with the count of the others.
        spilling_ = true;
        spilling_logged_ = log_due(next_spill_log_);
        if (!spilling_logged_) {
            ++spill_episodes_unlogged_;
        } else {
            output_log()->warn(
                "kafka: {} rows wait for the brokers in memory, the limit "
                "(output.kafka.queue_max_bytes); rows go to {} until they are sent{}",
                rd_kafka_outq_len(rk_), spool_.path(),
                spill_episodes_unlogged_ == 0
                    ? std::string()
                    : fmt::format(" ({} more times since the last message)",
                                  spill_episodes_unlogged_));
            spill_episodes_unlogged_ = 0;
        }
    }
    bool waited = false;
    while (!spool_.append(h, key, value)) {
        // Full: wait for the brokers to take what is spooled (backpressure).
        beat();
        if (stop_wait_over()) {
            // A stop met the full spool and the brokers did not come back in time: the rows
            // still coming (the pipeline's drain) go to the spool beyond its limit rather
            // than being lost or making the stop wait for ever.
            spool_.append(h, key, value, true);
            counters_.rows_spooled_over_limit.fetch_add(1, std::memory_order_relaxed);
            if (!over_limit_logged_) {
                over_limit_logged_ = true;
                output_log()->warn(
                    "kafka: stopping with the spool full and the brokers away for {} s "
                    "(output.kafka.flush_timeout_s): the rows still coming are spooled beyond "
                    "output.kafka.spool_max_bytes {}, none is lost",
                    kcfg_.flush_timeout_s, kcfg_.spool_max_bytes);
            }
            break;
        }
        if (!waited) {
            waited = true;
            counters_.spool_full_waits.fetch_add(1, std::memory_order_relaxed);
            if (log_due(next_failure_log_)) {
                output_log()->warn(
                    "kafka: the spool {} is full (output.kafka.spool_max_bytes {}); the "
                    "pipeline waits for the brokers",
                    spool_.path(), kcfg_.spool_max_bytes);
            }
        }
        if (abandon_ != nullptr && abandon_->load(std::memory_order_relaxed)) {
            counters_.rows_lost.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        rd_kafka_poll(rk_, static_cast<int>(kSpoolWait.count()));
        spool_.flush();
        update_gauges();  // the stats line shows the wait as it goes
        if (replay() && produce(h, key, value)) {
            return;
        }
    }
    counters_.rows_spooled.fetch_add(1, std::memory_order_relaxed);
}

bool KafkaSink::stop_wait_over() {
    if (stopping_ == nullptr || !stopping_->load(std::memory_order_relaxed)) {
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!stop_seen_) {
        stop_seen_ = now;
        output_log()->info(
            "kafka: stop requested while the spool is full; the brokers get {} s "
            "(output.kafka.flush_timeout_s) before the rest is spooled beyond its limit",
            kcfg_.flush_timeout_s);
    }
    return now >= *stop_seen_ + std::chrono::seconds(kcfg_.flush_timeout_s);
}

void KafkaSink::emit(const std::optional<std::string_view>& key, std::string_view value) {
    if (!spool_.empty() && ++rows_since_replay_ >= kReplayEvery) {
        replay();
    }
    if (spool_.empty() && produce(headers_, key, value)) {
        return;
    }
    spool(headers_, key, value);
}

void KafkaSink::write_rows(std::string_view csv_lines, std::uint32_t /*rows*/) {
    std::size_t start = 0;
    while (start < csv_lines.size()) {
        auto end = csv_lines.find('\n', start);
        if (end == std::string_view::npos) {
            end = csv_lines.size();
        }
        const std::string_view line = csv_lines.substr(start, end - start);
        start = end + 1;
        counters_.rows_in.fetch_add(1, std::memory_order_relaxed);
        encoder_.value(line, value_buf_);
        if (flow_key_) {
            KafkaRowEncoder::flow_key(line, key_buf_);
            emit(std::string_view(key_buf_), value_buf_);
        } else {
            emit(std::nullopt, value_buf_);
        }
    }
    // Serve delivery reports as we go, so they never pile up.
    rd_kafka_poll(rk_, 0);
}

void KafkaSink::update_gauges() {
    counters_.rows_queued_now.store(static_cast<std::uint64_t>(rd_kafka_outq_len(rk_)),
                                    std::memory_order_relaxed);
    counters_.spool_bytes_now.store(spool_.messages() == 0 ? 0 : spool_.bytes(),
                                    std::memory_order_relaxed);
}

void KafkaSink::tick() {
    rd_kafka_poll(rk_, 0);
    if (!spool_.empty()) {
        replay();
    }
    if (spool_.flush() != 0) {
        counters_.spool_errors.fetch_add(1, std::memory_order_relaxed);
        if (log_due(next_failure_log_)) {
            output_log()->error("kafka: {}; retried", spool_.error());
        }
    }
    update_gauges();
}

void KafkaSink::close(bool fast) {
    if (closed_) {
        return;
    }
    closed_ = true;
    if (!fast) {
        // A stop that already waited for spool room has used (part of) its flush time.
        const auto deadline = stop_seen_.value_or(std::chrono::steady_clock::now()) +
                              std::chrono::seconds(kcfg_.flush_timeout_s);
        while (std::chrono::steady_clock::now() < deadline &&
               (abandon_ == nullptr || !abandon_->load(std::memory_order_relaxed))) {
            const bool replayed = spool_.empty() || replay();
            if (replayed && rd_kafka_outq_len(rk_) == 0) {
                break;
            }
            beat();  // flush_timeout_s may be longer than the service watchdog's period
            rd_kafka_poll(rk_, 50);
        }
    }
    // What the brokers have not acknowledged is taken back and spooled before the rest, so
    // the next start sends it first. Messages in flight may have reached a broker whose
    // answer was lost: those are sent again (at least once).
    taking_back_ = true;
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 5000);
    taking_back_ = false;
    std::sort(taken_back_.begin(), taken_back_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<SpoolMessage> first;
    first.reserve(taken_back_.size());
    for (auto& [seq, m] : taken_back_) {
        first.push_back(std::move(m));
    }
    taken_back_.clear();
    const std::uint64_t spooled_before = spool_.messages();
    if (const int e = spool_.rewrite(first); e != 0) {
        counters_.spool_errors.fetch_add(1, std::memory_order_relaxed);
        counters_.rows_lost.fetch_add(first.size(), std::memory_order_relaxed);
        output_log()->error("kafka: {}: {} rows taken back from the producer are lost",
                            spool_.error(), first.size());
    } else {
        counters_.rows_requeued.fetch_add(first.size(), std::memory_order_relaxed);
    }
    if (spool_.messages() > 0) {
        output_log()->warn(
            "kafka: {} rows were not delivered ({} taken back from the producer, {} spooled); "
            "they are in {} and are sent first at the next start",
            spool_.messages(), first.size(), spooled_before, spool_.path());
    }
    update_gauges();
    if (spool_.messages() == 0) {
        ::unlink(spool_.path().c_str());  // nothing waits: no file left behind
    }
    rd_kafka_topic_destroy(topic_);
    rd_kafka_destroy(rk_);
    topic_ = nullptr;
    rk_ = nullptr;
}

}  // namespace fm::output
