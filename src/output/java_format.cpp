// SPDX-License-Identifier: BSD-3-Clause
// Java Double.toString layout around std::to_chars' shortest round-trip digits (spec §1.3).
// Java (JDK 19+, and in practice earlier ones for the values flows produce) prints the shortest
// decimal that reads back to the same double; std::to_chars gives the same digits. Only the
// layout differs: plain notation with at least one fraction digit for 1e-3 <= |v| < 1e7,
// otherwise "d.dddE<exp>" with at least one fraction digit and no '+' or leading zeros.
#include "output/java_format.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace fm::output {

namespace {

void append(fmt::memory_buffer& out, const char* s, std::size_t n) {
    out.append(s, s + n);
}

void append(fmt::memory_buffer& out, const char* s) {
    append(out, s, std::strlen(s));
}

}  // namespace

void append_java_long(std::int64_t v, fmt::memory_buffer& out) {
    std::array<char, 24> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    append(out, buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
}

void append_java_double(double v, fmt::memory_buffer& out) {
    if (std::isnan(v)) {
        append(out, "NaN");
        return;
    }
    if (std::isinf(v)) {
        append(out, v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (v == 0.0) {
        append(out, std::signbit(v) ? "-0.0" : "0.0");
        return;
    }
    // The text is composed here and appended once: memory_buffer::push_back checks its
    // capacity per character, which showed in profiles of row formatting.
    std::array<char, 48> text{};
    char* o = text.data();
    if (v < 0) {
        *o++ = '-';
        v = -v;
    }
    // Fast path, common in flow rows (counts, byte totals, whole-µs times): a whole number in
    // the plain range. Its shortest round-trip digits are its integer digits, since doubles
    // there are spaced far closer than 1.
    if (v >= 1.0 && v < 1e7 && v == static_cast<double>(static_cast<std::int64_t>(v))) {
        // At most 8 characters (sign and 7 digits) before the ".0".
        o = std::to_chars(o, text.data() + 16, static_cast<std::int64_t>(v)).ptr;
        *o++ = '.';
        *o++ = '0';
        append(out, text.data(), static_cast<std::size_t>(o - text.data()));
        return;
    }
    // Shortest round-trip digits in scientific form: "d[.ddd]e[+-]XX".
    std::array<char, 40> buf{};
    const auto r =
        std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
    const char* p = buf.data();
    const char* end = r.ptr;
    const char* e =
        static_cast<const char*>(std::memchr(p, 'e', static_cast<std::size_t>(end - p)));
    std::array<char, 20> digits{};
    std::size_t nd = 0;
    for (const char* q = p; q < e; ++q) {
        if (*q != '.') {
            digits[nd++] = *q;
        }
    }
    int exp10 = 0;
    std::from_chars(e + 1 + (e[1] == '+' ? 1 : 0), end, exp10);

    if (v >= 1e-3 && v < 1e7) {
        if (exp10 >= 0) {
            const auto int_digits = static_cast<std::size_t>(exp10) + 1;
            for (std::size_t i = 0; i < int_digits; ++i) {
                *o++ = i < nd ? digits[i] : '0';
            }
            *o++ = '.';
            if (nd > int_digits) {
                o = std::copy(digits.data() + int_digits, digits.data() + nd, o);
            } else {
                *o++ = '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -exp10 - 1; ++i) {
                *o++ = '0';
            }
            o = std::copy(digits.data(), digits.data() + nd, o);
        }
        append(out, text.data(), static_cast<std::size_t>(o - text.data()));
        return;
    }
    *o++ = digits[0];
    *o++ = '.';
    if (nd > 1) {
        o = std::copy(digits.data() + 1, digits.data() + nd, o);
    } else {
        *o++ = '0';
    }
    *o++ = 'E';
    o = std::to_chars(o, text.data() + text.size(), exp10).ptr;
    append(out, text.data(), static_cast<std::size_t>(o - text.data()));
}

}  // namespace fm::output
