// SPDX-License-Identifier: BSD-3-Clause
// Java number text: Double.toString layout (spec §1.3) and Long.toString.
#include "output/java_format.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace fm::output {
namespace {

std::string jd(double v) {
    fmt::memory_buffer b;
    append_java_double(v, b);
    return fmt::to_string(b);
}

TEST(JavaDouble, SpecialValues) {
    EXPECT_EQ(jd(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(jd(std::numeric_limits<double>::infinity()), "Infinity");
    EXPECT_EQ(jd(-std::numeric_limits<double>::infinity()), "-Infinity");
    EXPECT_EQ(jd(0.0), "0.0");
    EXPECT_EQ(jd(-0.0), "-0.0");
}

TEST(JavaDouble, PlainRange) {
    EXPECT_EQ(jd(1.0), "1.0");
    EXPECT_EQ(jd(100.0), "100.0");
    EXPECT_EQ(jd(-1.0), "-1.0");
    EXPECT_EQ(jd(0.001), "0.001");
    EXPECT_EQ(jd(0.5), "0.5");
    EXPECT_EQ(jd(122222.22222222223), "122222.22222222223");
    EXPECT_EQ(jd(1111.111111111111), "1111.111111111111");
    EXPECT_EQ(jd(0.8333333333333334), "0.8333333333333334");
    EXPECT_EQ(jd(9999999.0), "9999999.0");
    // Around the whole-number fast path and the plain range's upper end.
    EXPECT_EQ(jd(1234567.0), "1234567.0");
    EXPECT_EQ(jd(-42.0), "-42.0");
    EXPECT_EQ(jd(9999999.5), "9999999.5");
    EXPECT_EQ(jd(std::nextafter(1.0e7, 0.0)), "9999999.999999998");
    EXPECT_EQ(jd(std::nextafter(1.0, 2.0)), "1.0000000000000002");
    EXPECT_EQ(jd(std::nextafter(1.0, 0.0)), "0.9999999999999999");
}

TEST(JavaDouble, EveryPlainTextReadsBackToItsValue) {
    // Whole numbers (the fast path) and their neighbours (the general path) in the plain
    // range: the text parses back to the same double and has the plain shape.
    for (double v = 1.0; v < 1.0e7; v = v * 3.0 + 1.0) {
        for (const double x : {v, std::nextafter(v, 0.0), std::nextafter(v, 2.0e7)}) {
            const std::string t = jd(x);
            EXPECT_EQ(std::strtod(t.c_str(), nullptr), x) << t;
            EXPECT_EQ(t.find('E'), std::string::npos) << t;
            EXPECT_NE(t.find('.'), std::string::npos) << t;
        }
    }
}

TEST(JavaDouble, ScientificRange) {
    EXPECT_EQ(jd(1.0e7), "1.0E7");
    EXPECT_EQ(jd(4.4964004e7), "4.4964004E7");
    EXPECT_EQ(jd(6.0e7), "6.0E7");
    EXPECT_EQ(jd(3.35e7), "3.35E7");
    EXPECT_EQ(jd(1.23456789e8), "1.23456789E8");
    EXPECT_EQ(jd(9.9e-4), "9.9E-4");
    EXPECT_EQ(jd(1.0e-4), "1.0E-4");
    EXPECT_EQ(jd(-2.5e10), "-2.5E10");
    EXPECT_EQ(jd(1.3e7), "1.3E7");
    EXPECT_EQ(jd(3.747665940288702e7), "3.747665940288702E7");
}

TEST(JavaLong, Decimal) {
    fmt::memory_buffer b;
    append_java_long(-1, b);
    b.push_back(' ');
    append_java_long(9000, b);
    EXPECT_EQ(fmt::to_string(b), "-1 9000");
}

}  // namespace
}  // namespace fm::output
