// SPDX-License-Identifier: BSD-3-Clause
// An independent Java `Double.toString` for tests (java_format fuzz target and unit tests),
// written from the Java specification (JDK 19+ javadoc of Double.toString(double)) rather than
// from src/output/java_format.cpp, and slow on purpose: the digits are found by trying every
// length from 1 to 17 with the C library's correctly rounded printf and reading each candidate
// back with strtod.
//
// The rules: let R be the decimals that round to v, p the least length in R; T the decimals of
// R of length p, or of length 1 or 2 when p = 1; pick the one of T closest to v (ties: even
// last digit). Layout: NaN, Infinity, -Infinity, 0.0, -0.0; for 1e-3 <= |v| < 1e7 the plain
// integer part, '.', and the fraction digits (at least one); otherwise one digit, '.', the
// other digits (at least one), 'E' and the decimal exponent (no '+', no leading zeros).
#pragma once

#include <string>

namespace fm::test_support {

std::string java_double_to_string(double v);

}  // namespace fm::test_support
