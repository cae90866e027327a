// SPDX-License-Identifier: BSD-3-Clause
// Crash recovery of partial output files: PartialScanner keeps whole lines only and stops at a
// region of zero bytes, whichever way the bytes are fed; recover_partial_files() cuts only a
// trailing incomplete row, renames without replacing anything, removes files without a row, and
// leaves alone what is not its own (other prefixes, links, files locked by a running writer).
#include "output/partial_recovery.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::output {
namespace {

namespace fs = std::filesystem;
using test_support::read_file;
using test_support::TempDir;

constexpr const char* kHeader = "Flow ID,Src IP,Label\n";

struct Scan {
    std::uint64_t keep;
    std::uint64_t lines;
    bool nul;
};

Scan scan_whole(std::string_view s) {
    PartialScanner p;
    p.feed(s);
    return {p.keep_bytes(), p.lines(), p.saw_nul()};
}

/// Feeds `s` split at every position and in single bytes; all must agree with one piece.
void expect_split_invariant(std::string_view s) {
    const Scan whole = scan_whole(s);
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        PartialScanner p;
        p.feed(s.substr(0, cut));
        p.feed(s.substr(cut));
        EXPECT_EQ(p.keep_bytes(), whole.keep) << "split at " << cut;
        EXPECT_EQ(p.lines(), whole.lines) << "split at " << cut;
        EXPECT_EQ(p.saw_nul(), whole.nul) << "split at " << cut;
    }
    PartialScanner bytes;
    for (char c : s) {
        bytes.feed(std::string_view(&c, 1));
    }
    EXPECT_EQ(bytes.keep_bytes(), whole.keep);
    EXPECT_EQ(bytes.lines(), whole.lines);
}

TEST(PartialScanner, CutsOnlyTheTrailingIncompleteRow) {
    const std::string whole = std::string(kHeader) + "a,1,X\nb,2,Y\n";
    const Scan s = scan_whole(whole + "c,3");
    EXPECT_EQ(s.keep, whole.size());
    EXPECT_EQ(s.lines, 3U);
    EXPECT_FALSE(s.nul);
    expect_split_invariant(whole + "c,3");
}

TEST(PartialScanner, KeepsAFileOfWholeRowsAsItIs) {
    const std::string whole = std::string(kHeader) + "a,1,X\n";
    EXPECT_EQ(scan_whole(whole).keep, whole.size());
    EXPECT_EQ(scan_whole(whole).lines, 2U);
}

TEST(PartialScanner, CrlfRowsAreWholeAtTheirLineFeed) {
    const std::string whole = "h1,h2\r\na,b\r\n";
    EXPECT_EQ(scan_whole(whole + "c,d\r").keep, whole.size());
    EXPECT_EQ(scan_whole(whole + "c,d\r").lines, 2U);
    expect_split_invariant(whole + "c,d\r");
}

TEST(PartialScanner, EmptyAndNoNewlineHaveNoLine) {
    EXPECT_EQ(scan_whole("").keep, 0U);
    EXPECT_EQ(scan_whole("").lines, 0U);
    EXPECT_EQ(scan_whole("Flow ID,Src").keep, 0U);
    EXPECT_EQ(scan_whole("Flow ID,Src").lines, 0U);
}

TEST(PartialScanner, ZeroBytesEndTheValidPart) {
    // What a file system can show after a power loss: the size grew, the data did not arrive.
    const std::string good = std::string(kHeader) + "a,1,X\n";
    const std::string text = good + "b,2" + std::string(300, '\0') + "\nc,3,Z\n";
    const Scan s = scan_whole(text);
    EXPECT_EQ(s.keep, good.size());
    EXPECT_EQ(s.lines, 2U);
    EXPECT_TRUE(s.nul);
    expect_split_invariant(text);
    // A NUL right after a newline cuts nothing before it.
    EXPECT_EQ(scan_whole(good + std::string(4, '\0')).keep, good.size());
}

class RecoverPartialFiles : public ::testing::Test {
protected:
    void SetUp() override {
        dfd_ = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd_, 0);
    }
    void TearDown() override { ::close(dfd_); }

    std::string path(const std::string& name) const { return dir_.file(name); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path(name), std::ios::binary) << text;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> v;
        for (const auto& e : fs::directory_iterator(dir_.path())) {
            v.push_back(e.path().filename().string());
        }
        std::sort(v.begin(), v.end());
        return v;
    }
    const RecoveredFile* find(const std::vector<RecoveredFile>& done, const std::string& n) {
        for (const RecoveredFile& r : done) {
            if (r.partial_name == n) {
                return &r;
            }
        }
        ADD_FAILURE() << "no result for " << n;
        return nullptr;
    }

    TempDir dir_;
    int dfd_ = -1;
};

