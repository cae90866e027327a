// SPDX-License-Identifier: BSD-3-Clause
// RotatingCsvWriter: files appear as .partial and are renamed when complete; rotation by rows,
// bytes and age (injected clocks); header in every file; keep_files; rotate() for SIGHUP; the
// ENOSPC path through the fault hook (whole rows only, nothing lost or doubled); a file removed
// while open is written again; an unusable directory is an OutputError at construction.
#include "output/rotating_csv_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::output {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kHeader = "Flow ID,Src IP,Label\n";

using test_support::read_file;
using test_support::TempDir;

/// Manually advanced clocks: wall time names files, monotonic time measures the interval.
struct FakeClock {
    std::chrono::system_clock::time_point wall =
        std::chrono::system_clock::time_point{} + 1'700'000'000s;  // 2023-11-14T22:13:20Z
    std::chrono::steady_clock::time_point mono{};

    WriterClock clock() {
        return WriterClock{[this] { return wall; },
                           [this] {
                               return mono;
                           }};
    }
    void advance(std::chrono::seconds s) {
        wall += s;
        mono += s;
    }
};

std::string rows_text(int from, int to) {
    std::string s;
    for (int i = from; i < to; ++i) {
        s += "row-" + std::to_string(i) + ",10.0.0.1,BENIGN\n";
    }
    return s;
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir)) {
        v.push_back(e.path().filename().string());
    }
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::string> complete_files(const std::string& dir) {
    std::vector<std::string> v;
    for (const std::string& n : names_in(dir)) {
        if (n.ends_with(".csv")) {
            v.push_back(n);
        }
    }
    return v;
}

/// All rows of all complete files in name order, each file checked to start with the header.
std::string all_rows(const std::string& dir) {
    std::string rows;
    for (const std::string& n : complete_files(dir)) {
        const std::string text = read_file(fs::path(dir) / n);
        EXPECT_TRUE(text.starts_with(kHeader)) << n;
        rows += text.substr(std::string(kHeader).size());
    }
    return rows;
}

config::OutputConfig rotating_in(const std::string& dir) {
    config::OutputConfig c;
    c.directory = dir;
    c.file_prefix = "flows";
    c.rotate_max_bytes = 0;
    c.rotate_interval_s = 0;
    c.rotate_max_rows = 0;
    c.fsync = false;  // tmpfs or not, fsync only makes the tests slow
    return c;
}

TEST(RotatingCsvWriter, PartialWhileOpenThenRenamed) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
    EXPECT_TRUE(names_in(dir.path()).empty()) << "a file was opened before the first row";

    const std::string rows = rows_text(0, 3);
    const WriteStatus st = w.write_rows(rows, 3);
    EXPECT_EQ(st.error, 0);
    EXPECT_EQ(st.rows, 3u);
    EXPECT_EQ(st.bytes, rows.size());
    EXPECT_EQ(names_in(dir.path()),
              std::vector<std::string>{"flows-20231114T221320Z-0.csv.partial"});
    EXPECT_EQ(read_file(w.partial_path()), kHeader + rows);

    EXPECT_EQ(w.close(), 0);
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"flows-20231114T221320Z-0.csv"});
    EXPECT_EQ(read_file(fs::path(dir.path()) / "flows-20231114T221320Z-0.csv"), kHeader + rows);
    EXPECT_EQ(w.files_closed(), 1u);
}

TEST(RotatingCsvWriter, NoRowsNoFile) {
    TempDir dir;
    {
        RotatingCsvWriter w(rotating_in(dir.path()), kHeader);
        EXPECT_EQ(w.close(), 0);
        EXPECT_EQ(w.rotate(), 0);
    }
    EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(RotatingCsvWriter, HeaderGetsItsNewline) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), "a,b", clk.clock());
    ASSERT_EQ(w.write_rows("1,2\n", 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(read_file(w.last_closed_path()), "a,b\n1,2\n");
}

TEST(RotatingCsvWriter, RotatesByRowsInsideOneWrite) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.rotate_max_rows = 3;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    const std::string rows = rows_text(0, 7);
    const WriteStatus st = w.write_rows(rows, 7);
    EXPECT_EQ(st.error, 0);
    EXPECT_EQ(st.rows, 7u);
    // two full files were closed on the spot; the third (1 row) is still open
    EXPECT_EQ(
        complete_files(dir.path()),
        (std::vector<std::string>{"flows-20231114T221320Z-0.csv", "flows-20231114T221320Z-1.csv"}));
    ASSERT_EQ(w.close(), 0);
    const std::vector<std::string> files = complete_files(dir.path());
    ASSERT_EQ(files.size(), 3u);
    EXPECT_EQ(files[2], "flows-20231114T221320Z-2.csv");
    EXPECT_EQ(read_file(fs::path(dir.path()) / files[0]), kHeader + rows_text(0, 3));
    EXPECT_EQ(read_file(fs::path(dir.path()) / files[1]), kHeader + rows_text(3, 6));
    EXPECT_EQ(read_file(fs::path(dir.path()) / files[2]), kHeader + rows_text(6, 7));
}

