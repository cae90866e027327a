// SPDX-License-Identifier: BSD-3-Clause
// pcapng through the public reader (CaptureFileReader on a file or on memory), on bytes built by
// the test: section headers in both byte orders, interfaces with different link types, snaplens
// and time resolutions (if_tsresol in µs, ns and powers of 2), enhanced, simple and obsolete
// packet blocks, unknown blocks skipped, and damage (a lying block length, a truncated file)
// that stops the file after every earlier packet was delivered. Only the public interface is
// used, so the tests hold whatever the reader's I/O looks like inside.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture_reading.hpp"
#include "capture_writer.hpp"

namespace fm::capture {
namespace {

using test::Bytes;
using test::pattern;
using test::PcapngWriter;
using test::read_all;
using test::TempFile;

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

TEST(Pcapng, SectionHeaderInEitherByteOrderOnDisk) {
    for (const bool big_endian : {false, true}) {
        SCOPED_TRACE(big_endian ? "big-endian" : "little-endian");
        PcapngWriter w(big_endian);
        w.shb().idb(1, 0).epb(0, 1'600'000'000'000'001ULL, pattern(70, 1), 1500);
        w.epb(0, 1'600'000'000'000'002ULL, pattern(71, 2));
        const TempFile f(big_endian ? "be.pcapng" : "le.pcapng", w.data());
        CaptureFileReader r(f.path());
        ASSERT_TRUE(r.is_open()) << r.error();
        EXPECT_EQ(r.format(), CaptureFormat::Pcapng);
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 2U) << r.error();
        EXPECT_FALSE(r.failed()) << r.error();
        EXPECT_EQ(got[0].ts, 1'600'000'000'000'001);
        EXPECT_EQ(got[0].data, pattern(70, 1));
        EXPECT_EQ(got[0].wire_len, 1500U);
        EXPECT_EQ(got[1].ts, 1'600'000'000'000'002);
        EXPECT_EQ(got[1].data, pattern(71, 2));
        EXPECT_EQ(got[1].wire_len, 71U);
        EXPECT_EQ(r.bytes_read(), w.size());
    }
}

TEST(Pcapng, InterfaceTimeResolutions) {
    // One second and a quarter in each interface's units; stamps are µs after reading.
    struct Case {
        const char* name;
        std::uint8_t tsresol;  // raw if_tsresol byte (0xff: option absent)
        std::uint64_t ticks;
        Micros want;
    };
    const Case cases[] = {
        {"absent: µs", 0xff, 1'250'000ULL, 1'250'000},
        {"10^-6: µs", 6, 1'250'000ULL, 1'250'000},
        {"10^-9: ns", 9, 1'250'000'999ULL, 1'250'000},
        {"10^-3: ms", 3, 1'250ULL, 1'250'000},
        {"2^-10", 0x80 | 10, 1024ULL + 256ULL, 1'250'000},
        {"2^-20", 0x80 | 20, (1ULL << 20) + (1ULL << 18), 1'250'000},
        {"2^0: s", 0x80, 3ULL, 3'000'000},
    };
    for (const bool big_endian : {false, true}) {
        for (const Case& c : cases) {
            SCOPED_TRACE(std::string(c.name) + (big_endian ? ", big-endian" : ", little-endian"));
            PcapngWriter w(big_endian);
            w.shb().idb(1, 0, c.tsresol).epb(0, c.ticks, pattern(20, 9));
            CaptureFileReader r(std::span<const std::uint8_t>(w.data()), "tsresol");
            ASSERT_TRUE(r.is_open()) << r.error();
            const auto got = read_all(r);
            ASSERT_EQ(got.size(), 1U) << r.error();
            EXPECT_EQ(got[0].ts, c.want);
        }
    }
}

TEST(Pcapng, EnhancedAndSimplePacketBlocksInterleave) {
    PcapngWriter w(false);
    w.shb().idb(1, 48);
    w.spb(pattern(30, 1));            // 30 <= snaplen: all of it
    w.epb(0, 5, pattern(40, 2));      // 40 <= snaplen
    w.spb(pattern(60, 3));            // cut to the snaplen 48
    w.epb(0, 6, pattern(3, 4), 900);  // tiny, with a larger wire length
    const TempFile f("spb_epb.pcapng", w.data());
    CaptureFileReader r(f.path());
    const auto got = read_all(r);
    ASSERT_EQ(got.size(), 4U) << r.error();
    EXPECT_FALSE(r.failed()) << r.error();
    EXPECT_EQ(got[0].data, pattern(30, 1));
    EXPECT_EQ(got[1].data, pattern(40, 2));
    EXPECT_EQ(got[1].ts, 5);
    const Bytes long_one = pattern(60, 3);
    EXPECT_EQ(got[2].data, Bytes(long_one.begin(), long_one.begin() + 48));
    EXPECT_EQ(got[3].data, pattern(3, 4));
    EXPECT_EQ(got[3].wire_len, 900U);
    for (const auto& g : got) {
        EXPECT_EQ(g.link_type, 1);
    }
}

TEST(Pcapng, UnknownBlocksAreSkipped) {
    for (const bool big_endian : {false, true}) {
        SCOPED_TRACE(big_endian ? "big-endian" : "little-endian");
        PcapngWriter w(big_endian);
        w.shb();
        w.block(0x00000BAD, Bytes(8, 0x11));  // custom block before any interface
        w.idb(1, 0);
        w.block(4, Bytes(12, 0x22));  // name resolution
        w.epb(0, 10, pattern(50, 1));
        w.block(5, Bytes(20, 0x33));           // interface statistics
        w.block(0x0000000A, Bytes(16, 0x44));  // decryption secrets
        w.block(0x40000BAD, Bytes{});          // custom, empty body
        w.epb(0, 11, pattern(50, 2));
        w.block(0x12345678, Bytes(5, 0x55));  // unknown type, padded body
        const TempFile f("unknown.pcapng", w.data());
        CaptureFileReader r(f.path());
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 2U) << r.error();
        EXPECT_FALSE(r.failed()) << r.error();
        EXPECT_EQ(got[0].data, pattern(50, 1));
        EXPECT_EQ(got[1].data, pattern(50, 2));
        EXPECT_EQ(got[1].ts, 11);
        EXPECT_EQ(r.bytes_read(), w.size());
    }
}

TEST(Pcapng, LyingBlockLengthIsAnErrorAfterEveryEarlierPacket) {
    for (const bool big_endian : {false, true}) {
        SCOPED_TRACE(big_endian ? "big-endian" : "little-endian");
        PcapngWriter w(big_endian);
        w.shb().idb(1, 0);
        for (std::uint8_t i = 0; i < 10; ++i) {
            w.epb(0, i, pattern(100, i));
        }
        const std::size_t bad = w.size();
        w.epb(0, 99, pattern(100, 99));
        w.epb(0, 100, pattern(100, 100));
        Bytes d = w.data();
        // The block claims 64 KiB, far past the end of the file.
        const std::uint32_t lie = 0x10000;
        for (int k = 0; k < 4; ++k) {
            const int shift = big_endian ? 24 - 8 * k : 8 * k;
            d[bad + 4 + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(lie >> shift);
        }
        const TempFile f(big_endian ? "lie_be.pcapng" : "lie_le.pcapng", d);
        CaptureFileReader r(f.path());
        ASSERT_TRUE(r.is_open()) << r.error();
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 10U) << r.error();
        for (std::uint8_t i = 0; i < 10; ++i) {
            EXPECT_EQ(got[i].data, pattern(100, i));
            EXPECT_EQ(got[i].ts, i);
        }
        EXPECT_TRUE(r.failed());
        EXPECT_NE(r.error().find("byte offset " + std::to_string(bad)), std::string::npos)
            << r.error();
        EXPECT_EQ(r.error().rfind(f.path() + ": ", 0), 0U) << "names the file: " << r.error();
    }
}

TEST(Pcapng, TruncatedFileOnDisk) {
    PcapngWriter w(false);
    w.shb().idb(1, 0).epb(0, 1, pattern(80, 1)).epb(0, 2, pattern(80, 2));
    const std::size_t last = w.size();
    w.epb(0, 3, pattern(80, 3));
    for (const std::size_t keep : {last + 4, last + 8, last + 30, w.size() - 1}) {
        SCOPED_TRACE("first " + std::to_string(keep) + " bytes");
        Bytes d = w.data();
        d.resize(keep);
        const TempFile f("cut.pcapng", d);
        CaptureFileReader r(f.path());
        ASSERT_TRUE(r.is_open()) << r.error();
        const auto got = read_all(r);
        ASSERT_EQ(got.size(), 2U) << r.error();
        EXPECT_EQ(got[1].data, pattern(80, 2));
        EXPECT_TRUE(r.failed());
        EXPECT_NE(r.error().find("byte offset " + std::to_string(last)), std::string::npos)
            << r.error();
    }
    {  // cut inside the section header: nothing to read
        Bytes d = w.data();
        d.resize(20);
        const TempFile f("cut_shb.pcapng", d);
        CaptureFileReader r(f.path());
        EXPECT_TRUE(read_all(r).empty());
        EXPECT_FALSE(r.error().empty());
    }
}

}  // namespace
}  // namespace fm::capture
