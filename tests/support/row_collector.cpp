// SPDX-License-Identifier: BSD-3-Clause
#include "row_collector.hpp"

namespace fm::test_support {

void RowCollector::consume(std::span<const features::FeatureRow> rows) {
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    ++batches_;
}

}  // namespace fm::test_support