TEST(RotatingCsvWriter, RotatesByBytesAtRowBoundaries) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    const std::size_t row_len = rows_text(0, 1).size();  // "row-0,..." (later rows are longer)
    cfg.rotate_max_bytes = std::string(kHeader).size() + 5 * row_len;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    std::string expected;
    for (int i = 0; i < 40; i += 4) {  // chunks of 4 rows
        const std::string chunk = rows_text(i, i + 4);
        expected += chunk;
        const WriteStatus st = w.write_rows(chunk, 4);
        ASSERT_EQ(st.error, 0);
        ASSERT_EQ(st.bytes, chunk.size());
    }
    ASSERT_EQ(w.close(), 0);
    const std::vector<std::string> files = complete_files(dir.path());
    EXPECT_GT(files.size(), 8u);
    for (const std::string& n : files) {
        const std::string text = read_file(fs::path(dir.path()) / n);
        EXPECT_LE(text.size(), cfg.rotate_max_bytes) << n;
        EXPECT_EQ(text.back(), '\n') << n;
    }
    EXPECT_EQ(all_rows(dir.path()), expected);
}

TEST(RotatingCsvWriter, RowLongerThanTheLimitGetsAFileOfItsOwn) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.rotate_max_bytes = 64;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    const std::string small = "s1\n";
    const std::string big = std::string(100, 'x') + "\n";
    ASSERT_EQ(w.write_rows(small, 1).error, 0);
    ASSERT_EQ(w.write_rows(big, 1).error, 0);
    ASSERT_EQ(w.write_rows(small, 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    const std::vector<std::string> files = complete_files(dir.path());
    ASSERT_EQ(files.size(), 3u);
    EXPECT_EQ(read_file(fs::path(dir.path()) / files[1]), kHeader + big);
    EXPECT_EQ(all_rows(dir.path()), small + big + small);
}

TEST(RotatingCsvWriter, RotatesByInterval) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.rotate_interval_s = 60;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 2), 2).error, 0);
    clk.advance(59s);
    EXPECT_EQ(w.tick(), 0);
    EXPECT_TRUE(complete_files(dir.path()).empty());
    clk.advance(1s);
    EXPECT_EQ(w.tick(), 0);  // 60 s since the file was opened
    EXPECT_EQ(complete_files(dir.path()), std::vector<std::string>{"flows-20231114T221320Z-0.csv"});
    EXPECT_TRUE(w.partial_path().empty());

    clk.advance(30s);
    ASSERT_EQ(w.write_rows(rows_text(2, 3), 1).error, 0);  // opens a file named at 22:14:50
    clk.advance(70s);
    // age is checked on write too: this row goes to a new file
    ASSERT_EQ(w.write_rows(rows_text(3, 4), 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(
        complete_files(dir.path()),
        (std::vector<std::string>{"flows-20231114T221320Z-0.csv", "flows-20231114T221450Z-0.csv",
                                  "flows-20231114T221600Z-0.csv"}));
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 4));
}

TEST(RotatingCsvWriter, RotateClosesTheCurrentFile) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 1), 1).error, 0);
    EXPECT_EQ(w.rotate(), 0);  // SIGHUP
    EXPECT_EQ(complete_files(dir.path()).size(), 1u);
    EXPECT_EQ(w.rotate(), 0);  // nothing open: nothing happens
    EXPECT_EQ(complete_files(dir.path()).size(), 1u);
    ASSERT_EQ(w.write_rows(rows_text(1, 2), 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(
        complete_files(dir.path()),
        (std::vector<std::string>{"flows-20231114T221320Z-0.csv", "flows-20231114T221320Z-1.csv"}));
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 2));
}

