// SPDX-License-Identifier: BSD-3-Clause
// CsvFormatter: headers per profile (§1.2), timestamps per profile and zone (§1.4), address
// text. The Java number text it uses is tested in java_format_test.cpp.
#include "output/csv_format.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace fm::output {
namespace {

std::string ts(Profile p, const char* tz, Micros us) {
    const CsvFormatter f(p, tz, "");
    fmt::memory_buffer b;
    f.append_timestamp(us, b);
    return fmt::to_string(b);
}

constexpr Micros kT0 = 1'500'000'000LL * 1'000'000;  // 2017-07-14 02:40:00 UTC

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

TEST(Timestamp, Cic2018WithoutMarkerInHalifax) {
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
