// SPDX-License-Identifier: BSD-3-Clause
// Hostile variants of every capture in the reference data (../shared/pcaps), each read by the
// program's own path (daemon::run_to_end: capture file reader, decoder, dispatcher, two
// workers, writer; in process) and by the single-threaded oracle (tests/support/reference_run).
// Variants, seeded per file: cut at a random offset; bit flips in the file header and in record
// or block headers; record lengths 0 and 2^32-1; snapshot length 0; link types out of range;
// pcapng blocks whose total length lies (too small, too large, unaligned, mismatched trailer).
// Each variant must end cleanly with at most one error line naming the file, write every row
// its flows made (rows written = rows the engines emitted = the oracle's rows for the same
// bytes), and a cut classic pcap must yield exactly the records before the cut. A crash or a
// hang fails the test (the sanitizer builds run it too; meson's timeout bounds it).
// Only the first kPrefixBytes of each capture are used: the variants damage headers, and the
// run time under ASan must stay bounded.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/run.hpp"
#include "reference_run.hpp"
#include "shared_dir.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kPrefixBytes = 48 * 1024;

Bytes read_prefix(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    Bytes b(kPrefixBytes);
    in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
    b.resize(static_cast<std::size_t>(in.gcount()));
    return b;
}

struct Format {
    bool pcapng = false;
    bool swapped = false;  ///< fields in the other byte order than this machine's
};

