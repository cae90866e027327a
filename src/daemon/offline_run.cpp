// SPDX-License-Identifier: BSD-3-Clause
// Offline run loop (see offline_run.hpp). Single-threaded: the reader
// fills a batch, the decoder turns it into PacketMeta, one FlowEngine consumes the batch and
// hands finished flows to a sink that formats them straight into the output buffer.
#include "daemon/offline_run.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "capture/capture_file_reader.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "output/csv_format.hpp"

namespace fm::daemon {

namespace {

/// Formats rows into a memory buffer and, when a file is given, writes it out in large chunks.
class CsvRowSink final : public features::RowSink {
public:
    CsvRowSink(const output::CsvFormatter& fmt, std::FILE* file) : fmt_(fmt), file_(file) {}

    void consume(std::span<const features::FeatureRow> rows) override {
        for (const features::FeatureRow& r : rows) {
            fmt_.append_row(r, buf_);
        }
        rows_ += rows.size();
        if (file_ != nullptr && buf_.size() >= kFlushBytes) {
            flush();
        }
    }

    void write_header() {
        buf_.append(fmt_.header().data(), fmt_.header().data() + fmt_.header().size());
        buf_.push_back('\n');
    }

    /// Writes the buffer to the file; false on a write error.
    bool flush() {
        if (file_ == nullptr || buf_.size() == 0) {
            return ok_;
        }
        if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
            ok_ = false;
        }
        buf_.clear();
        return ok_;
    }

    std::string take_text() { return fmt::to_string(buf_); }
    std::uint64_t rows() const noexcept { return rows_; }

private:
    static constexpr std::size_t kFlushBytes = 1 << 20;
    const output::CsvFormatter& fmt_;
    std::FILE* file_;
    fmt::memory_buffer buf_;
    std::uint64_t rows_ = 0;
    bool ok_ = true;
};

struct FileCloser {
    void operator()(std::FILE* f) const noexcept {
        if (f != nullptr) {
            std::fclose(f);
        }
    }
};

constexpr std::size_t kMetaBatch = capture::RawBatch::kCapacity;

}  // namespace

OfflineResult run_offline(const OfflineOptions& options) {
    OfflineResult result;
    const output::CsvFormatter formatter(options.profile, options.timezone, options.label);

    capture::CaptureFileReader reader(options.capture);
    if (!reader.is_open()) {
        result.error = reader.error();
        return result;
    }
    result.opened = true;

    std::unique_ptr<std::FILE, FileCloser> file;
    if (!options.output.empty()) {
        file.reset(std::fopen(options.output.c_str(), "wb"));
        if (!file) {
            result.error =
                fmt::format("{}: cannot create: {}", options.output, std::strerror(errno));
            result.opened = false;
            return result;
        }
    }
    CsvRowSink sink(formatter, file.get());
    sink.write_header();

    config::DecodeConfig decode_cfg;
    decode_cfg.ipv6 = !options.ipv4_only;
    decode::Decoder decoder(decode_cfg);

    config::FlowConfig flow_cfg;
    flow_cfg.profile = options.profile;
    flow_cfg.flow_timeout_us = options.flow_timeout_us;
    flow_cfg.activity_timeout_us = options.activity_timeout_us;
    flow::FlowEngine engine(flow_cfg, sink, options.max_flows);

    capture::RawBatch batch;
    std::vector<decode::PacketMeta> metas(kMetaBatch);
    while (const std::size_t n = reader.next_batch(batch)) {
        std::size_t m = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (decoder.decode(batch.packets[i], metas[m]) == decode::DecodeStatus::Ok) {
                ++m;
            }
        }
        result.frames_read += n;
        result.packets_decoded += m;
        engine.process(std::span<const decode::PacketMeta>(metas.data(), m));
    }
    if (reader.failed()) {
        result.error = reader.error();
    }
    result.flows_open_at_end = engine.active_flows();
    engine.drain();

    result.rows_written = sink.rows();
    result.flows_created = engine.counters().flows_created;
    decoder.counters().for_each([&](std::string_view name, std::uint64_t v) {
        result.counters.emplace_back(std::string(name), v);
    });
    const flow::FlowCounters& fc = engine.counters();
    const std::pair<const char*, std::uint64_t> flow_counters[] = {
        {"flow.packets_in", fc.packets_in},
        {"flow.packets_ignored", fc.packets_ignored},
        {"flow.created", fc.flows_created},
        {"flow.rows_emitted", fc.rows_emitted},
        {"flow.dropped_single_packet", fc.dropped_single_packet},
        {"flow.dropped_fin_repeat", fc.dropped_fin_repeat},
        {"flow.ended_timeout", fc.ended_timeout},
        {"flow.ended_fin_rst", fc.ended_fin_rst},
        {"flow.ended_new_connection", fc.ended_new_connection},
        {"flow.ended_drain", fc.ended_drain},
        {"flow.evicted_table_full", fc.evicted_table_full},
        {"flow.stubs_dropped", fc.stubs_dropped},
    };
    for (const auto& [name, v] : flow_counters) {
        result.counters.emplace_back(name, v);
    }

    if (file) {
        if (!sink.flush() || std::fflush(file.get()) != 0) {
            result.error =
                fmt::format("{}: write failed: {}", options.output, std::strerror(errno));
        }
    } else {
        result.csv = sink.take_text();
    }
    return result;
}

}  // namespace fm::daemon
