// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader parses classic pcap records itself; libpcap's pcap_next_ex is the reference.
// Every capture under $FM_SHARED_DIR/pcaps that libpcap opens as classic pcap, and files written
// here for the rules that matter (both byte orders, µs and ns, time fields with the sign bit
// set, snapshot length cuts, lengths above the link type's maximum, snaplen 0, truncated header
// and data, the variants still read through libpcap, block boundaries, FIFO input), must give
// the same frames record by record (count, time stamp, captured and wire length, bytes) and end
// the same way (libpcap's error text in ours, or no error).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture_writer.hpp"

namespace fm::capture {
namespace {

namespace fs = std::filesystem;
using test::ByteWriter;
using test::PcapWriter;
using test::TempFile;
using Bytes = std::vector<std::uint8_t>;

struct Frame {
    Micros ts = 0;
    std::uint32_t cap_len = 0;
    std::uint32_t wire_len = 0;
    Bytes data;
    bool operator==(const Frame&) const = default;
};

struct Reading {
    bool opened = false;
    std::vector<Frame> frames;
    std::string error;  ///< libpcap: pcap_geterr text; ours: error()
};

Reading read_libpcap(const std::string& path) {
    Reading r;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == nullptr) {
        r.error = errbuf;
        return r;
    }
    r.opened = true;
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        r.frames.push_back({static_cast<Micros>(h->ts.tv_sec) * 1'000'000 + h->ts.tv_usec,
                            h->caplen, h->len, Bytes(d, d + h->caplen)});
    }
    if (rc != PCAP_ERROR_BREAK) {
        r.error = pcap_geterr(p);
    }
    pcap_close(p);
    return r;
}

Reading read_ours(const std::string& path) {
    Reading r;
    CaptureFileReader reader(path);
    r.opened = reader.is_open();
    RawBatch batch;
    while (const std::size_t n = reader.next_batch(batch)) {
        for (std::size_t i = 0; i < n; ++i) {
            const RawPacketView& v = batch.packets[i];
            r.frames.push_back({v.ts_us, v.cap_len, v.wire_len, Bytes(v.data, v.data + v.cap_len)});
        }
    }
    r.error = reader.error();
    return r;
}

/// Ours must match libpcap frame by frame and end the same way.
void expect_parity(const std::string& path) {
    const Reading want = read_libpcap(path);
    const Reading got = read_ours(path);
    ASSERT_EQ(got.opened, want.opened) << path << ": " << got.error << " / " << want.error;
    ASSERT_EQ(got.frames.size(), want.frames.size()) << path << ": " << got.error;
    for (std::size_t i = 0; i < want.frames.size(); ++i) {
        ASSERT_EQ(got.frames[i].ts, want.frames[i].ts) << path << " frame " << i;
        ASSERT_EQ(got.frames[i].cap_len, want.frames[i].cap_len) << path << " frame " << i;
        ASSERT_EQ(got.frames[i].wire_len, want.frames[i].wire_len) << path << " frame " << i;
        ASSERT_TRUE(got.frames[i].data == want.frames[i].data) << path << " frame " << i;
    }
    if (want.error.empty()) {
        EXPECT_TRUE(got.error.empty()) << path << ": " << got.error;
    } else {
        EXPECT_NE(got.error.find(want.error), std::string::npos)
            << path << ": ours \"" << got.error << "\", libpcap \"" << want.error << "\"";
    }
}

void expect_parity(const Bytes& file, const std::string& name) {
    const TempFile f(name, file);
    expect_parity(f.path());
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<std::uint8_t>(seed + i * 13);
    }
    return b;
}

/// A classic pcap header with any version and magic (the writer in capture_writer.hpp always
/// writes 2.4).
Bytes header(bool be, std::uint32_t magic, std::uint16_t major, std::uint16_t minor,
             std::uint32_t snaplen, std::uint32_t link) {
    ByteWriter w(be);
    w.u32(magic).u16(major).u16(minor).u32(0).u32(0).u32(snaplen).u32(link);
    return w.data();
}

