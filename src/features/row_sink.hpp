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

}  // namespace fm::features
