// SPDX-License-Identifier: BSD-3-Clause
// CsvFormatter and Java number text: Double.toString layout (spec §1.3), headers per profile
// (§1.2), timestamps per profile and zone (§1.4), address text.
#include "output/csv_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "output/java_format.hpp"

namespace fm::output {
namespace {

std::string jd(double v) {
    fmt::memory_buffer b;
    append_java_double(v, b);
    return fmt::to_string(b);
}

std::string ts(Profile p, const char* tz, Micros us) {
    const CsvFormatter f(p, tz, "");
    fmt::memory_buffer b;
    f.append_timestamp(us, b);
    return fmt::to_string(b);
}

constexpr Micros kT0 = 1'500'000'000LL * 1'000'000;  // 2017-07-14 02:40:00 UTC

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

TEST(Timestamp, V4TwelveHourWithMarker) {
    EXPECT_EQ(ts(Profile::V4, "UTC", kT0), "14/07/2017 02:40:00 AM");
    EXPECT_EQ(ts(Profile::V4, "UTC", kT0 + 12 * 3600 * 1'000'000LL), "14/07/2017 02:40:00 PM");
    // Midnight and noon are 12 on a 12-hour clock.
    const Micros midnight = kT0 - (2 * 3600 + 40 * 60) * 1'000'000LL;
    EXPECT_EQ(ts(Profile::V4, "UTC", midnight), "14/07/2017 12:00:00 AM");
    EXPECT_EQ(ts(Profile::V4, "UTC", midnight + 12 * 3600 * 1'000'000LL), "14/07/2017 12:00:00 PM");
    // Milliseconds are truncated, not rounded.
    EXPECT_EQ(ts(Profile::V4, "UTC", kT0 + 999'999), "14/07/2017 02:40:00 AM");
}

TEST(Timestamp, EraWithoutMarkerInHalifax) {
    // 02:40 UTC on 14 July is 23:40 ADT (UTC-3) the day before.
    EXPECT_EQ(ts(Profile::Cic2018, "America/Halifax", kT0), "13/07/2017 11:40:00");
    EXPECT_EQ(ts(Profile::Cic2017, "America/Halifax", kT0), "13/07/2017 11:40:00");
    // In January Halifax is UTC-4.
    const Micros jan = 1'484'362'800LL * 1'000'000;  // 2017-01-14 03:00:00 UTC
    EXPECT_EQ(ts(Profile::V4, "America/Halifax", jan), "13/01/2017 11:00:00 PM");
}

TEST(Timestamp, FixedIsoUtcWithFraction) {
    EXPECT_EQ(ts(Profile::Fixed, "UTC", kT0), "2017-07-14 02:40:00");
    EXPECT_EQ(ts(Profile::Fixed, "UTC", kT0 + 5'500'000), "2017-07-14 02:40:05.500");
    EXPECT_EQ(ts(Profile::Fixed, "UTC", kT0 + 123), "2017-07-14 02:40:00.000123");
    EXPECT_EQ(ts(Profile::Fixed, "UTC", kT0 + 986'596), "2017-07-14 02:40:00.986596");
    // The zone is ignored: fixed always prints UTC.
    EXPECT_EQ(ts(Profile::Fixed, "America/Halifax", kT0), "2017-07-14 02:40:00");
}

TEST(Timestamp, UnknownZoneIsRejected) {
    EXPECT_THROW(CsvFormatter(Profile::V4, "Mars/Olympus_Mons", ""), std::runtime_error);
}

TEST(Header, ColumnCountsAndSpellings) {
    const auto count = [](const std::string& h) {
        return static_cast<std::size_t>(std::count(h.begin(), h.end(), ',')) + 1;
    };
    const CsvFormatter v4(Profile::V4, "UTC", "");
    const CsvFormatter c18(Profile::Cic2018, "UTC", "");
    const CsvFormatter c17(Profile::Cic2017, "UTC", "");
    const CsvFormatter fx(Profile::Fixed, "UTC", "");
    EXPECT_EQ(count(v4.header()), 84u);
    EXPECT_EQ(count(c18.header()), 84u);
    EXPECT_EQ(count(c17.header()), 85u);
    EXPECT_EQ(count(fx.header()), 94u);
    EXPECT_EQ(v4.header().rfind("Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,", 0),
              0u);
    EXPECT_NE(v4.header().find(",Total Bwd packets,"), std::string::npos);
    EXPECT_NE(v4.header().find(",CWR Flag Count,"), std::string::npos);
    EXPECT_NE(c18.header().find(",CWE Flag Count,"), std::string::npos);
    EXPECT_EQ(c17.header().rfind("Flow ID, Source IP, Source Port,", 0), 0u);
    EXPECT_NE(c17.header().find(" Avg Bwd Segment Size, Fwd Header Length,Fwd Avg Bytes/Bulk"),
              std::string::npos);
    EXPECT_NE(fx.header().find("Idle Min,ICMP Code,ICMP Type,Fwd TCP Retrans. Count"),
              std::string::npos);
    EXPECT_EQ(fx.header().substr(fx.header().size() - 6), ",Label");
}

TEST(Row, FlowIdOrderAndLabel) {
    features::FeatureRow row;
    row.profile = Profile::Cic2018;
    row.src_ip = {10, 200, 2, 252};
    row.dst_ip = {188, 120, 225, 17};
    row.src_port = 61559;
    row.dst_port = 8080;
    row.protocol = 6;
    row.flow_id_reversed = true;
    row.first_ts_us = kT0;
    for (std::size_t i = 0; i < features::kColumnCount; ++i) {
        row.set_int(static_cast<features::Column>(i), 0);
    }
    const CsvFormatter f(Profile::Cic2018, "UTC", "BENIGN");
    fmt::memory_buffer b;
    f.append_row(row, b);
    const std::string line = fmt::to_string(b);
    EXPECT_EQ(line.rfind("188.120.225.17-10.200.2.252-8080-61559-6,10.200.2.252,61559,", 0), 0u);
    EXPECT_EQ(line.substr(line.size() - 8), ",BENIGN\n");
}

TEST(Address, Ipv6Text) {
    const std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    fmt::memory_buffer b;
    append_ip(a, true, b);
    EXPECT_EQ(fmt::to_string(b), "2001:db8::1");
    const std::uint8_t z[16] = {};
    fmt::memory_buffer c;
    append_ip(z, true, c);
    EXPECT_EQ(fmt::to_string(c), "::");
}

TEST(Labels, Defaults) {
    EXPECT_EQ(default_label(Profile::V4), "NeedManualLabel");
    EXPECT_EQ(default_label(Profile::Fixed), "NeedManualLabel");
    EXPECT_EQ(default_label(Profile::Cic2017), "No Label");
    EXPECT_EQ(default_label(Profile::Cic2018), "No Label");
}

}  // namespace
}  // namespace fm::output
