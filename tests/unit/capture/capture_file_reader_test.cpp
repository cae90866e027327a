// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader on files written by the test itself: classic pcap in both byte orders with
// µs and ns stamps, snaplen cuts, batches split by count and by arena size, damage at a known
// byte offset, unreadable inputs. The pcapng blocks are tested in pcapng_reader_test.cpp.
#include "capture/capture_file_reader.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture_reading.hpp"
#include "capture_writer.hpp"

namespace fm::capture {
namespace {

using test::Bytes;
using test::pattern;
using test::PcapngWriter;
using test::PcapWriter;
using test::read_all;
using test::TempFile;

// --- classic pcap --------------------------------------------------------------------------

class ClassicPcap : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(ClassicPcap, ReadsBothByteOrdersAndResolutions) {
    const auto [big_endian, nano] = GetParam();
    PcapWriter w(big_endian, nano, 65535, 1);
    const Bytes a = pattern(60, 1);
    const Bytes b = pattern(1514, 2);
    w.record(1'700'000'000, nano ? 123'456'789U : 123'456U, a);
    w.record(1'700'000'001, nano ? 999'999'999U : 999'999U, b, 1600);
    const TempFile f("classic.pcap", w.data());

    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open()) << r.error();
    EXPECT_EQ(r.format(), CaptureFormat::Pcap);
    EXPECT_EQ(r.link_type(), 1U);
    EXPECT_EQ(r.snaplen(), 65535U);
    EXPECT_EQ(r.size_bytes(), w.size());
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 2U);
    // Nanoseconds are truncated, never rounded (…789 ns -> …456 µs; …999 ns -> …999 µs).
    EXPECT_EQ(got[0].ts, 1'700'000'000'123'456);
    EXPECT_EQ(got[1].ts, 1'700'000'001'999'999);
    EXPECT_EQ(got[0].data, a);
    EXPECT_EQ(got[1].data, b);
    EXPECT_EQ(got[0].wire_len, 60U);
    EXPECT_EQ(got[1].wire_len, 1600U);
    EXPECT_EQ(got[0].link_type, 1);
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(r.packets_read(), 2U);
    EXPECT_EQ(r.bytes_read(), w.size());
}

INSTANTIATE_TEST_SUITE_P(ByteOrderAndResolution, ClassicPcap,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(CaptureFileReader, RecordsLongerThanSnaplenAreCut) {
    PcapWriter w(false, false, 100, 1);
    w.record(1, 0, pattern(300, 3), 300);
    w.record(2, 0, pattern(50, 4));
    const TempFile f("snap.pcap", w.data());
    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open()) << r.error();
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 2U);
    const Bytes whole = pattern(300, 3);
    EXPECT_EQ(got[0].data, Bytes(whole.begin(), whole.begin() + 100));
    EXPECT_EQ(got[0].wire_len, 300U);
    EXPECT_EQ(got[1].data, pattern(50, 4)) << "the record after the cut one is intact";
    EXPECT_FALSE(r.failed());
}

TEST(CaptureFileReader, ManyPacketsSpanSeveralBatches) {
    PcapWriter w(false, false, 262144, 1);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        w.record(i, 0, pattern(64 + i % 50, static_cast<std::uint8_t>(i)));
    }
    const TempFile f("many.pcap", w.data());
    CaptureFileReader r(f.path());
    std::size_t batches = 0;
    const auto got = read_all(r, &batches);
    ASSERT_EQ(got.size(), 1000U);
    EXPECT_EQ(batches, 4U);  // 256 per batch
    for (std::uint32_t i = 0; i < 1000; ++i) {
        ASSERT_EQ(got[i].ts, Micros{i} * 1'000'000);
        ASSERT_EQ(got[i].data, pattern(64 + i % 50, static_cast<std::uint8_t>(i)));
    }
    EXPECT_EQ(r.packets_read(), 1000U);
}

