// SPDX-License-Identifier: BSD-3-Clause
// The test oracle of the determinism tests: capture -> decoder -> one FlowEngine -> CsvFormatter,
// all on the calling thread, with no queue, shard, thread or writer in between. The program's
// own path (daemon::Run) must write the same multiset of rows for any number of workers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "capture/capture_file_reader.hpp"
#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "output/csv_format.hpp"

namespace fm::test_support {

/// What the oracle made of a capture: the header, the rows (each without its '\n') and counts.
struct ReferenceRows {
    std::string header;
    std::vector<std::string> lines;
    flow::FlowCounters flow;
    std::uint64_t frames = 0;
    std::uint64_t decoded = 0;
};

/// Splits text into lines without their '\n' (a last line without one is kept).
inline std::vector<std::string> split_rows(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        out.emplace_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

namespace detail {

/// Formats every row it is given into one buffer.
class CollectingSink final : public features::RowSink {
public:
    explicit CollectingSink(const output::CsvFormatter& fmt) : fmt_(fmt) {}
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

}  // namespace detail

/// The single-threaded reference run of `source` with `cfg` (one engine holding max_flows).
inline ReferenceRows reference_run(const config::DaemonConfig& cfg, capture::PacketSource& source) {
    const output::CsvFormatter formatter(cfg.flow.profile, cfg.output.timezone, cfg.output.label);
    detail::CollectingSink sink(formatter);
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
    out.lines = split_rows(sink.text());
    return out;
}

/// reference_run() over a capture file.
inline ReferenceRows reference_run(const config::DaemonConfig& cfg, const std::string& path) {
    capture::CaptureFileReader reader(path);
    return reference_run(cfg, reader);
}

}  // namespace fm::test_support
