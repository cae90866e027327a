// SPDX-License-Identifier: BSD-3-Clause
#include "java_double_reference.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fm::test_support {

namespace {

/// A decimal `digits` × 10^(exp10 - digits.size() + 1): the first digit stands for 10^exp10.
struct Decimal {
    std::string digits;
    int exp10 = 0;
};

/// The value `d` denotes, read by strtod (correctly rounded).
double read_back(const Decimal& d) {
    std::string text = d.digits.substr(0, 1);
    text += '.';
    text += d.digits.substr(1);
    text += 'e';
    text += std::to_string(d.exp10);
    return std::strtod(text.c_str(), nullptr);
}

/// |v| correctly rounded to `length` significant digits (printf's %e, exact in glibc).
Decimal rounded(double v, int length) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*e", length - 1, v);
    Decimal d;
    const char* p = buf;
    for (; *p != 'e'; ++p) {
        if (*p >= '0' && *p <= '9') {
            d.digits += *p;
        }
    }
    d.exp10 = std::atoi(p + 1);
    return d;
}

/// The decimal one unit of the last digit away from `d` (step +1 or -1), same length.
Decimal neighbour(const Decimal& d, int step) {
    Decimal n = d;
    int i = static_cast<int>(n.digits.size()) - 1;
    if (step > 0) {
        while (i >= 0 && n.digits[static_cast<std::size_t>(i)] == '9') {
            n.digits[static_cast<std::size_t>(i--)] = '0';
        }
        if (i < 0) {  // 99..9 + 1 = 100..0: one more power of ten, same length
            n.digits.assign(d.digits.size(), '0');
            n.digits[0] = '1';
            ++n.exp10;
        } else {
            ++n.digits[static_cast<std::size_t>(i)];
        }
    } else {
        while (i >= 0 && n.digits[static_cast<std::size_t>(i)] == '0') {
            n.digits[static_cast<std::size_t>(i--)] = '9';
        }
        if (i < 0) {
            return d;  // 0 has no lower neighbour of this length
        }
        --n.digits[static_cast<std::size_t>(i)];
        if (n.digits[0] == '0') {  // 100..0 - 1 = 99..9 one power of ten lower
            n.digits = std::string(d.digits.size(), '9');
            --n.exp10;
        }
    }
    return n;
}

/// The decimal of `length` digits closest to |v| that reads back as |v|, if any. The correctly
/// rounded one is the closest; when it does not read back (near a power of two the rounding
/// interval of v is lopsided) a neighbour on the wide side may.
bool shortest_of_length(double v, int length, Decimal& out) {
    const Decimal c = rounded(v, length);
    if (read_back(c) == v) {
        out = c;
        return true;
    }
    for (int step : {+1, -1}) {
        const Decimal n = neighbour(c, step);
        if (read_back(n) == v) {
            out = n;
            return true;
        }
    }
    return false;
}

std::string layout(const Decimal& d) {
    std::string digits = d.digits;
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
    const int e = d.exp10;
    std::string s;
    if (e >= -3 && e < 7) {
        if (e < 0) {
            s = "0.";
            s.append(static_cast<std::size_t>(-e - 1), '0');
            s += digits;
        } else {
            const auto int_len = static_cast<std::size_t>(e + 1);
            std::string int_part = digits.substr(0, std::min(int_len, digits.size()));
            int_part.append(int_len - int_part.size(), '0');
            std::string frac = digits.size() > int_len ? digits.substr(int_len) : "0";
            s = int_part;
            s += '.';
            s += frac;
        }
    } else {
        s = digits.substr(0, 1);
        s += '.';
        s += digits.size() > 1 ? digits.substr(1) : std::string("0");
        s += 'E';
        s += std::to_string(e);
    }
    return s;
}

}  // namespace

std::string java_double_to_string(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    if (v == 0) {
        return std::signbit(v) ? "-0.0" : "0.0";
    }
    const double a = std::fabs(v);
    Decimal best;
    // The shortest length that has a decimal reading back as `a`. Lengths are monotone: when a
    // decimal of length p reads back, the closest decimal of length p + 1 is at least as close
    // to `a` (the first one followed by a 0 is a candidate), so it lies in the same rounding
    // interval and reads back too; 17 digits always do. So a binary search finds the first
    // length that works, and the fuzz target spends its time on inputs, not on this loop.
    int lo = 1;
    int hi = 17;
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        Decimal d;
        if (shortest_of_length(a, mid, d)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    const int p = lo;
    if (!shortest_of_length(a, p, best)) {
        std::abort();  // 17 digits always read back (IEEE 754 binary64)
    }
    if (p == 1) {
        // T also holds the decimals of length 2: the closest of those, when it reads back, is
        // at least as close as the one-digit decimal (a one-digit decimal is a two-digit one
        // ending in 0). Differs only for subnormals: Double.MIN_VALUE is "4.9E-324".
        if (const Decimal r2 = rounded(a, 2); read_back(r2) == a) {
            best = r2;
        }
    }
    std::string out = v < 0 ? "-" : "";
    out += layout(best);
    return out;
}

}  // namespace fm::test_support
