// SPDX-License-Identifier: BSD-3-Clause
// iso_time: the forms of start/end in labelling rules (offsets, Z, zone names across DST
// changes, fractions) against instants computed by hand, and the UTC text it writes back.
#include "config/iso_time.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fm::config {
namespace {

// 2017-07-05T12:00:00Z: 17352 days after the epoch.
constexpr Micros kNoonUtc = (17352LL * 86400 + 12 * 3600) * kMicrosPerSecond;
constexpr Micros kHour = 3600 * kMicrosPerSecond;

Micros parse(std::string_view s) {
    Micros us = 0;
    std::string error;
    EXPECT_TRUE(parse_iso_time(s, us, error)) << s << ": " << error;
    return us;
}

std::string error_of(std::string_view s) {
    Micros us = 0;
    std::string error;
    EXPECT_FALSE(parse_iso_time(s, us, error)) << s << " was accepted";
    return error;
}

TEST(IsoTime, OffsetsAndZ) {
    EXPECT_EQ(parse("2017-07-05T12:00:00Z"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05t12:00z"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05 09:00:00-03:00"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05T09:00-0300"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05T17:30+05:30"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05T14:00+02"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05T12:00:00.25Z"), kNoonUtc + 250000);
    EXPECT_EQ(parse("2017-07-05T12:00:00,000001999Z"), kNoonUtc + 1);  // below 1 µs is cut
    EXPECT_EQ(parse("1969-12-31T23:59:59Z"), -kMicrosPerSecond);
}

TEST(IsoTime, ZoneNamesFollowDaylightSavingTime) {
    // Halifax: ADT (UTC-3) in July, AST (UTC-4) in January.
    EXPECT_EQ(parse("2017-07-05 09:00 America/Halifax"), kNoonUtc);
    EXPECT_EQ(parse("2017-07-05T09:00:00[America/Halifax]"), kNoonUtc);
    EXPECT_EQ(parse("2017-01-05 08:00 America/Halifax"), parse("2017-01-05T12:00Z"));
    EXPECT_EQ(parse("2017-07-05 12:00 UTC"), kNoonUtc);
    // Around the spring change (2017-03-12 02:00 AST -> 03:00 ADT): 01:59 is AST, 03:00 ADT,
    // one minute apart.
    EXPECT_EQ(parse("2017-03-12 03:00 America/Halifax") - parse("2017-03-12 01:59 America/Halifax"),
              60 * kMicrosPerSecond);
    EXPECT_NE(error_of("2017-03-12 02:30 America/Halifax").find("does not exist"),
              std::string::npos);
    // Autumn (2017-11-05 02:00 ADT -> 01:00 AST): 01:30 happens twice; the offset decides.
    EXPECT_NE(error_of("2017-11-05 01:30 America/Halifax").find("happens twice"),
              std::string::npos);
    EXPECT_EQ(parse("2017-11-05T01:30-04:00") - parse("2017-11-05T01:30-03:00"), kHour);
    // Europe/Berlin in summer: CEST, UTC+2.
    EXPECT_EQ(parse("2017-07-05 14:00 Europe/Berlin"), kNoonUtc);
}

TEST(IsoTime, RefusesWhatItCannotPlaceInTime) {
    EXPECT_NE(error_of("2017-07-05T12:00:00").find("no zone"), std::string::npos);
    EXPECT_NE(error_of("2017-07-05").find("without a time of day"), std::string::npos);
    EXPECT_NE(error_of("2017-13-05T12:00Z").find("is not a date"), std::string::npos);
    EXPECT_NE(error_of("2017-07-05T24:00Z").find("not a time of day"), std::string::npos);
    EXPECT_NE(error_of("2017-07-05T12:00 Nowhere/City").find("unknown time zone"),
              std::string::npos);
    EXPECT_NE(error_of("2017-07-05T12:00[America/Halifax").find("']'"), std::string::npos);
    EXPECT_NE(error_of("2017-07-05T12:00:00.Z").find("without digits"), std::string::npos);
    EXPECT_NE(error_of("2017-07-05T12:00+25:00").find("out of range"), std::string::npos);
    EXPECT_FALSE(error_of("17-07-05T12:00Z").empty());
    EXPECT_FALSE(error_of("2017-07-05T12:00Zulu").empty());
}

TEST(IsoTime, FormatsUtcThatParsesBack) {
    EXPECT_EQ(format_iso_time(kNoonUtc), "2017-07-05T12:00:00Z");
    EXPECT_EQ(format_iso_time(kNoonUtc + 1), "2017-07-05T12:00:00.000001Z");
    EXPECT_EQ(format_iso_time(-1), "1969-12-31T23:59:59.999999Z");
    for (Micros t : {kNoonUtc, kNoonUtc + 123456, Micros{-1}, Micros{0}}) {
        EXPECT_EQ(parse(format_iso_time(t)), t);
    }
}

}  // namespace
}  // namespace fm::config
