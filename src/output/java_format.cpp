// SPDX-License-Identifier: BSD-3-Clause
// Java Double.toString layout around std::to_chars' shortest round-trip digits (spec §1.3).
// Java (JDK 19+, and in practice earlier ones for the values flows produce) prints the shortest
// decimal that reads back to the same double, the closest one when several are that short;
// std::to_chars gives the same digits. Only the layout differs: plain notation with at least
// one fraction digit for 1e-3 <= |v| < 1e7, otherwise "d.dddE<exp>" with at least one fraction
// digit and no '+' or leading zeros. One rule of the Java specification is not to_chars': when
// one digit would do, Java picks the closest decimal of *two* digits. For every normal double
// that is the same one digit followed by 0; for subnormals, where one digit can stand for a wide
// range, it is not (Double.MIN_VALUE: Java "4.9E-324", shortest "5e-324").
//
// Paths, cheapest first: whole numbers below 2^53 (counts, byte totals, whole-µs times) are
// written from their integer digits without a floating-point conversion; other values in the
// plain range come from one to_chars in fixed notation (shortest digits, already laid out);
// the rest from one to_chars in scientific notation, rewritten in place.
#include "output/java_format.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/pow10.hpp"

namespace fm::output {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// Number of decimal digits of v (1 for 0), without a loop: log10 from the bit width.
int digit_count(std::uint64_t v) noexcept {
    v |= 1U;  // 0 has one digit; setting bit 0 never crosses a power of ten
    const int t = (static_cast<int>(std::bit_width(v)) * 1233) >> 12;  // 1233/4096 ~ log10(2)
    return t + (v >= kPow10[static_cast<std::size_t>(t)] ? 1 : 0);
}

/// Decimal digits of v (no sign), written in place from the end two at a time.
char* write_u64(char* out, std::uint64_t v) noexcept {
    char* const end = out + digit_count(v);
    char* p = end;
    while (v >= 100) {
        const auto pair = static_cast<std::size_t>(v % 100) * 2;
        v /= 100;
        p -= 2;
        p[0] = kDigitPairs[pair];
        p[1] = kDigitPairs[pair + 1];
    }
    if (v >= 10) {
        p[-2] = kDigitPairs[static_cast<std::size_t>(v) * 2];
        p[-1] = kDigitPairs[static_cast<std::size_t>(v) * 2 + 1];
    } else {
        p[-1] = static_cast<char>('0' + v);
    }
    return end;
}

/// "E<exp>" with no '+' and no leading zeros.
char* write_exponent(char* out, int exp10) noexcept {
    *out++ = 'E';
    if (exp10 < 0) {
        *out++ = '-';
        exp10 = -exp10;
    }
    return write_u64(out, static_cast<std::uint64_t>(exp10));
}

/// Scientific layout of a positive v outside the plain range (or a subnormal).
char* write_scientific(char* out, double v) noexcept {
    // Shortest round-trip digits: "d[.ddd]e[+-]XX".
    std::array<char, 32> buf;
    char* end =
        std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific).ptr;
    char* e = buf.data() + 1;
    while (*e != 'e') {
        ++e;
    }
    auto mantissa = static_cast<std::size_t>(e - buf.data());
    if (mantissa == 1 && v < std::numeric_limits<double>::min()) {
        // One digit, subnormal: Java's closest two-digit decimal (see the file comment).
        end =
            std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific, 1)
                .ptr;
        e = buf.data() + 3;                // "d.de-XXX"
        mantissa = buf[2] == '0' ? 1 : 3;  // "d.0": the same single digit after all
    }
    std::memcpy(out, buf.data(), mantissa);
    out += mantissa;
    if (mantissa == 1) {
        *out++ = '.';
        *out++ = '0';
    }
    int exp10 = 0;
    const char* x = e + 1;
    const bool negative = *x == '-';
    ++x;  // to_chars always writes the sign
    for (; x < end; ++x) {
        exp10 = exp10 * 10 + (*x - '0');
    }
    return write_exponent(out, negative ? -exp10 : exp10);
}

}  // namespace

char* write_java_long(char* out, std::int64_t v) noexcept {
    if (v < 0) {
        *out++ = '-';
        return write_u64(out, ~static_cast<std::uint64_t>(v) + 1);
    }
    return write_u64(out, static_cast<std::uint64_t>(v));
}

char* write_java_double(char* out, double v) noexcept {
    if (std::isnan(v)) {
        std::memcpy(out, "NaN", 3);
        return out + 3;
    }
    if (std::signbit(v)) {
        *out++ = '-';
        v = -v;
    }
    if (std::isinf(v)) {
        std::memcpy(out, "Infinity", 8);
        return out + 8;
    }
    if (v == 0.0) {
        std::memcpy(out, "0.0", 3);
        return out + 3;
    }
    constexpr double kTwo53 = 9007199254740992.0;
    if (v >= 1.0 && v < kTwo53 && v == static_cast<double>(static_cast<std::uint64_t>(v))) {
        // A whole number below 2^53: its shortest round-trip digits are its integer digits
        // without trailing zeros (doubles there are at most 1 apart).
        const auto u = static_cast<std::uint64_t>(v);
        if (v < 1e7) {
            out = write_u64(out, u);
            *out++ = '.';
            *out++ = '0';
            return out;
        }
        std::array<char, 20> digits;
        const auto nd = static_cast<std::size_t>(write_u64(digits.data(), u) - digits.data());
        std::size_t sig = nd;
        while (digits[sig - 1] == '0') {
            --sig;
        }
        *out++ = digits[0];
        *out++ = '.';
        if (sig > 1) {
            std::memcpy(out, digits.data() + 1, sig - 1);
            out += sig - 1;
        } else {
            *out++ = '0';
        }
        return write_exponent(out, static_cast<int>(nd) - 1);
    }
    if (v >= 1e-3 && v < 1e7) {
        // Not whole (or below 1), so the shortest fixed text has a '.' and a fraction digit;
        // at most 22 characters ("0.0010000000000000002").
        return std::to_chars(out, out + 23, v, std::chars_format::fixed).ptr;
    }
    return write_scientific(out, v);
}

void append_java_long(std::int64_t v, fmt::memory_buffer& out) {
    std::array<char, 32> buf;
    out.append(buf.data(), write_java_long(buf.data(), v));
}

void append_java_double(double v, fmt::memory_buffer& out) {
    std::array<char, 32> buf;
    out.append(buf.data(), write_java_double(buf.data(), v));
}

}  // namespace fm::output
