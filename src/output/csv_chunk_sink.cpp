// SPDX-License-Identifier: BSD-3-Clause
#include "output/csv_chunk_sink.hpp"

#include <string>
#include <utility>

#include "common/compiler.hpp"
#include "common/tsan_sync.hpp"

namespace fm::output {

CsvChunkSink::CsvChunkSink(const config::DaemonConfig& cfg, RowQueue& queue,
                           HandoffCounters& counters, std::size_t chunk_bytes,
                           const std::atomic<bool>* abandon,
                           std::shared_ptr<const LabelMatcher> labels)
    : formatter_(cfg.flow.profile, cfg.output.timezone, cfg.output.label, std::move(labels)),
      queue_(queue),
      token_(queue),
      counters_(counters),
      chunk_bytes_(chunk_bytes),
      abandon_(abandon) {
    buffer_.reserve(chunk_bytes_ + 4096);
}

void CsvChunkSink::consume(std::span<const features::FeatureRow> rows) {
    for (const features::FeatureRow& row : rows) {
        formatter_.append_row(row, buffer_);
        ++rows_;
        if (buffer_.size() >= chunk_bytes_) {
            flush();
        }
    }
}

void CsvChunkSink::flush() {
    if (rows_ == 0) {
        return;
    }
    const std::uint32_t rows = rows_;
    const std::size_t bytes = buffer_.size();
    RowChunk chunk{std::string(buffer_.data(), bytes), rows};
    buffer_.clear();
    rows_ = 0;
    // try_enqueue leaves the chunk untouched when the queue is full; then wait for the writer
    // (backpressure, never a drop) — unless a fast stop abandons the output.
    tsan_queue_acquire(&queue_);
    bool queued = queue_.try_enqueue(token_, std::move(chunk));
    tsan_queue_release(&queue_);
    if (FM_UNLIKELY(!queued)) {
        counters_.full_waits.add();
        queued = push_rows(queue_, token_, std::move(chunk), abandon_);
    }
    if (FM_LIKELY(queued)) {
        counters_.rows.add(rows);
        counters_.chunks.add();
        counters_.bytes.add(bytes);
    } else {
        counters_.abandoned.add(rows);
    }
}

}  // namespace fm::output
