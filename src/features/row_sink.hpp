// SPDX-License-Identifier: BSD-3-Clause
// RowSink: where a flow engine hands its finished flows. Called once per batch of rows on the
// engine's own thread (one virtual call per batch, never per packet); the rows are valid only
// during the call, so a sink copies what it keeps.
#pragma once

#include <span>

#include "features/feature_row.hpp"

namespace fm::features {

class RowSink {
public:
    virtual ~RowSink() = default;
    /// Receives finished flows in the order they ended. Engine thread only.
    virtual void consume(std::span<const FeatureRow> rows) = 0;
};

/// A RowSink that buffers and must be told when to hand over what it holds (a flow worker's
/// hand-off to the writer, output/csv_chunk_sink.hpp).
class BufferingRowSink : public RowSink {
public:
    /// Hands over every buffered row (idle link, end of input). Engine thread only.
    virtual void flush() = 0;
};

}  // namespace fm::features