void add_record(Bytes& file, bool be, std::uint32_t sec, std::uint32_t frac, std::uint32_t incl,
                std::uint32_t orig, const Bytes& data) {
    ByteWriter w(be);
    w.u32(sec).u32(frac).u32(incl).u32(orig).bytes(data);
    file.insert(file.end(), w.data().begin(), w.data().end());
}

TEST(CaptureLibpcapParity, EveryClassicPcapOfTheCorpus) {
    const char* shared = std::getenv("FM_SHARED_DIR");
    ASSERT_NE(shared, nullptr) << "FM_SHARED_DIR is not set: the reference captures are needed";
    const fs::path root = fs::path(shared) / "pcaps";
    ASSERT_TRUE(fs::is_directory(root)) << root;
    std::size_t compared = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const std::string path = entry.path().string();
        const CaptureFileReader probe(path);
        if (probe.format() == CaptureFormat::Pcapng) {
            continue;  // our own reader by design (libpcap refuses some of them)
        }
        expect_parity(path);
        ++compared;
    }
    EXPECT_GE(compared, 100U) << "the corpus holds about 150 classic pcap captures";
}

TEST(CaptureLibpcapParity, ByteOrdersResolutionsAndSignedTimeFields) {
    for (const bool be : {false, true}) {
        for (const bool ns : {false, true}) {
            PcapWriter w(be, ns, 65535, 1);
            w.record(1'700'000'000, ns ? 999'999'999U : 999'999U, pattern(60, 1));
            w.record(0x80000000U, 5, pattern(61, 2));  // tv_sec with the sign bit set
            w.record(7, ns ? 0xfffffff0U : 2'500'000U, pattern(62, 3));  // out-of-range fraction
            w.record(0xffffffffU, 0xffffffffU, pattern(63, 4));
            w.record(0, 0, Bytes{});  // empty record
            expect_parity(w.data(), "orders.pcap");
        }
    }
}