TEST_F(RecoverPartialFiles, CutsTheLastRowAndRenames) {
    const std::string rows = std::string(kHeader) + "a,1,X\nb,2,Y\nc,3,Z\n";
    write("flows-20240101T000000Z-0.csv.partial", rows + "d,4");
    write("flows-20240101T000001Z-0.csv.partial", rows);  // ended at a row: kept whole
    const auto done = recover_partial_files(dfd_, "flows", true);
    ASSERT_EQ(done.size(), 2U);
    const RecoveredFile* cut = find(done, "flows-20240101T000000Z-0.csv.partial");
    ASSERT_NE(cut, nullptr);
    EXPECT_EQ(cut->action, RecoveredFile::Action::Renamed) << cut->error;
    EXPECT_EQ(cut->final_name, "flows-20240101T000000Z-0.csv");
    EXPECT_EQ(cut->rows, 3U);
    EXPECT_EQ(cut->bytes_cut, 3U);
    EXPECT_FALSE(cut->nul);
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-0.csv")), rows);
    const RecoveredFile* whole = find(done, "flows-20240101T000001Z-0.csv.partial");
    ASSERT_NE(whole, nullptr);
    EXPECT_EQ(whole->bytes_cut, 0U);
    EXPECT_EQ(read_file(path("flows-20240101T000001Z-0.csv")), rows);
    EXPECT_EQ(names(), (std::vector<std::string>{"flows-20240101T000000Z-0.csv",
                                                 "flows-20240101T000001Z-0.csv"}));
}

TEST_F(RecoverPartialFiles, RemovesFilesWithoutARow) {
    write("flows-20240101T000000Z-0.csv.partial", "");
    write("flows-20240101T000000Z-1.csv.partial", "Flow ID,Sr");
    write("flows-20240101T000000Z-2.csv.partial", kHeader);
    write("flows-20240101T000000Z-3.csv.partial", std::string(kHeader) + "a,1");
    const auto done = recover_partial_files(dfd_, "flows", false);
    ASSERT_EQ(done.size(), 4U);
    for (const RecoveredFile& r : done) {
        EXPECT_EQ(r.action, RecoveredFile::Action::Removed) << r.partial_name << ": " << r.error;
        EXPECT_EQ(r.rows, 0U);
    }
    EXPECT_EQ(find(done, "flows-20240101T000000Z-3.csv.partial")->bytes_cut,
              std::string(kHeader).size() + 3);
    EXPECT_TRUE(names().empty());
}

TEST_F(RecoverPartialFiles, NeverReplacesAnExistingFile) {
    const std::string mine = std::string(kHeader) + "mine,1,X\n";
    write("flows-20240101T000000Z-0.csv", "someone else's\n");
    write("flows-20240101T000000Z-1.csv", "and another\n");
    write("flows-20240101T000000Z-0.csv.partial", mine);
    const auto done = recover_partial_files(dfd_, "flows", false);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].action, RecoveredFile::Action::Renamed) << done[0].error;
    EXPECT_EQ(done[0].final_name, "flows-20240101T000000Z-2.csv");
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-0.csv")), "someone else's\n");
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-1.csv")), "and another\n");
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-2.csv")), mine);
}

TEST_F(RecoverPartialFiles, LeavesOtherPrefixesLinksAndLockedFilesAlone) {
    const std::string rows = std::string(kHeader) + "a,1,X\nb";
    write("other-20240101T000000Z-0.csv.partial", rows);
    write("flowsx-20240101T000000Z-0.csv.partial", rows);
    write("target.txt", rows);
    fs::create_symlink("target.txt", path("flows-20240101T000000Z-0.csv.partial"));
    write("flows-20240101T000000Z-1.csv.partial", rows);
    // A running writer holds an flock on its file.
    const int held = ::open(path("flows-20240101T000000Z-1.csv.partial").c_str(), O_RDWR);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    const auto done = recover_partial_files(dfd_, "flows", false);
    ::close(held);
    ASSERT_EQ(done.size(), 2U);
    for (const RecoveredFile& r : done) {
        EXPECT_EQ(r.action, RecoveredFile::Action::Skipped) << r.partial_name;
    }
    EXPECT_NE(find(done, "flows-20240101T000000Z-1.csv.partial")->error.find("in use"),
              std::string::npos);
    EXPECT_EQ(read_file(path("target.txt")), rows) << "written through a link";
    EXPECT_EQ(read_file(path("other-20240101T000000Z-0.csv.partial")), rows);
    EXPECT_EQ(read_file(path("flowsx-20240101T000000Z-0.csv.partial")), rows);
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-1.csv.partial")), rows);
    // Once the lock is gone, the file is recovered.
    const auto again = recover_partial_files(dfd_, "flows", false);
    EXPECT_EQ(find(again, "flows-20240101T000000Z-1.csv.partial")->action,
              RecoveredFile::Action::Renamed);
}

TEST_F(RecoverPartialFiles, ZeroFilledTailIsCutAtTheRowItHits) {
    const std::string good = std::string(kHeader) + "a,1,X\n";
    write("flows-20240101T000000Z-0.csv.partial", good + "b," + std::string(4096, '\0'));
    const auto done = recover_partial_files(dfd_, "flows", false);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].action, RecoveredFile::Action::Renamed);
    EXPECT_TRUE(done[0].nul);
    EXPECT_EQ(done[0].rows, 1U);
    EXPECT_EQ(done[0].bytes_cut, 2U + 4096U);
    EXPECT_EQ(read_file(path("flows-20240101T000000Z-0.csv")), good);
}

}  // namespace
}  // namespace fm::output