TEST(RotatingCsvWriter, NamesAreUniqueAcrossRestarts) {
    TempDir dir;
    FakeClock clk;
    for (int run = 0; run < 2; ++run) {
        RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
        ASSERT_EQ(w.write_rows(rows_text(run, run + 1), 1).error, 0);
        ASSERT_EQ(w.close(), 0);
    }
    EXPECT_EQ(
        complete_files(dir.path()),
        (std::vector<std::string>{"flows-20231114T221320Z-0.csv", "flows-20231114T221320Z-1.csv"}));
    const std::regex pattern(R"(flows-\d{8}T\d{6}Z-\d+\.csv)");
    for (const std::string& n : complete_files(dir.path())) {
        EXPECT_TRUE(std::regex_match(n, pattern)) << n;
    }
}

TEST(RotatingCsvWriter, KeepFilesDeletesTheOldestOfItsPrefixOnly) {
    TempDir dir;
    FakeClock clk;
    const fs::path d = dir.path();
    // files of an earlier run (older stamps) and files that are not ours
    std::ofstream(d / "flows-20200101T000000Z-0.csv") << kHeader;
    std::ofstream(d / "flows-20200101T000000Z-10.csv") << kHeader;
    std::ofstream(d / "flows-20200101T000000Z-9.csv") << kHeader;
    std::ofstream(d / "other-20100101T000000Z-0.csv") << kHeader;
    std::ofstream(d / "flows-notes.csv") << "keep me";
    // an unfinished file with the header only: crash recovery removes it (no row in it)
    std::ofstream(d / "flows-20190101T000000Z-0.csv.partial") << kHeader;

    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.keep_files = 2;
    cfg.rotate_max_rows = 1;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    // applied at start already: the two newest of the old ones remain (seq compared as numbers)
    EXPECT_EQ(
        complete_files(dir.path()),
        (std::vector<std::string>{"flows-20200101T000000Z-10.csv", "flows-20200101T000000Z-9.csv",
                                  "flows-notes.csv", "other-20100101T000000Z-0.csv"}));
    ASSERT_EQ(w.write_rows(rows_text(0, 3), 3).error, 0);  // three files of one row
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(
        names_in(dir.path()),
        (std::vector<std::string>{"flows-20231114T221320Z-1.csv", "flows-20231114T221320Z-2.csv",
                                  "flows-notes.csv", "other-20100101T000000Z-0.csv"}));
}

TEST(RotatingCsvWriter, EnospcWritesNothingAndRetryLosesNothing) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 2), 2).error, 0);

    w.inject_write_error_for_test(ENOSPC);
    const std::string batch = rows_text(2, 5);
    WriteStatus st = w.write_rows(batch, 3);
    EXPECT_EQ(st.error, ENOSPC);
    EXPECT_EQ(st.rows, 0u);
    EXPECT_EQ(st.bytes, 0u);
    EXPECT_NE(w.last_error().find("No space left on device"), std::string::npos) << w.last_error();
    EXPECT_NE(w.last_error().find(".csv.partial"), std::string::npos) << w.last_error();

    w.inject_write_error_for_test(0);
    st = w.write_rows(batch, 3);
    EXPECT_EQ(st.error, 0);
    EXPECT_EQ(st.rows, 3u);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 5));
}

TEST(RotatingCsvWriter, PartialWriteIsCutBackToWholeRows) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 1), 1).error, 0);
    const std::string batch = rows_text(1, 4);
    const std::size_t one_and_a_half = rows_text(1, 2).size() + 5;
    w.inject_write_error_for_test(ENOSPC, one_and_a_half);
    const WriteStatus st = w.write_rows(batch, 3);
    EXPECT_EQ(st.error, ENOSPC);
    EXPECT_EQ(st.rows, 0u);  // a chunk is written with one call: all of it or none
    EXPECT_EQ(read_file(w.partial_path()), kHeader + rows_text(0, 1)) << "partial row left behind";
    w.inject_write_error_for_test(0);
    const WriteStatus again = w.write_rows(batch, 3);
    EXPECT_EQ(again.error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 4));
}

TEST(RotatingCsvWriter, ErrorAfterARotationReportsTheRowsThatMadeIt) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.rotate_max_rows = 2;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    const std::string header_and_two = kHeader + rows_text(0, 2);
    // the first file (header + 2 rows) gets written, creating the second one fails
    w.inject_write_error_for_test(ENOSPC, header_and_two.size());
    const std::string batch = rows_text(0, 5);
    const WriteStatus st = w.write_rows(batch, 5);
    EXPECT_EQ(st.error, ENOSPC);
    EXPECT_EQ(st.rows, 2u);
    EXPECT_EQ(st.bytes, rows_text(0, 2).size());
    w.inject_write_error_for_test(0);
    const WriteStatus rest = w.write_rows(std::string_view(batch).substr(st.bytes), 5 - st.rows);
    EXPECT_EQ(rest.error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 5));
}