std::uint32_t get32(const Bytes& b, std::size_t at, bool swapped) {
    std::uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

void put32(Bytes& b, std::size_t at, std::uint32_t v, bool swapped) {
    if (at + 4 > b.size()) {
        return;
    }
    v = swapped ? __builtin_bswap32(v) : v;
    std::memcpy(b.data() + at, &v, 4);
}

void put16(Bytes& b, std::size_t at, std::uint16_t v, bool swapped) {
    if (at + 2 > b.size()) {
        return;
    }
    v = swapped ? __builtin_bswap16(v) : v;
    std::memcpy(b.data() + at, &v, 2);
}

Format format_of(const Bytes& b) {
    Format f;
    if (b.size() < 12) {
        return f;
    }
    const std::uint32_t magic = get32(b, 0, false);
    if (magic == 0x0A0D0D0A) {
        f.pcapng = true;
        f.swapped = get32(b, 8, false) != 0x1A2B3C4D;
    } else {
        f.swapped = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
    }
    return f;
}

/// Offsets of the record headers (classic pcap) or blocks (pcapng) that lie wholly inside b.
std::vector<std::size_t> units(const Bytes& b, const Format& f) {
    std::vector<std::size_t> out;
    std::size_t at = f.pcapng ? 0 : 24;
    while (at + (f.pcapng ? 12 : 16) <= b.size()) {
        const std::uint32_t len =
            f.pcapng ? get32(b, at + 4, f.swapped) : 16 + get32(b, at + 8, f.swapped);
        if (len < 12 || len > b.size() - at) {
            break;
        }
        out.push_back(at);
        at += len;
    }
    return out;
}

/// Records of a classic pcap that end at or before `cut`.
std::uint64_t whole_records_before(const Bytes& original, const Format& f, std::size_t cut) {
    std::uint64_t n = 0;
    for (std::size_t at : units(original, f)) {
        if (at + 16 + get32(original, at + 8, f.swapped) <= cut) {
            ++n;
        }
    }
    return n;
}

struct Variant {
    std::string name;
    Bytes bytes;
    std::int64_t expect_frames = -1;  ///< exact frame count when known, else -1
};

std::vector<Variant> variants_of(const Bytes& original, std::mt19937_64& rng) {
    const Format f = format_of(original);
    const std::vector<std::size_t> u = units(original, f);
    auto pick = [&](std::size_t n) {
        return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1));
    };
    std::vector<Variant> out;
    // A copy of the original with one field of the file's byte order set to `value`.
    const auto with32 = [&](std::string name, std::size_t at, std::uint32_t value) {
        Variant v{std::move(name), original};
        put32(v.bytes, at, value, f.swapped);
        out.push_back(std::move(v));
    };

    const std::size_t cut = 1 + pick(original.size());
    Variant trunc{"cut at byte " + std::to_string(cut),
                  Bytes(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(cut))};
    if (!f.pcapng && cut >= 24) {
        trunc.expect_frames = static_cast<std::int64_t>(whole_records_before(original, f, cut));
    }
    out.push_back(std::move(trunc));

    Variant header{"file header bit flips", original};
    for (int i = 0; i < 3; ++i) {
        const std::size_t at = pick(std::min<std::size_t>(header.bytes.size(), 28));
        header.bytes[at] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
    }
    out.push_back(std::move(header));

    if (!u.empty()) {
        Variant unit{"record/block header bit flips", original};
        for (int i = 0; i < 4; ++i) {
            const std::size_t at = u[pick(u.size())] + pick(16);
            if (at < unit.bytes.size()) {
                unit.bytes[at] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
            }
        }
        out.push_back(std::move(unit));
    }

    if (!f.pcapng) {
        if (!u.empty()) {
            const std::size_t r = u[pick(u.size())];
            with32("record length 0", r + 8, 0);
            with32("record length 2^32-1", r + 8, 0xFFFFFFFFU);
            with32("original length below captured", r + 12, 0);
        }
        with32("snapshot length 0", 16, 0);
        for (std::uint32_t link :
             {0xFFFFU, 0x0FFFFFFFU, 300U + static_cast<std::uint32_t>(pick(60000))}) {
            with32("link type " + std::to_string(link), 20, link);
        }
        return out;
    }

    // pcapng: lying block lengths, interface descriptions out of range, packet lengths.
    for (std::size_t at : u) {
        const std::uint32_t type = get32(original, at, f.swapped);
        const std::uint32_t len = get32(original, at + 4, f.swapped);
        if (type == 1 && out.size() < 12) {  // Interface Description Block
            Variant lt{"IDB link type 0xFFFF", original};
            put16(lt.bytes, at + 8, 0xFFFF, f.swapped);
            out.push_back(std::move(lt));
            with32("IDB snapshot length 0", at + 12, 0);
        }
        if (type == 6 && out.size() < 16) {  // Enhanced Packet Block
            with32("EPB captured length 0", at + 20, 0);
            with32("EPB captured length 2^32-1", at + 20, 0xFFFFFFFFU);
            with32("EPB interface 65535", at + 8, 0xFFFF);
        }
        static_cast<void>(len);
    }
    for (std::uint32_t lie : {0U, 8U, 13U, 0xFFFFFFFCU, 0x01000004U}) {
        if (u.empty()) {
            break;
        }
        const std::size_t at = u[pick(u.size())];
        with32("block length " + std::to_string(lie), at + 4, lie);
    }
    if (!u.empty()) {
        const std::size_t at = u[pick(u.size())];
        Variant v{"block trailer length mismatch", original};
        const std::uint32_t len = get32(original, at + 4, f.swapped);
        put32(v.bytes, at + len - 4, len + 4, f.swapped);
        out.push_back(std::move(v));
    }
    return out;
}

