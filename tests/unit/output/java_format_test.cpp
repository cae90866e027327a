// SPDX-License-Identifier: BSD-3-Clause
// Java number text and the row/timestamp fast paths of CsvFormatter, against references:
//  * Double.toString by a table derived from the Java specification (JDK 19+ javadoc: the
//    shortest decimal that rounds to the value, the closest of them, at least two digits
//    considered when one would do; plain for 1e-3 <= |v| < 1e7, else computerized scientific
//    notation), subnormals, the range boundaries and the special values included;
//  * for normal doubles, the layout the formatter used before (shortest scientific digits from
//    std::to_chars, re-laid out), kept here as the reference, over millions of values;
//  * timestamps, by the date library's own conversions (the code before the per-second cache)
//    over random instants in each profile and zone, DST changes and formatters interleaved.
#include "output/java_format.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "features/feature_row.hpp"
#include "output/csv_format.hpp"

namespace fm::output {
namespace {

std::string jd(double v) {
    fmt::memory_buffer b;
    append_java_double(v, b);
    return fmt::to_string(b);
}

TEST(JavaDoubleTable, ValuesFromTheJavaSpecification) {
    constexpr double kMin = std::numeric_limits<double>::denorm_min();
    const struct {
        double v;
        const char* java;
    } table[] = {
        {0.1 + 0.2, "0.30000000000000004"},
        {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {100.0 / 3.0, "33.333333333333336"},
        {123.456, "123.456"},
        {-1.5, "-1.5"},
        {1.0e10, "1.0E10"},
        {1.0e7, "1.0E7"},
        {9.999999e6, "9999999.0"},
        {std::nextafter(1.0e7, 0.0), "9999999.999999998"},
        {std::nextafter(1.0e7, 2.0e7), "1.0000000000000002E7"},
        {1.0e-3, "0.001"},
        {std::nextafter(1.0e-3, 0.0), "9.999999999999998E-4"},
        {std::nextafter(1.0e-3, 1.0), "0.0010000000000000002"},
        {-1.0e-3, "-0.001"},
        {1.0e-5, "1.0E-5"},
        {1.2345e-7, "1.2345E-7"},
        {12345678.9, "1.23456789E7"},
        {123456789012.0, "1.23456789012E11"},
        {1.0e21, "1.0E21"},
        {1.0e22, "1.0E22"},
        {1.0e23, "1.0E23"},
        {9007199254740992.0, "9.007199254740992E15"},  // 2^53
        {9007199254740994.0, "9.007199254740994E15"},
        {9223372036854775808.0, "9.223372036854776E18"},  // 2^63
        {1.0e-300, "1.0E-300"},
        {std::numeric_limits<double>::max(), "1.7976931348623157E308"},
        {std::numeric_limits<double>::min(), "2.2250738585072014E-308"},  // MIN_NORMAL
        {std::nextafter(std::numeric_limits<double>::min(), 0.0), "2.225073858507201E-308"},
        // Subnormals: when one digit would round back, Java picks the closest of two digits.
        {kMin, "4.9E-324"},
        {-kMin, "-4.9E-324"},
        {2 * kMin, "9.9E-324"},
        {3 * kMin, "1.5E-323"},
        {20 * kMin, "9.9E-323"},
        {1.0e-310, "1.0E-310"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {std::numeric_limits<double>::quiet_NaN(), "NaN"},
        {std::numeric_limits<double>::infinity(), "Infinity"},
        {-std::numeric_limits<double>::infinity(), "-Infinity"},
    };
    for (const auto& row : table) {
        EXPECT_EQ(jd(row.v), row.java) << row.java;
    }
}

/// The layout used before the fast paths: shortest scientific digits, re-laid out.
std::string reference_layout(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    if (v == 0.0) {
        return std::signbit(v) ? "-0.0" : "0.0";
    }
    std::string o;
    if (v < 0) {
        o += '-';
        v = -v;
    }
    std::array<char, 40> buf{};
    const auto r =
        std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
    const std::string sci(buf.data(), r.ptr);
    const std::size_t e = sci.find('e');
    std::string digits;
    for (std::size_t i = 0; i < e; ++i) {
        if (sci[i] != '.') {
            digits += sci[i];
        }
    }
    const int exp10 = std::stoi(sci.substr(e + 1));
    if (v >= 1e-3 && v < 1e7) {
        if (exp10 >= 0) {
            const auto int_digits = static_cast<std::size_t>(exp10) + 1;
            for (std::size_t i = 0; i < int_digits; ++i) {
                o += i < digits.size() ? digits[i] : '0';
            }
            o += '.';
            o += digits.size() > int_digits ? digits.substr(int_digits) : "0";
        } else {
            o += "0.";
            o.append(static_cast<std::size_t>(-exp10 - 1), '0');
            o += digits;
        }
        return o;
    }
    o += digits[0];
    o += '.';
    o += digits.size() > 1 ? digits.substr(1) : "0";
    o += 'E';
    o += std::to_string(exp10);
    return o;
}

void expect_reference(double v) {
    const std::string got = jd(v);
    ASSERT_EQ(got, reference_layout(v)) << std::bit_cast<std::uint64_t>(v);
    ASSERT_EQ(std::strtod(got.c_str(), nullptr), v) << got;
}

TEST(JavaDoubleReference, NormalDoublesMatchThePreviousLayout) {
    std::mt19937_64 rng(2024);
    for (int i = 0; i < 1'000'000; ++i) {
        // Any normal or larger bit pattern (exponent field 1..2046).
        std::uint64_t bits = rng();
        const std::uint64_t exp = (bits >> 52) & 0x7ff;
        if (exp == 0 || exp == 0x7ff) {
            bits ^= std::uint64_t{0x400} << 52;
        }
        expect_reference(std::bit_cast<double>(bits));
    }
    std::uniform_real_distribution<double> plain(1e-3, 1e7);
    std::uniform_int_distribution<int> decimals(0, 9);
    for (int i = 0; i < 1'000'000; ++i) {
        const double v = plain(rng);
        expect_reference(v);
        // Values with few decimals (rates, means of small counts) and whole numbers.
        const double scale = std::pow(10.0, decimals(rng));
        expect_reference(std::round(v * scale) / scale);
        expect_reference(std::round(v * 1000.0));
        expect_reference(static_cast<double>(rng() >> (rng() % 64)));
    }
    for (double p = 1e-3; p < 1e8; p *= 10) {
        for (const double v : {p, std::nextafter(p, 0.0), std::nextafter(p, 1e9)}) {
            expect_reference(v);
            expect_reference(-v);
        }
    }
}

TEST(JavaLongText, Extremes) {
    const auto jl = [](std::int64_t v) {
        fmt::memory_buffer b;
        append_java_long(v, b);
        return fmt::to_string(b);
    };
    EXPECT_EQ(jl(0), "0");
    EXPECT_EQ(jl(9), "9");
    EXPECT_EQ(jl(10), "10");
    EXPECT_EQ(jl(-100), "-100");
    EXPECT_EQ(jl(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
    EXPECT_EQ(jl(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
    std::mt19937_64 rng(3);
    for (int i = 0; i < 100'000; ++i) {
        const auto v = static_cast<std::int64_t>(rng() >> (rng() % 64));
        ASSERT_EQ(jl(v), std::to_string(v));
        ASSERT_EQ(jl(-v), std::to_string(-v));
    }
}

/// Timestamp text as the date library computes it per row (the code before the cache).
std::string reference_timestamp(Profile p, const char* zone, Micros us) {
    using namespace std::chrono;
    const auto floor_div = [](std::int64_t a, std::int64_t b) {
        const std::int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    };
    if (p == Profile::Fixed) {
        const std::int64_t secs = floor_div(us, 1000000);
        const std::int64_t frac = us - secs * 1000000;
        const date::sys_seconds tp{seconds{secs}};
        std::string s = date::format("%Y-%m-%d %H:%M:%S", tp);
        if (frac != 0) {
            s +=
                frac % 1000 == 0 ? fmt::format(".{:03}", frac / 1000) : fmt::format(".{:06}", frac);
        }
        return s;
    }
    const date::sys_seconds tp{seconds{floor_div(us / 1000, 1000)}};
    date::local_seconds local{tp.time_since_epoch()};
    if (std::string(zone) != "UTC") {
        local = date::locate_zone(zone)->to_local(tp);
    }
    std::string s = date::format("%d/%m/%Y %I:%M:%S", local);
    if (p == Profile::V4) {
        s += date::format(" %p", local);
    }
    return s;
}

TEST(TimestampCache, MatchesTheDateLibraryEverywhere) {
    const Micros y1900 = -2'208'988'800LL * 1'000'000;
    const Micros y2100 = 4'102'444'800LL * 1'000'000;
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<Micros> any(y1900, y2100);
    for (const Profile p : {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed}) {
        for (const char* zone : {"UTC", "America/Halifax", "Asia/Kolkata"}) {
            const CsvFormatter f(p, zone, "");
            const char* ref_zone = p == Profile::Fixed ? "UTC" : zone;
            for (int i = 0; i < 3000; ++i) {
                // Random instants, and runs of rows close together (the cached case).
                Micros us = any(rng);
                for (int k = 0; k < 4; ++k) {
                    fmt::memory_buffer b;
                    f.append_timestamp(us, b);
                    ASSERT_EQ(fmt::to_string(b), reference_timestamp(p, ref_zone, us))
                        << to_string(p) << " " << zone << " " << us;
                    us += static_cast<Micros>(rng() % 1'500'000);
                }
            }
        }
    }
}

TEST(TimestampCache, DaylightSavingChangesAndInterleavedFormatters) {
    // Halifax: 2017-03-12 06:00 UTC clocks go from 02:00 AST to 03:00 ADT; 2017-11-05 05:00
    // UTC back from 02:00 ADT to 01:00 AST.
    const CsvFormatter halifax(Profile::V4, "America/Halifax", "");
    const CsvFormatter utc(Profile::V4, "UTC", "");
    const CsvFormatter iso(Profile::Fixed, "UTC", "");
    for (const std::int64_t change : {1'489'298'400LL, 1'509'858'000LL}) {
        for (std::int64_t s = change - 3; s <= change + 3; ++s) {
            for (const Micros us : {s * 1'000'000, s * 1'000'000 + 999'999}) {
                for (const CsvFormatter* f : {&halifax, &utc, &iso, &halifax}) {
                    fmt::memory_buffer b;
                    f->append_timestamp(us, b);
                    const bool is_iso = f == &iso;
                    ASSERT_EQ(fmt::to_string(b),
                              reference_timestamp(is_iso ? Profile::Fixed : Profile::V4,
                                                  f == &halifax ? "America/Halifax" : "UTC", us))
                        << us;
                }
            }
        }
    }
}

TEST(RowText, LongestCellsFitTheReservedRoom) {
    features::FeatureRow row;
    row.profile = Profile::Fixed;
    row.ipv6 = true;
    row.src_ip.fill(0xff);
    row.dst_ip.fill(0xee);
    row.src_port = 65535;
    row.dst_port = 65534;
    row.protocol = 255;
    row.first_ts_us = -62'135'596'800LL * 1'000'000 + 123'457;  // year 1
    for (std::size_t i = 0; i < features::kColumnCount; ++i) {
        row.set_double(static_cast<features::Column>(i),
                       i % 2 == 0 ? -2.2250738585072014E-308 : -1.2345678901234567E-300);
    }
    const std::string label(300, 'x');
    const CsvFormatter f(Profile::Fixed, "UTC", label);
    fmt::memory_buffer b;
    f.append_row(row, b);
    const std::string line = fmt::to_string(b);
    const std::string ip_a = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const std::string ip_b = "eeee:eeee:eeee:eeee:eeee:eeee:eeee:eeee";
    EXPECT_EQ(line.rfind(ip_a + "-" + ip_b + "-65535-65534-255," + ip_a + ",65535," + ip_b +
                             ",65534,255,0001-01-01 00:00:00.123457,",
                         0),
              0U)
        << line.substr(0, 200);
    EXPECT_EQ(line.substr(line.size() - label.size() - 2), "," + label + "\n");
    EXPECT_NE(line.find(",-2.2250738585072014E-308,"), std::string::npos);
    EXPECT_NE(line.find(jd(-1.2345678901234567E-300) + ","), std::string::npos);
    EXPECT_EQ(jd(-1.2345678901234567E-300).size(), 24U);
    // Rows append: the second one starts right after the first's '\n'.
    f.append_row(row, b);
    EXPECT_EQ(fmt::to_string(b), line + line);
}

// The layout rules one by one (moved here from csv_format_test.cpp).

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
