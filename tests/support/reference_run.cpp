// SPDX-License-Identifier: BSD-3-Clause
#include "reference_run.hpp"

#include <span>

#include <fmt/format.h>

#include "capture/capture_file_reader.hpp"
#include "capture/raw_batch.hpp"
#include "decode/decoder.hpp"
#include "features/row_sink.hpp"
#include "output/csv_format.hpp"
#include "output/label_matcher.hpp"
#include "text_files.hpp"

namespace fm::test_support {
namespace {

/// Formats every row it is given into one buffer.
class FormattingSink final : public features::RowSink {
public:
    explicit FormattingSink(const output::CsvFormatter& fmt) : fmt_(fmt) {}
    void consume(std::span<const features::FeatureRow> rows) override {
        for (const features::FeatureRow& r : rows) {
            fmt_.append_row(r, buf_);
        }
    }
    std::string text() const { return fmt::to_string(buf_); }

private:
    const output::CsvFormatter& fmt_;
    fmt::memory_buffer buf_;
};

}  // namespace

ReferenceRows reference_run(const config::DaemonConfig& cfg, capture::PacketSource& source) {
    const output::CsvFormatter formatter(cfg.flow.profile, cfg.output.timezone, cfg.output.label,
                                         output::make_label_matcher(cfg.labels));
    FormattingSink sink(formatter);
    decode::Decoder decoder(cfg.decode);
    flow::FlowEngine engine(cfg.flow, sink, cfg.flow.max_flows);
    capture::RawBatch batch;
    std::vector<decode::PacketMeta> metas(capture::RawBatch::kCapacity);
    ReferenceRows out;
    out.header = formatter.header();
    while (const std::size_t n = source.next_batch(batch)) {
        std::size_t m = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (decoder.decode(batch.packets[i], metas[m]) == decode::DecodeStatus::Ok) {
                ++m;
            }
        }
        out.frames += n;
        out.decoded += m;
        engine.process(std::span<const decode::PacketMeta>(metas.data(), m));
    }
    engine.drain();
    out.flow = engine.counters();
    out.lines = split_lines(sink.text());
    return out;
}

ReferenceRows reference_run(const config::DaemonConfig& cfg, const std::string& path) {
    capture::CaptureFileReader reader(path);
    return reference_run(cfg, reader);
}

}  // namespace fm::test_support
