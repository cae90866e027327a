// SPDX-License-Identifier: BSD-3-Clause
// How RotatingCsvWriter treats the file system: files get exactly output.file_mode, the partial
// file is never opened through a link planted under its name, a finished file never replaces a
// file that took its name meanwhile, unfinished files of an earlier run are recovered at
// construction, and root refuses a directory every user can write to.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "output/rotating_csv_writer.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::output {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::read_file;
using test_support::TempDir;

constexpr const char* kHeader = "Flow ID,Src IP,Label\n";
constexpr const char* kRow = "row-0,10.0.0.1,BENIGN\n";
/// The first file name under the fixed clock below.
constexpr const char* kFirst = "flows-20231114T221320Z-0.csv";

WriterClock fixed_clock() {
    const auto wall = std::chrono::system_clock::time_point{} + 1'700'000'000s;
    return WriterClock{[wall] { return wall; },
                       [] {
                           return std::chrono::steady_clock::time_point{};
                       }};
}

config::OutputConfig rotating_in(const std::string& dir) {
    config::OutputConfig c;
    c.directory = dir;
    c.file_prefix = "flows";
    c.rotate_max_bytes = 0;
    c.rotate_interval_s = 0;
    c.rotate_max_rows = 0;
    c.fsync = false;
    return c;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

/// Sets the umask for the life of the object.
struct Umask {
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    mode_t old;
};

TEST(WriterFiles, FilesGetExactlyTheConfiguredMode) {
    for (const mode_t umask_value : {mode_t{022}, mode_t{077}}) {
        const Umask um(umask_value);
        TempDir dir;
        {
            RotatingCsvWriter w(rotating_in(dir.path()), kHeader, fixed_clock());
            ASSERT_EQ(w.write_rows(kRow, 1).error, 0);
            EXPECT_EQ(mode_of(w.partial_path()), 0640U) << "umask " << umask_value;
            ASSERT_EQ(w.close(), 0);
        }
        EXPECT_EQ(mode_of(dir.file(kFirst)), 0640U);
        config::OutputConfig cfg = rotating_in(dir.file("b"));
        cfg.file_mode = 0604;
        RotatingCsvWriter w(cfg, kHeader, fixed_clock());
        ASSERT_EQ(w.write_rows(kRow, 1).error, 0);
        ASSERT_EQ(w.close(), 0);
        EXPECT_EQ(mode_of(dir.file("b/") + kFirst), 0604U) << "umask " << umask_value;
    }
}

TEST(WriterFiles, SingleFileGetsTheModeAndIgnoresALinkedPartial) {
    TempDir dir;
    const std::string target = dir.file("victim.txt");
    test_support::write_file(target, "precious\n");
    fs::create_symlink(target, dir.file("out.csv.partial"));
    config::OutputConfig cfg;
    cfg.file = dir.file("out.csv");
    cfg.fsync = false;
    RotatingCsvWriter w(cfg, kHeader, fixed_clock());
    const WriteStatus st = w.write_rows(kRow, 1);
    EXPECT_NE(st.error, 0) << "opened through a link";
    EXPECT_EQ(read_file(target), "precious\n");
    fs::remove(dir.file("out.csv.partial"));
    ASSERT_EQ(w.write_rows(kRow, 1).error, 0);
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(read_file(dir.file("out.csv")), std::string(kHeader) + kRow);
    EXPECT_EQ(mode_of(dir.file("out.csv")), 0640U);
}

TEST(WriterFiles, APlantedLinkIsNotFollowedAndNotReplaced) {
    TempDir dir;
    const std::string out = dir.file("out");
    fs::create_directories(out);
    const std::string target = dir.file("victim.txt");
    test_support::write_file(target, "precious\n");
    // The writer's first name, planted as a link before it starts (it is not a regular file,
    // so crash recovery leaves it too).
    fs::create_symlink(target, out + "/" + kFirst + ".partial");
    RotatingCsvWriter w(rotating_in(out), kHeader, fixed_clock());
    ASSERT_EQ(w.write_rows(kRow, 1).error, 0);
    EXPECT_EQ(w.partial_path(), out + "/flows-20231114T221320Z-1.csv.partial");
    ASSERT_EQ(w.close(), 0);
    EXPECT_EQ(read_file(target), "precious\n");
    EXPECT_TRUE(fs::is_symlink(out + "/" + kFirst + ".partial"));
    EXPECT_EQ(read_file(out + "/flows-20231114T221320Z-1.csv"), std::string(kHeader) + kRow);
}

TEST(WriterFiles, AFinishedFileNeverReplacesOneThatTookItsName) {
    TempDir dir;
    RotatingCsvWriter w(rotating_in(dir.path()), kHeader, fixed_clock());
    ASSERT_EQ(w.write_rows(kRow, 1).error, 0);
    test_support::write_file(dir.file(kFirst), "someone else's\n");
    ASSERT_EQ(w.rotate(), 0);
    EXPECT_EQ(read_file(dir.file(kFirst)), "someone else's\n");
    EXPECT_EQ(w.last_closed_path(), dir.file("flows-20231114T221320Z-1.csv"));
    EXPECT_EQ(read_file(w.last_closed_path()), std::string(kHeader) + kRow);
}

TEST(WriterFiles, UnfinishedFilesOfAnEarlierRunAreRecoveredAtStart) {
    TempDir dir;
    const std::string rows = std::string(kHeader) + "a,1,X\nb,2,Y\n";
    test_support::write_file(dir.file("flows-20200101T000000Z-0.csv.partial"), rows + "c,");
    test_support::write_file(dir.file("flows-20200101T000001Z-0.csv.partial"), kHeader);
    config::OutputConfig cfg = rotating_in(dir.path());
    cfg.keep_files = 5;
    RotatingCsvWriter w(cfg, kHeader, fixed_clock());
    EXPECT_EQ(read_file(dir.file("flows-20200101T000000Z-0.csv")), rows);
    EXPECT_FALSE(fs::exists(dir.file("flows-20200101T000000Z-0.csv.partial")));
    EXPECT_FALSE(fs::exists(dir.file("flows-20200101T000001Z-0.csv.partial")));
}

TEST(WriterFiles, RootRefusesADirectoryEveryoneCanWrite) {
    for (const auto mode : {fs::perms(0777), fs::perms(01777)}) {
        TempDir dir;
        const std::string out = dir.file("out");
        fs::create_directories(out);
        fs::permissions(out, mode);
        if (::geteuid() == 0) {
            try {
                RotatingCsvWriter w(rotating_in(out), kHeader, fixed_clock());
                ADD_FAILURE() << "root accepted a directory of mode " << static_cast<int>(mode);
            } catch (const OutputError& e) {
                EXPECT_NE(std::string(e.what()).find("writable by every user"), std::string::npos)
                    << e.what();
            }
        } else {
            // Another user cannot be tricked into anything root could not do: accepted.
            EXPECT_NO_THROW({ RotatingCsvWriter w(rotating_in(out), kHeader, fixed_clock()); });
        }
        fs::permissions(out, fs::perms(0755));
        EXPECT_NO_THROW({ RotatingCsvWriter w(rotating_in(out), kHeader, fixed_clock()); });
    }
}

}  // namespace
}  // namespace fm::output