TEST(CaptureFileReader, LargeRecordsSplitBatchesByArenaSize) {
    // 40 records of 200 KB do not fit one 2 MiB arena: batches end early, nothing is lost.
    PcapWriter w(true, false, 262144, 1);
    for (std::uint32_t i = 0; i < 40; ++i) {
        w.record(i, 0, pattern(200'000, static_cast<std::uint8_t>(i)));
    }
    const TempFile f("large.pcap", w.data());
    CaptureFileReader r(f.path());
    std::size_t batches = 0;
    const auto got = read_all(r, &batches);
    ASSERT_EQ(got.size(), 40U);
    EXPECT_GT(batches, 1U);
    for (std::uint32_t i = 0; i < 40; ++i) {
        ASSERT_EQ(got[i].data, pattern(200'000, static_cast<std::uint8_t>(i))) << i;
    }
    EXPECT_FALSE(r.failed()) << r.error();
}

TEST(CaptureFileReader, TruncatedRecordDataReportsOffset) {
    PcapWriter w(false, false, 65535, 1);
    w.record(1, 0, pattern(100, 1)).record(2, 0, pattern(100, 2));
    const std::size_t third = w.size();  // offset of the damaged record
    w.record(3, 0, pattern(522, 3));
    Bytes cut = w.data();
    cut.resize(third + 16 + 200);  // header complete, 200 of 522 data bytes
    const TempFile f("trunc.pcap", cut);

    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open());
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 2U) << "every packet before the damage is delivered";
    EXPECT_TRUE(r.failed());
    EXPECT_NE(r.error().find(f.path()), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("byte offset " + std::to_string(third)), std::string::npos)
        << r.error();
    EXPECT_NE(r.error().find("522"), std::string::npos) << r.error();
    EXPECT_EQ(r.error().find('\n'), std::string::npos) << "one line";
}

TEST(CaptureFileReader, TruncatedRecordHeaderReportsOffset) {
    PcapWriter w(false, false, 100, 1);
    w.record(1, 0, pattern(300, 1), 300);  // cut to the snaplen by libpcap
    const std::size_t second = w.size();
    w.record(2, 0, pattern(10, 2));
    Bytes cut = w.data();
    cut.resize(second + 7);
    const TempFile f("trunc_hdr.pcap", cut);
    CaptureFileReader r(f.path());
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_NE(r.error().find("byte offset " + std::to_string(second)), std::string::npos)
        << r.error();
}

TEST(CaptureFileReader, ImpossibleCaptureLengthIsDamage) {
    PcapWriter w(false, false, 65535, 1);
    w.record(1, 0, pattern(10, 1));
    const std::size_t second = w.size();
    w.record(2, 0, pattern(10, 2), 10, 0x7fffffff);
    const TempFile f("badlen.pcap", w.data());
    CaptureFileReader r(f.path());
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_NE(r.error().find("byte offset " + std::to_string(second)), std::string::npos)
        << r.error();
}

TEST(CaptureFileReader, UnreadableInputs) {
    {
        CaptureFileReader r("/nonexistent/dir/x.pcap");
        EXPECT_FALSE(r.is_open());
        EXPECT_TRUE(r.at_end());
        EXPECT_EQ(r.error(), "/nonexistent/dir/x.pcap: No such file or directory");
        RawBatch b;
        EXPECT_EQ(r.next_batch(b), 0U);
    }
    {
        const char* dir = std::getenv("TMPDIR");
        const std::string d = dir != nullptr ? dir : "/tmp";
        CaptureFileReader r(d);
        EXPECT_FALSE(r.is_open());
        EXPECT_NE(r.error().find("Is a directory"), std::string::npos) << r.error();
    }
    {
        const TempFile f("garbage.pcap",
                         Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!',
                               0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0});
        CaptureFileReader r(f.path());
        EXPECT_FALSE(r.is_open());
        EXPECT_EQ(r.error(), f.path() + ": unknown file format");
    }
    {
        const TempFile f("empty.pcap", Bytes{});
        CaptureFileReader r(f.path());
        EXPECT_FALSE(r.is_open());
        EXPECT_NE(r.error().find(f.path() + ": "), std::string::npos);
    }
    {
        PcapWriter w(false, false, 65535, 1);
        Bytes bad = w.data();
        bad[4] = 1;  // major version 1
        const TempFile f("archaic.pcap", bad);
        CaptureFileReader r(f.path());
        EXPECT_FALSE(r.is_open());
        EXPECT_NE(r.error().find("archaic"), std::string::npos) << r.error();
    }
}

TEST(CaptureFileReader, MemoryInputMatchesFile) {
    PcapWriter w(false, true, 65535, 113);
    w.record(5, 1'500, pattern(40, 9));
    CaptureFileReader r(std::span<const std::uint8_t>(w.data()), "mem");
    ASSERT_TRUE(r.is_open()) << r.error();
    EXPECT_EQ(r.name(), "mem");
    EXPECT_EQ(r.link_type(), 113U);
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].ts, 5'000'001);
    EXPECT_EQ(got[0].link_type, 113);

    CaptureFileReader empty(std::span<const std::uint8_t>(), "nothing");
    EXPECT_FALSE(empty.is_open());
    EXPECT_EQ(empty.error().rfind("nothing: ", 0), 0U) << empty.error();

    Bytes cut = w.data();
    cut.resize(cut.size() - 5);
    CaptureFileReader damaged(std::span<const std::uint8_t>(cut), "mem2");
    EXPECT_TRUE(read_all(damaged).empty());
    EXPECT_NE(damaged.error().find("mem2: damaged at byte offset 24"), std::string::npos)
        << damaged.error();
}

}  // namespace
}  // namespace fm::capture
