// SPDX-License-Identifier: BSD-3-Clause
// Java Double.toString layout around std::to_chars' shortest round-trip digits (spec §1.3).
// Java (JDK 19+, and in practice earlier ones for the values flows produce) prints the shortest
// decimal that reads back to the same double; std::to_chars gives the same digits. Only the
// layout differs: plain notation with at least one fraction digit for 1e-3 <= |v| < 1e7,
// otherwise "d.dddE<exp>" with at least one fraction digit and no '+' or leading zeros.
#include "output/java_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
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
    if (v < 0) {
        out.push_back('-');
        v = -v;
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
                out.push_back(i < nd ? digits[i] : '0');
            }
            out.push_back('.');
            if (nd > int_digits) {
                append(out, digits.data() + int_digits, nd - int_digits);
            } else {
                out.push_back('0');
            }
        } else {
            append(out, "0.");
            for (int i = 0; i < -exp10 - 1; ++i) {
                out.push_back('0');
            }
            append(out, digits.data(), nd);
        }
        return;
    }
    out.push_back(digits[0]);
    out.push_back('.');
    if (nd > 1) {
        append(out, digits.data() + 1, nd - 1);
    } else {
        out.push_back('0');
    }
    out.push_back('E');
    append_java_long(exp10, out);
}

}  // namespace fm::output
