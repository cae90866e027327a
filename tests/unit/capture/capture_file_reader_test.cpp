// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader on files written by the test itself: classic pcap in both byte orders with
// µs and ns stamps, snaplen cuts, batches split by count and by arena size, damage at a known
// byte offset, unreadable inputs; pcapng with several interfaces of different link types,
// snaplens and time resolutions, several sections in both byte orders, and damaged blocks.
#include "capture/capture_file_reader.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture_writer.hpp"

namespace fm::capture {
namespace {

using test::PcapngWriter;
using test::PcapWriter;
using test::TempFile;
using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return b;
}

struct Got {
    Micros ts = 0;
    Bytes data;
    std::uint32_t wire_len = 0;
    std::uint16_t link_type = 0;
};

std::vector<Got> read_all(CaptureFileReader& r, std::size_t* batches = nullptr) {
    std::vector<Got> out;
    RawBatch batch;
    std::size_t n_batches = 0;
    while (std::size_t n = r.next_batch(batch)) {
        ++n_batches;
        EXPECT_EQ(n, batch.size);
        for (std::size_t i = 0; i < n; ++i) {
            const RawPacketView& v = batch.packets[i];
            out.push_back({v.ts_us, Bytes(v.data, v.data + v.cap_len), v.wire_len, v.link_type});
        }
    }
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(r.next_batch(batch), 0U) << "stays at end";
    if (batches != nullptr) {
        *batches = n_batches;
    }
    return out;
}

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

// --- pcapng --------------------------------------------------------------------------------

TEST(Pcapng, InterfacesWithDifferentLinkTypesSnaplensAndResolutions) {
    PcapngWriter w(false);
    w.shb();
    w.idb(1, 0);                     // 0: Ethernet, no snaplen, µs
    w.idb(101, 64, 9);               // 1: raw IP, snaplen 64, ns
    w.idb(113, 0, 0x80 | 10, 1000);  // 2: SLL, 2^-10 s units, +1000 s offset
    w.block(5, Bytes(16, 0xee));     // interface statistics: skipped
    w.epb(0, 1'600'000'000'123'456ULL, pattern(100, 1));
    w.epb(1, 1'600'000'000'123'456'789ULL, pattern(100, 2), 1000);
    w.epb(2, (5ULL << 10) + 512, pattern(30, 3));  // 5.5 s
    w.spb(pattern(20, 4));
    w.opb(1, 2'000'000'000ULL, pattern(10, 5));
    const TempFile f("multi.pcapng", w.data());

    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open()) << r.error();
    EXPECT_EQ(r.format(), CaptureFormat::Pcapng);
    EXPECT_EQ(r.link_type(), 1U);
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 5U) << r.error();
    EXPECT_FALSE(r.failed()) << r.error();

    EXPECT_EQ(got[0].link_type, 1);
    EXPECT_EQ(got[0].ts, 1'600'000'000'123'456);
    EXPECT_EQ(got[0].data, pattern(100, 1));

    EXPECT_EQ(got[1].link_type, 101);
    EXPECT_EQ(got[1].ts, 1'600'000'000'123'456) << "ns truncated";
    EXPECT_EQ(got[1].data.size(), 64U) << "cut to the interface snaplen";
    EXPECT_EQ(got[1].wire_len, 1000U);

    EXPECT_EQ(got[2].link_type, 113);
    EXPECT_EQ(got[2].ts, 1'005'500'000);

    EXPECT_EQ(got[3].link_type, 1) << "simple packet block: interface 0";
    EXPECT_EQ(got[3].data, pattern(20, 4));
    EXPECT_EQ(got[4].link_type, 101);
    EXPECT_EQ(got[4].ts, 2'000'000);
    EXPECT_EQ(r.bytes_read(), w.size());
}

TEST(Pcapng, SeveralSectionsInBothByteOrders) {
    PcapngWriter w(true);
    w.shb().idb(1, 0).epb(0, 7, pattern(40, 1));
    w.switch_order(false);
    w.shb().idb(0, 0).idb(228, 0).epb(1, 8, pattern(40, 2)).epb(0, 9, pattern(40, 3));
    const TempFile f("sections.pcapng", w.data());
    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open()) << r.error();
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 3U) << r.error();
    EXPECT_EQ(got[0].link_type, 1);
    EXPECT_EQ(got[0].ts, 7);
    EXPECT_EQ(got[1].link_type, 228) << "interface ids restart in each section";
    EXPECT_EQ(got[2].link_type, 0);
    EXPECT_EQ(got[2].data, pattern(40, 3));
}

TEST(Pcapng, LargeBlocksAndArenaBoundaries) {
    PcapngWriter w(false);
    w.shb().idb(1, 0);
    for (std::uint32_t i = 0; i < 30; ++i) {
        w.epb(0, i, pattern(150'000, static_cast<std::uint8_t>(i)));
    }
    w.epb(0, 99, pattern(5'000'000, 7));  // larger than the arena: it grows
    w.epb(0, 100, pattern(10, 8));
    const TempFile f("big.pcapng", w.data());
    CaptureFileReader r(f.path());
    std::size_t batches = 0;
    const auto got = read_all(r, &batches);
    ASSERT_EQ(got.size(), 32U) << r.error();
    EXPECT_GT(batches, 2U);
    for (std::uint32_t i = 0; i < 30; ++i) {
        ASSERT_EQ(got[i].data, pattern(150'000, static_cast<std::uint8_t>(i)));
    }
    EXPECT_EQ(got[30].data, pattern(5'000'000, 7));
    EXPECT_EQ(got[31].data, pattern(10, 8));
    EXPECT_FALSE(r.failed()) << r.error();
}

TEST(Pcapng, DamageStopsAfterTheLastGoodPacket) {
    PcapngWriter w(false);
    w.shb().idb(1, 0).epb(0, 1, pattern(60, 1));
    const std::size_t bad = w.size();
    w.epb(0, 2, pattern(60, 2));
    w.epb(0, 3, pattern(60, 3));

    {  // trailer does not match the header
        Bytes d = w.data();
        const std::size_t epb_len = 32 + 60;  // framing 12 + fields 20 + data
        d[bad + epb_len - 4] ^= 0x01;
        CaptureFileReader r(std::span<const std::uint8_t>(d), "trailer");
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 1U);
        EXPECT_NE(r.error().find("trailer: damaged at byte offset " + std::to_string(bad)),
                  std::string::npos)
            << r.error();
        EXPECT_NE(r.error().find("don't match"), std::string::npos) << r.error();
    }
    {  // file ends inside a block
        Bytes d = w.data();
        d.resize(bad + 50);
        CaptureFileReader r(std::span<const std::uint8_t>(d), "cut");
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 1U);
        EXPECT_NE(r.error().find("byte offset " + std::to_string(bad)), std::string::npos)
            << r.error();
    }
    {  // captured length larger than the block
        Bytes d = w.data();
        d[bad + 20] = 0xff;
        CaptureFileReader r(std::span<const std::uint8_t>(d), "caplen");
        EXPECT_EQ(read_all(r).size(), 1U);
        EXPECT_NE(r.error().find("byte offset " + std::to_string(bad)), std::string::npos);
    }
    {  // packet on an interface that was never described
        PcapngWriter u(false);
        u.shb().idb(1, 0).epb(0, 1, pattern(60, 1));
        const std::size_t at = u.size();
        u.epb(3, 2, pattern(60, 2));
        CaptureFileReader r(std::span<const std::uint8_t>(u.data()), "ifid");
        EXPECT_EQ(read_all(r).size(), 1U);
        EXPECT_NE(r.error().find("byte offset " + std::to_string(at)), std::string::npos);
        EXPECT_NE(r.error().find("interface 3"), std::string::npos) << r.error();
    }
    {  // block length not a multiple of 4
        Bytes d = w.data();
        d[bad + 4] = 0x5a;
        CaptureFileReader r(std::span<const std::uint8_t>(d), "len");
        EXPECT_EQ(read_all(r).size(), 1U);
        EXPECT_NE(r.error().find("invalid total length"), std::string::npos) << r.error();
    }
}

TEST(Pcapng, UnreadableHeaders) {
    {
        PcapngWriter w(false);
        w.shb(0, 1);
        CaptureFileReader r(std::span<const std::uint8_t>(w.data()), "v01");
        EXPECT_FALSE(r.is_open());
        EXPECT_EQ(r.error(), "v01: unsupported pcapng savefile version 0.1");
    }
    {
        PcapngWriter w(false);
        w.shb(1, 2).idb(1, 0).epb(0, 1, pattern(10, 1));
        CaptureFileReader r(std::span<const std::uint8_t>(w.data()), "v12");
        ASSERT_TRUE(r.is_open()) << r.error();
        EXPECT_EQ(read_all(r).size(), 1U);
    }
    {
        PcapngWriter w(false);
        w.shb();
        Bytes d = w.data();
        d[8] = 0x00;  // byte-order magic
        CaptureFileReader r(std::span<const std::uint8_t>(d), "bom");
        EXPECT_FALSE(r.is_open());
        EXPECT_NE(r.error().find("byte-order magic"), std::string::npos) << r.error();
    }
    {
        PcapngWriter w(false);
        w.shb().idb(1, 0);
        Bytes d = w.data();
        d.resize(28 + 6);
        CaptureFileReader r(std::span<const std::uint8_t>(d), "idbcut");
        ASSERT_TRUE(r.is_open());
        EXPECT_TRUE(read_all(r).empty());
        EXPECT_NE(r.error().find("byte offset 28"), std::string::npos) << r.error();
    }
    {
        PcapngWriter w(false);
        w.shb();
        test::ByteWriter b(false);
        b.u16(1).u16(0).u32(0).u16(9).u16(40).u32(0);  // if_tsresol claims 40 bytes
        w.block(1, b.data());
        CaptureFileReader r(std::span<const std::uint8_t>(w.data()), "opt");
        EXPECT_TRUE(read_all(r).empty());
        EXPECT_NE(r.error().find("runs past the end"), std::string::npos) << r.error();
    }
    {
        PcapngWriter w(false);
        w.shb().idb(1, 0);
        const std::size_t at = w.size();
        w.spb(pattern(10, 1));
        PcapngWriter no_if(false);
        no_if.shb().spb(pattern(10, 1));
        CaptureFileReader r(std::span<const std::uint8_t>(no_if.data()), "spb");
        EXPECT_TRUE(read_all(r).empty());
        EXPECT_NE(r.error().find("before any interface"), std::string::npos) << r.error();
        CaptureFileReader ok(std::span<const std::uint8_t>(w.data()), "spb_ok");
        EXPECT_EQ(read_all(ok).size(), 1U);
        EXPECT_EQ(ok.bytes_read(), at + 16 + 12);
    }
}

TEST(Pcapng, EmptyFileHasNoPackets) {
    PcapngWriter w(false);
    w.shb().idb(1, 0);
    const TempFile f("empty.pcapng", w.data());
    CaptureFileReader r(f.path());
    ASSERT_TRUE(r.is_open()) << r.error();
    EXPECT_TRUE(read_all(r).empty());
    EXPECT_FALSE(r.failed());
}

}  // namespace
}  // namespace fm::capture
