// SPDX-License-Identifier: BSD-3-Clause
// Java's text for numbers, as the reference CICFlowMeter writes every CSV field with
// `StringBuilder.append` (spec §1.3): long decimal, and `Double.toString` (shortest round-trip
// digits laid out as "1.0", "122222.22222222223", "1.0E7", "9.9E-4", "NaN", "Infinity").
// The write_* forms put the text at a caller pointer with room for the k*Chars maximum and
// return the end (the row formatter reserves a whole row once); the append_* forms append to a
// buffer. No allocation beyond the buffer's growth.
#pragma once

#include <cstddef>
#include <cstdint>

#include <fmt/format.h>

namespace fm::output {

/// Longest `Double.toString` text: "-2.2250738585072014E-308".
inline constexpr std::size_t kMaxJavaDoubleChars = 24;
/// Longest `Long.toString` text: "-9223372036854775808".
inline constexpr std::size_t kMaxJavaLongChars = 20;

/// Writes `Double.toString(v)` at `out` (room for kMaxJavaDoubleChars); returns its end.
char* write_java_double(char* out, double v) noexcept;

/// Writes `Long.toString(v)` at `out` (room for kMaxJavaLongChars); returns its end.
char* write_java_long(char* out, std::int64_t v) noexcept;

/// Appends `Double.toString(v)`.
void append_java_double(double v, fmt::memory_buffer& out);

/// Appends `Long.toString(v)`.
void append_java_long(std::int64_t v, fmt::memory_buffer& out);

}  // namespace fm::output
