// SPDX-License-Identifier: BSD-3-Clause
// Every file under $FM_SHARED_DIR/pcaps (all folders, malformed/ and eval/ included, found by
// walking the tree) is read and decoded in both decoder modes without a crash (this suite runs
// under ASan/UBSan in CI), every failure is a one-line message naming the file, and the known
// damaged or unusual captures end the way the corpus notes say they do.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "decode/decoder.hpp"
#include "shared_dir.hpp"

namespace fm::capture {
namespace {

namespace fs = std::filesystem;

struct Outcome {
    bool opened = false;
    std::uint64_t packets = 0;
    std::string error;
};

std::string pcaps_root() {
    const fs::path d = test_support::shared_dir();
    return d.empty() ? std::string() : (d / "pcaps").string();
}

bool is_capture_name(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".pcap" || ext == ".pcapng" || ext == ".cap";
}

/// Reads the whole file, decoding every frame with an IPv4-only and a full (tunnels on) decoder.
Outcome read_and_decode(const std::string& path) {
    CaptureFileReader reader(path);
    Outcome o;
    o.opened = reader.is_open();
    config::DecodeConfig v4;
    v4.ipv6 = false;
    config::DecodeConfig full;
    full.ipv6 = true;
    full.tunnels = true;
    decode::Decoder d4(v4);
    decode::Decoder dfull(full);
    RawBatch batch;
    decode::PacketMeta meta;
    std::uint64_t frames = 0;
    while (std::size_t n = reader.next_batch(batch)) {
        for (std::size_t i = 0; i < n; ++i) {
            const RawPacketView& v = batch.packets[i];
            for (decode::Decoder* d : {&d4, &dfull}) {
                if (d->decode(v, meta) == decode::DecodeStatus::Ok) {
                    // Nothing decoded may claim more payload than was captured.
                    EXPECT_LE(meta.payload_len, v.cap_len) << path;
                    EXPECT_LE(meta.frame_payload_len, v.cap_len) << path;
                    EXPECT_EQ(meta.ts_us, v.ts_us);
                    if (!meta.is_ipv6()) {
                        EXPECT_TRUE(std::all_of(meta.src_ip.begin() + 4, meta.src_ip.end(),
                                                [](std::uint8_t b) { return b == 0; }));
                    }
                }
            }
            ++frames;
        }
    }
    EXPECT_TRUE(reader.at_end()) << path;
    EXPECT_EQ(reader.packets_read(), frames) << path;
    EXPECT_EQ(d4.counters().total(), frames) << path;
    EXPECT_EQ(dfull.counters().total(), frames) << path;
    o.packets = frames;
    o.error = reader.error();
    return o;
}

TEST(CaptureCorpus, EveryFileReadsAndDecodesWithoutCrash) {
    const std::string root = pcaps_root();
    ASSERT_FALSE(root.empty()) << "FM_SHARED_DIR is not set: the reference captures are needed";
    ASSERT_TRUE(fs::is_directory(root)) << root << " is missing";

    std::map<std::string, Outcome> results;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const std::string path = entry.path().string();
        const Outcome o = read_and_decode(path);
        if (!o.error.empty()) {
            EXPECT_EQ(o.error.rfind(path + ": ", 0), 0U) << "error must name the file: " << o.error;
            EXPECT_EQ(o.error.find('\n'), std::string::npos) << o.error;
        }
        if (is_capture_name(entry.path())) {
            results[fs::relative(entry.path(), root).string()] = o;
        }
    }
    ASSERT_GE(results.size(), 170U) << "the corpus holds 173 captures";

    // Captures that libpcap (or our pcapng reader) refuses outright.
    for (const char* p :
         {"malformed/pcap-invalid-version-1.pcap", "malformed/pcap-invalid-version-2.pcap",
          "malformed/pcapng-invalid-vers-1.pcapng", "malformed/pcapng-invalid-vers-2.pcapng",
          "malformed/shb-option-too-long.pcapng"}) {
        ASSERT_TRUE(results.count(p)) << p;
        EXPECT_FALSE(results[p].opened) << p;
        EXPECT_EQ(results[p].packets, 0U) << p;
    }
    EXPECT_NE(results["malformed/pcap-invalid-version-2.pcap"].error.find(
                  "unsupported pcap savefile version 2.5"),
              std::string::npos);
    EXPECT_NE(results["malformed/pcapng-invalid-vers-1.pcapng"].error.find("version 0.1"),
              std::string::npos);

    // Damaged mid-file: the frames before the damage, then an error with its byte offset.
    const Outcome& mid = results["malformed/truncated-mid-packet.DERIVED.pcap"];
    EXPECT_EQ(mid.packets, 8U);
    EXPECT_NE(mid.error.find("damaged at byte offset 4074: truncated dump file; tried to read "
                             "522 captured bytes, only got 200"),
              std::string::npos)
        << mid.error;
    const Outcome& fuzz = results["malformed/fuzz-2021-10-13.pcap"];
    EXPECT_EQ(fuzz.packets, 1U);
    EXPECT_NE(fuzz.error.find("byte offset 237"), std::string::npos) << fuzz.error;

    // pcapng files libpcap 1.10 refuses (interfaces differ in link type or snaplen).
    EXPECT_EQ(results["pcapng/pcapng-example.pcapng"].packets, 159U);
    EXPECT_EQ(results["pcapng/many_interfaces-1.pcapng"].packets, 64U);
    EXPECT_EQ(results["pcapng/too_many_interfaces.pcapng"].packets, 1U);
    EXPECT_EQ(results["malformed/ipv4-malformed.pcap"].packets, 2U);
    for (const char* p : {"pcapng/pcapng-example.pcapng", "pcapng/many_interfaces-1.pcapng",
                          "pcapng/too_many_interfaces.pcapng", "pcapng/empty.pcapng",
                          "pcapng/time_2106_overflow.pcapng"}) {
        EXPECT_TRUE(results[p].opened) << p;
        EXPECT_TRUE(results[p].error.empty()) << results[p].error;
    }
    // Extensions lie: pcapng content under .pcap names and the reverse.
    EXPECT_EQ(results["udp/wg.pcap"].packets, 628U);
    EXPECT_EQ(results["large/amp.UDP.bacnet.IOT.37810.pcapng"].packets, 9617U);
    EXPECT_EQ(results["large/echo-connections.pcap"].packets, 82582U);
}

}  // namespace
}  // namespace fm::capture