void write_bytes(const std::string& path, const Bytes& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bool one_line_naming(const std::string& error, const std::string& path) {
    return !error.empty() && error.find('\n') == std::string::npos &&
           error.find(path) != std::string::npos;
}

struct Tally {
    std::atomic<std::size_t> runs{0};
    std::atomic<std::size_t> with_error{0};
};

/// All variants of one capture, through the program's path and the oracle.
void run_variants(const fs::path& capture, std::size_t seed, const std::string& input,
                  const std::string& csv, Tally& tally) {
    constexpr Profile kProfiles[] = {Profile::Fixed, Profile::V4, Profile::Cic2018,
                                     Profile::Cic2017};
    const Bytes original = read_prefix(capture);
    // Seeded by the file's place in the sorted list: the same variants on every run.
    std::mt19937_64 rng(0xB0057 + seed);
    for (const Variant& v : variants_of(original, rng)) {
        SCOPED_TRACE(capture.string() + ": " + v.name);
        write_bytes(input, v.bytes);
        config::DaemonConfig cfg;
        cfg.capture.files = {input};
        cfg.flow.profile = kProfiles[seed % 4];
        cfg.flow.max_flows = 1 << 14;
        cfg.decode.tunnels = (seed % 3) == 0;
        cfg.pipeline.workers = 2;
        cfg.pipeline.queue_capacity = 1024;
        cfg.output.file = csv;
        cfg.output.fsync = false;
        fs::remove(csv);
        const test_support::ReferenceRows oracle = test_support::reference_run(cfg, input);
        ++tally.runs;
        daemon::PipelineResult r;
        try {
            r = daemon::run_to_end(cfg);
        } catch (const daemon::PipelineError& e) {
            // Not readable as a capture at all: the run refuses to start, naming the file and
            // why (one line per file after the summary line), and nothing is read.
            const std::string what = e.what();
            EXPECT_NE(what.find(input + ": "), std::string::npos) << what;
            EXPECT_EQ(oracle.frames, 0U);
            ++tally.with_error;
            continue;
        }
        EXPECT_EQ(r.capture_error, "");
        ASSERT_LE(r.source_errors.size(), 1U);
        if (!r.source_errors.empty()) {
            ++tally.with_error;
            EXPECT_TRUE(one_line_naming(r.source_errors[0], input)) << r.source_errors[0];
        }
        EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
        EXPECT_EQ(r.stats.packets_read, oracle.frames);
        if (v.expect_frames >= 0) {
            EXPECT_EQ(r.stats.packets_read, static_cast<std::uint64_t>(v.expect_frames));
        }
        std::vector<std::string> rows;
        if (fs::exists(csv)) {
            rows = test_support::split_lines(test_support::read_file(csv));
            if (!rows.empty()) {
                rows.erase(rows.begin());  // header
            }
        }
        EXPECT_EQ(rows.size(), r.writer.rows_written);
        std::vector<std::string> want = oracle.lines;
        std::sort(rows.begin(), rows.end());
        std::sort(want.begin(), want.end());
        EXPECT_TRUE(rows == want) << rows.size() << " rows written, oracle " << want.size();
    }
}

TEST(HostileCaptures, EveryVariantEndsCleanlyAndWritesItsFlows) {
    const std::vector<fs::path> captures = test_support::shared_capture_files();
    ASSERT_GT(captures.size(), 10U) << "the reference captures are missing";
    const test_support::TempDir dir("fm-hostile");
    Tally tally;
    std::atomic<std::size_t> next{0};
    std::size_t files = 0;
    for (const fs::path& c : captures) {
        const std::string ext = c.extension().string();
        files += ext == ".pcap" || ext == ".pcapng" || ext == ".cap" ? 1 : 0;
    }
    // A run spends most of its wall time in the pipeline's hand-offs between threads, not on
    // a CPU: a few runs at a time keep the test short on a small machine.
    constexpr int kParallel = 4;
    std::vector<std::thread> threads;
    for (int t = 0; t < kParallel; ++t) {
        threads.emplace_back([&, t] {
            const std::string input = dir.file("hostile-" + std::to_string(t) + ".pcap");
            const std::string csv = dir.file("flows-" + std::to_string(t) + ".csv");
            for (std::size_t i = next++; i < captures.size(); i = next++) {
                const std::string ext = captures[i].extension().string();
                if (ext == ".pcap" || ext == ".pcapng" || ext == ".cap") {
                    run_variants(captures[i], i, input, csv, tally);
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    ASSERT_GT(files, 10U);
    // The variants must actually be hostile: many of them end in an error.
    EXPECT_GT(tally.with_error.load(), tally.runs.load() / 4)
        << tally.with_error.load() << " of " << tally.runs.load() << " runs reported an error";
    std::printf("%zu hostile variants of %zu captures, %zu with an error\n", tally.runs.load(),
                files, tally.with_error.load());
}

}  // namespace
}  // namespace fm
