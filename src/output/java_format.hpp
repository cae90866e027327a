// SPDX-License-Identifier: BSD-3-Clause
// Java's text for numbers, as the reference CICFlowMeter writes every CSV field with
// `StringBuilder.append` (spec §1.3): long decimal, and `Double.toString` (shortest
// round-trip digits laid out as "1.0", "122222.22222222223", "1.0E7", "9.9E-4", "NaN",
// "Infinity"). Appends to a caller buffer; no allocation beyond the buffer's growth.
#pragma once

#include <cstdint>

#include <fmt/format.h>

namespace fm::output {

/// Appends `Double.toString(v)`.
void append_java_double(double v, fmt::memory_buffer& out);

/// Appends `Long.toString(v)`.
void append_java_long(std::int64_t v, fmt::memory_buffer& out);

}  // namespace fm::output
