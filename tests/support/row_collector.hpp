// SPDX-License-Identifier: BSD-3-Clause
// A RowSink that keeps every row it is given, for tests that look at what a flow engine emitted.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "features/feature_row.hpp"
#include "features/row_sink.hpp"

namespace fm::test_support {

class RowCollector final : public features::RowSink {
public:
    void consume(std::span<const features::FeatureRow> rows) override;

    std::vector<features::FeatureRow>& rows() noexcept { return rows_; }
    const std::vector<features::FeatureRow>& rows() const noexcept { return rows_; }
    /// How many times consume() was called.
    std::size_t batches() const noexcept { return batches_; }
    void clear() noexcept { rows_.clear(); }

private:
    std::vector<features::FeatureRow> rows_;
    std::size_t batches_ = 0;
};

}  // namespace fm::test_support
