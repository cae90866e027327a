// SPDX-License-Identifier: BSD-3-Clause
// The worker side of the hand-off to the writer thread: a flow worker's rows are formatted as
// CSV on the worker thread and handed over in chunks of about chunk_bytes, through the worker's
// own producer token. A full writer queue makes the worker wait (backpressure, never a drop),
// unless a fast stop abandons the output, which is counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <fmt/format.h>

#include "common/cacheline.hpp"
#include "common/stage_counter.hpp"
#include "config/config.hpp"
#include "features/feature_row.hpp"
#include "features/row_sink.hpp"
#include "output/csv_format.hpp"
#include "output/handoff_counters.def"
#include "output/writer_thread.hpp"

namespace fm::output {

/// Counters of the hand-off from one worker to the writer. Written by that worker only.
struct alignas(kCacheLine) HandoffCounters {
    FM_STAGE_COUNTER_BLOCK(FM_HANDOFF_COUNTERS)
};

/// Created on the worker thread (the producer token belongs to that thread), used there only.
class CsvChunkSink final : public features::BufferingRowSink {
public:
    /// `abandon` may be null (never abandon). `labels`: the compiled labelling rules of
    /// cfg.labels (make_label_matcher), shared by all workers; null when there are none.
    CsvChunkSink(const config::DaemonConfig& cfg, RowQueue& queue, HandoffCounters& counters,
                 std::size_t chunk_bytes, const std::atomic<bool>* abandon,
                 std::shared_ptr<const LabelMatcher> labels = nullptr);

    void consume(std::span<const features::FeatureRow> rows) override;
    void flush() override;

private:
    CsvFormatter formatter_;
    RowQueue& queue_;
    moodycamel::ProducerToken token_;
    HandoffCounters& counters_;
    std::size_t chunk_bytes_;
    const std::atomic<bool>* abandon_;
    fmt::memory_buffer buffer_;
    std::uint32_t rows_ = 0;  ///< rows in buffer_
};

}  // namespace fm::output