TEST(RotatingCsvWriter, FileRemovedWhileOpenIsWrittenAgain) {
    TempDir dir;
    FakeClock clk;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 3), 3).error, 0);
    ASSERT_EQ(fs::remove(w.partial_path()), true);
    EXPECT_EQ(w.tick(), 0);
    EXPECT_TRUE(fs::exists(w.partial_path()));
    ASSERT_EQ(w.write_rows(rows_text(3, 4), 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 4));
}

TEST(RotatingCsvWriter, DirectoryRemovedWhileOpenIsRecreated) {
    TempDir dir;
    FakeClock clk;
    const std::string out = dir.file("out");
    RotatingCsvWriter w(rotating_in(out), kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 2), 2).error, 0);
    fs::remove_all(out);
    ASSERT_EQ(w.write_rows(rows_text(2, 3), 1).error, 0);  // still goes to the open descriptor
    ASSERT_EQ(w.close(), 0);  // finds the name gone, recreates directory and file, renames
    EXPECT_EQ(all_rows(out), rows_text(0, 3));
    ASSERT_EQ(w.write_rows(rows_text(3, 4), 1).error, 0);
    fs::remove_all(out);
    ASSERT_EQ(w.rotate(), 0);
    ASSERT_EQ(w.write_rows(rows_text(4, 5), 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(out), rows_text(3, 5));
}

TEST(RotatingCsvWriter, UnusableDirectoryIsAnOutputError) {
    TempDir dir;
    const std::string file = dir.file("plain-file");
    std::ofstream(file) << "x";
    try {
        RotatingCsvWriter w(rotating_in(file + "/sub"), kHeader);
        FAIL() << "accepted a directory below a regular file";
    } catch (const OutputError& e) {
        EXPECT_EQ(e.error(), ENOTDIR);
        EXPECT_NE(std::string(e.what()).find("output.directory \"" + file + "/sub\""),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
    }
    try {
        RotatingCsvWriter w(rotating_in(file), kHeader);
        FAIL() << "accepted a regular file as directory";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
    if (geteuid() != 0) {
        // root writes anywhere; for everyone else a read-only directory must be refused
        const std::string ro = dir.file("ro");
        fs::create_directory(ro);
        fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
        EXPECT_THROW(RotatingCsvWriter(rotating_in(ro), kHeader), OutputError);
    }
}

TEST(RotatingCsvWriter, CreatesAMissingDirectory) {
    TempDir dir;
    const std::string out = dir.file("a/b/c");
    RotatingCsvWriter w(rotating_in(out), kHeader);
    EXPECT_TRUE(fs::is_directory(out));
    EXPECT_TRUE(names_in(out).empty()) << "probe file left behind";
}

TEST(RotatingCsvWriter, SingleFileMode) {
    TempDir dir;
    config::OutputConfig cfg = rotating_in(dir.file("unused"));
    cfg.file = dir.file("flows.csv");
    cfg.rotate_max_rows = 1;  // ignored: one file only
    {
        RotatingCsvWriter w(cfg, kHeader);
        ASSERT_EQ(w.write_rows(rows_text(0, 3), 3).error, 0);
        EXPECT_EQ(w.rotate(), 0);  // ignored
        EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"flows.csv.partial"});
        ASSERT_EQ(w.close(), 0);
    }
    EXPECT_EQ(read_file(cfg.file), kHeader + rows_text(0, 3));
    EXPECT_FALSE(fs::exists(dir.file("unused")));

    // no rows: the file is still made, with the header, replacing the old one
    {
        RotatingCsvWriter w(cfg, kHeader);
        ASSERT_EQ(w.close(), 0);
    }
    EXPECT_EQ(read_file(cfg.file), kHeader);
    EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"flows.csv"});
}

TEST(RotatingCsvWriter, DestructorFinishesTheFile) {
    TempDir dir;
    FakeClock clk;
    {
        RotatingCsvWriter w(rotating_in(dir.path()), kHeader, clk.clock());
        ASSERT_EQ(w.write_rows(rows_text(0, 2), 2).error, 0);
    }
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 2));
    EXPECT_EQ(complete_files(dir.path()).size(), 1u);
}

TEST(RotatingCsvWriter, FsyncOnDoesTheSame) {
    TempDir dir;
    FakeClock clk;
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.fsync = true;
    RotatingCsvWriter w(cfg, kHeader, clk.clock());
    ASSERT_EQ(w.write_rows(rows_text(0, 2), 2).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(all_rows(dir.path()), rows_text(0, 2));
}

}  // namespace
}  // namespace fm::output