TEST(CaptureLibpcapParity, SnapshotLengthRules) {
    for (const bool be : {false, true}) {
        {  // caplen above the snaplen but within the maximum: cut, the rest skipped
            PcapWriter w(be, false, 100, 1);
            w.record(1, 0, pattern(300, 1), 300).record(2, 0, pattern(80, 2), 9000);
            w.record(3, 0, pattern(100, 3));
            expect_parity(w.data(), "snap.pcap");
        }
        {  // caplen larger than the wire length: kept as it is
            PcapWriter w(be, false, 65535, 1);
            w.record(1, 0, pattern(200, 1), 50);
            expect_parity(w.data(), "caplen_gt_len.pcap");
        }
        {  // above the maximum (262144) and the snaplen / above the maximum only
            PcapWriter w(be, false, 65535, 1);
            w.record(1, 0, pattern(10, 1)).record(2, 0, pattern(10, 2), 10, 300'000);
            expect_parity(w.data(), "huge1.pcap");
            PcapWriter x(be, false, 0x7fffffff, 1);
            x.record(1, 0, pattern(10, 1)).record(2, 0, pattern(10, 2), 10, 262'145);
            expect_parity(x.data(), "huge2.pcap");
        }
        {  // snaplen 0 and above INT_MAX mean the link type's maximum
            for (const std::uint32_t snap : {0U, 0x80000000U}) {
                PcapWriter w(be, false, snap, 1);
                w.record(1, 0, pattern(70'000, 1)).record(2, 0, pattern(262'144, 2));
                expect_parity(w.data(), "snap0.pcap");
            }
        }
        {  // D-Bus allows records of up to 128 MiB
            PcapWriter w(be, false, 0, 231);
            w.record(1, 0, pattern(3'000'000, 1)).record(2, 0, pattern(20, 2));
            expect_parity(w.data(), "dbus.pcap");
        }
    }
}

TEST(CaptureLibpcapParity, TruncatedFiles) {
    PcapWriter w(false, false, 100, 1);
    w.record(1, 0, pattern(60, 1)).record(2, 0, pattern(300, 2), 300);
    const std::size_t full = w.size();
    for (std::size_t cut = 24; cut < full; ++cut) {
        Bytes d = w.data();
        d.resize(cut);
        expect_parity(d, "cut.pcap");
    }
    for (std::size_t cut = 0; cut < 24; ++cut) {
        Bytes d = w.data();
        d.resize(cut);
        expect_parity(d, "cut_header.pcap");
    }
}

TEST(CaptureLibpcapParity, VariantsStillReadThroughLibpcap) {
    for (const bool be : {false, true}) {
        // Version 2.3 (lengths maybe swapped) and 2.2 (swapped): libpcap swaps them back.
        for (const std::uint16_t minor : {2, 3}) {
            Bytes d = header(be, 0xa1b2c3d4U, 2, minor, 65535, 1);
            add_record(d, be, 1, 2, 60, 40, pattern(60, 1));
            add_record(d, be, 3, 4, 40, 60, pattern(60, 2));
            expect_parity(d, "v2x.pcap");
        }
        // Linux cooked capture: libpcap rewrites the pseudo-header of a byte-swapped file.
        Bytes sll = header(be, 0xa1b2c3d4U, 2, 4, 65535, 113);
        Bytes frame = pattern(40, 5);
        frame[14] = 0x00;
        frame[15] = 0x0c;  // LINUX_SLL_P_CAN
        add_record(sll, be, 1, 0, 40, 40, frame);
        expect_parity(sll, "sll.pcap");
        // Kuznetzov's patched record headers (24 bytes).
        Bytes kuz = header(be, 0xa1b2cd34U, 2, 4, 65535, 1);
        ByteWriter r(be);
        r.u32(1).u32(2).u32(30).u32(30).u32(0).u16(0).u8(0).u8(0).bytes(pattern(30, 6));
        kuz.insert(kuz.end(), r.data().begin(), r.data().end());
        expect_parity(kuz, "kuznetzov.pcap");
    }
}

TEST(CaptureLibpcapParity, RecordsAcrossReadBlocks) {
    // 5.6 MB of small and large records: several 1 MiB read blocks, records straddling them.
    PcapWriter w(true, true, 262144, 1);
    for (std::uint32_t i = 0; i < 40'000; ++i) {
        const std::size_t n = i % 1000 == 999 ? 200'000 : 40 + i % 100;
        w.record(i, i * 3, pattern(n, static_cast<std::uint8_t>(i)));
    }
    expect_parity(w.data(), "blocks.pcap");
    Bytes cut = w.data();
    cut.resize(cut.size() - 100);
    expect_parity(cut, "blocks_cut.pcap");
}

TEST(CaptureLibpcapParity, FifoInput) {
    PcapWriter w(false, false, 262144, 1);
    for (std::uint32_t i = 0; i < 20'000; ++i) {
        w.record(i, 0, pattern(i % 50 == 0 ? 70'000 : 100, static_cast<std::uint8_t>(i)));
    }
    const TempFile reference("fifo_ref.pcap", w.data());
    const Reading want = read_libpcap(reference.path());

    const std::string fifo = reference.path() + ".fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] {
        std::FILE* f = std::fopen(fifo.c_str(), "wb");
        if (f != nullptr) {
            std::fwrite(w.data().data(), 1, w.size(), f);
            std::fclose(f);
        }
    });
    const Reading got = read_ours(fifo);
    writer.join();
    ::unlink(fifo.c_str());
    EXPECT_TRUE(got.error.empty()) << got.error;
    ASSERT_EQ(got.frames.size(), want.frames.size());
    for (std::size_t i = 0; i < want.frames.size(); ++i) {
        ASSERT_TRUE(got.frames[i] == want.frames[i]) << "frame " << i;
    }
}

}  // namespace
}  // namespace fm::capture
