// SPDX-License-Identifier: BSD-3-Clause
// Integration test of batch mode (`flowmeterd -f DIR --output-dir OUT`): a directory of flowgen
// captures (one in a subdirectory, one empty, one cut off in the middle of a record) and a text
// file. Each capture's CSV must be byte for byte the file `flowmeterd -f THAT_FILE -o X.csv
// --workers 1` writes; the text file is skipped with one line; the damaged capture fails the
// batch (exit 1) without stopping the others; --jobs 1 and --jobs 4 write identical files;
// --skip-existing leaves complete CSVs alone and redoes the rest.
// Usage: integration_batch PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "program_paths_main.hpp"
#include "program_runner.hpp"

namespace {

namespace fs = std::filesystem;
using fm::integration::programs;
using fm::integration::read_file;
using fm::integration::run_program;
using fm::integration::split_lines;
using fm::integration::TempDir;
using fm::test_support::write_file;

/// Every regular file below `dir`, by path relative to it, with its contents.
std::map<std::string, std::string> tree(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            out[fs::relative(e.path(), dir).string()] = read_file(e.path().string());
        }
    }
    return out;
}

/// Runs a command through the shell (for the redirection of stderr); returns its exit status.
int shell(const std::string& command) {
    return run_program({"/bin/sh", "-c", command});
}

/// The captures, made once for all tests: in/a.pcap, in/b.pcap, in/sub/c.pcap (flowgen, other
/// seeds), in/empty.pcap (a header only), in/damaged.pcap (a capture cut in a record),
/// in/notes.txt.
class Batch : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir("flowmeterd-batch");
        const fs::path in = dir_->path() / "in";
        fs::create_directories(in / "sub");
        const std::vector<std::pair<std::string, std::string>> captures = {
            {"a.pcap", "1"}, {"b.pcap", "2"}, {"sub/c.pcap", "3"}, {"whole.pcap", "4"}};
        for (const auto& [name, seed] : captures) {
            ASSERT_EQ(run_program({programs().flowgen, "--flows", "60", "--concurrency", "12",
                                   "--duration", "3", "--seed", seed, "--ipv6-share", "0.2",
                                   "--quiet", "-o", (in / name).string()}),
                      0);
        }
        // A header only (no packet), and a capture cut 100 bytes into its last part.
        const std::string whole = read_file((in / "whole.pcap").string());
        write_file((in / "empty.pcap").string(), whole.substr(0, 24));
        write_file((in / "damaged.pcap").string(), whole.substr(0, whole.size() * 2 / 3 + 7));
        fs::remove(in / "whole.pcap");
        write_file((in / "notes.txt").string(), "these are not packets\n");
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }

    static std::string in() { return (dir_->path() / "in").string(); }

    /// flowmeterd in batch mode with `extra` flags, stderr to `log`; returns the exit status.
    static int batch(const std::string& out, const std::string& extra, const std::string& log) {
        return shell(programs().flowmeterd + " -f " + in() + " --output-dir " + out + " " + extra +
                     " 2>" + log);
    }

    /// Batch mode over another directory.
    static int batch_dir(const std::string& dir, const std::string& out, const std::string& extra,
                         const std::string& log) {
        return shell(programs().flowmeterd + " -f " + dir + " --output-dir " + out + " " + extra +
                     " 2>" + log);
    }

    /// The CSV of a single-file run of `capture`.
    static std::string single(const std::string& capture) {
        const std::string out = dir_->file("single.csv");
        run_program({programs().flowmeterd, "-f", capture, "-o", out, "--workers", "1", "--quiet"});
        return read_file(out);
    }

    static TempDir* dir_;  // NOLINT: shared by the tests of the suite
};

TempDir* Batch::dir_ = nullptr;

TEST_F(Batch, EachCsvIsTheSingleFileRun) {
    const std::string out = dir_->file("out-rec");
    const std::string log = dir_->file("rec.log");
    EXPECT_EQ(batch(out, "-r --jobs 4", log), 1) << "the damaged capture fails the batch";
    const auto files = tree(out);
    const std::vector<std::string> expected = {"a.pcap_Flow.csv", "b.pcap_Flow.csv",
                                               "damaged.pcap_Flow.csv", "empty.pcap_Flow.csv",
                                               "sub/c.pcap_Flow.csv"};
    std::vector<std::string> names;
    for (const auto& [name, text] : files) {
        names.push_back(name);
    }
    EXPECT_EQ(names, expected);
    for (const std::string& name : expected) {
        const std::string capture = in() + "/" + name.substr(0, name.size() - 9);
        ASSERT_TRUE(files.count(name)) << name;
        EXPECT_TRUE(files.at(name) == single(capture)) << name << " differs from its single run";
    }
    EXPECT_EQ(split_lines(files.at("empty.pcap_Flow.csv")).size(), 1U) << "header only";
    EXPECT_GT(split_lines(files.at("a.pcap_Flow.csv")).size(), 50U);
    EXPECT_GT(split_lines(files.at("damaged.pcap_Flow.csv")).size(), 10U)
        << "the rows read before the damage";

    const std::string text = read_file(log);
    EXPECT_NE(text.find("notes.txt: not a capture file"), std::string::npos) << text;
    EXPECT_NE(text.find("damaged.pcap: FAILED"), std::string::npos) << text;
    EXPECT_NE(text.find("a.pcap: "), std::string::npos) << text;
    EXPECT_NE(text.find("5 capture(s): 4 done, 1 failed"), std::string::npos) << text;
    // The seed's four figures come first in the final statistics.
    const std::size_t total = text.find("total packets processed:");
    ASSERT_NE(total, std::string::npos) << text;
    EXPECT_LT(total, text.find("valid flow packets:"));
    EXPECT_LT(text.find("valid flow packets:"), text.find("active flows at end of input:"));
    EXPECT_LT(text.find("active flows at end of input:"), text.find("completed flows written:"));
}

TEST_F(Batch, WithoutRecursionSubdirectoriesAreLeftOut) {
    const std::string out = dir_->file("out-flat");
    EXPECT_EQ(batch(out, "--jobs 2", dir_->file("flat.log")), 1);
    const auto files = tree(out);
    EXPECT_EQ(files.count("sub/c.pcap_Flow.csv"), 0U);
    EXPECT_EQ(files.count("a.pcap_Flow.csv"), 1U);
}

TEST_F(Batch, OneJobAndFourJobsWriteIdenticalFiles) {
    const std::string one = dir_->file("out-j1");
    const std::string four = dir_->file("out-j4");
    EXPECT_EQ(batch(one, "-r --jobs 1", dir_->file("j1.log")), 1);
    EXPECT_EQ(batch(four, "-r --jobs 4", dir_->file("j4.log")), 1);
    const auto a = tree(one);
    const auto b = tree(four);
    EXPECT_EQ(a.size(), 5U);
    EXPECT_TRUE(a == b) << "the output depends on --jobs";
}

TEST_F(Batch, SkipExistingKeepsCompleteFilesAndRedoesTheRest) {
    const std::string out = dir_->file("out-skip");
    EXPECT_EQ(batch(out, "-r", dir_->file("skip1.log")), 1);
    const auto first = tree(out);
    // A complete file is trusted as it is; an unfinished (.partial) one is done again.
    write_file(out + "/a.pcap_Flow.csv", "kept\n");
    fs::remove(out + "/b.pcap_Flow.csv");
    write_file(out + "/b.pcap_Flow.csv.partial", "half a file\n");
    const std::string log = dir_->file("skip2.log");
    EXPECT_EQ(batch(out, "-r --skip-existing", log), 0) << read_file(log);
    const auto second = tree(out);
    EXPECT_EQ(second.at("a.pcap_Flow.csv"), "kept\n");
    EXPECT_TRUE(second.at("b.pcap_Flow.csv") == first.at("b.pcap_Flow.csv"));
    EXPECT_EQ(second.count("b.pcap_Flow.csv.partial"), 0U);
    const std::string text = read_file(log);
    EXPECT_NE(text.find("a.pcap_Flow.csv exists, skipped"), std::string::npos) << text;
    EXPECT_NE(text.find("1 done, 0 failed"), std::string::npos) << text;
}

TEST_F(Batch, GlobsAndOutputNamePattern) {
    const std::string out = dir_->file("out-glob");
    const std::string log = dir_->file("glob.log");
    // The pattern is quoted: flowmeterd expands it, as it must for lists too long for a shell.
    EXPECT_EQ(shell(programs().flowmeterd + " -f '" + in() + "/[ab].pcap' --output-dir " + out +
                    " --output-name 'flows-{stem}.csv' 2>" + log),
              0)
        << read_file(log);
    const auto files = tree(out);
    ASSERT_EQ(files.size(), 2U);
    EXPECT_TRUE(files.at("flows-a.csv") == single(in() + "/a.pcap"));
    EXPECT_TRUE(files.at("flows-b.csv") == single(in() + "/b.pcap"));
}

TEST_F(Batch, CollidingOutputNamesAreRefusedBeforeAnyWork) {
    const std::string out = dir_->file("out-collide");
    EXPECT_EQ(batch(out, "-r --output-name 'same-{stem}.csv'", dir_->file("c.log")), 1)
        << "distinct stems do not collide (the damaged capture fails)";
    EXPECT_EQ(tree(out).size(), 5U);
    const std::string out2 = dir_->file("out-collide2");
    const std::string log = dir_->file("c2.log");
    write_file(in() + "/sub/a.pcap", read_file(in() + "/a.pcap"));
    const int rc = batch(out2, "-r --output-name '{name}.csv'", log);
    fs::remove(in() + "/sub/a.pcap");
    EXPECT_EQ(rc, 64) << read_file(log);
    EXPECT_NE(read_file(log).find("would both be written to"), std::string::npos);
    EXPECT_FALSE(fs::exists(out2 + "/a.pcap.csv"));
}

// Stopped by SIGINT at an arbitrary point, a batch leaves only complete CSVs under their own
// names (each equal to its single-file run) and unfinished ones as .partial; --skip-existing
// then completes the set. The signal comes early enough to interrupt the first capture on any
// machine of today; if a machine finished before it, the invariants still must hold.
TEST_F(Batch, InterruptedBatchResumesToTheSameFiles) {
    const fs::path big = dir_->path() / "big";
    fs::create_directories(big);
    for (const std::string seed : {"21", "22", "23"}) {
        ASSERT_EQ(run_program({programs().flowgen, "--flows", "8000", "--concurrency", "800",
                               "--duration", "30", "--seed", seed, "--quiet", "-o",
                               (big / ("big" + seed + ".pcap")).string()}),
                  0);
    }
    const std::string out = dir_->file("out-int");
    const std::string log = dir_->file("int.log");
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string cmd = "exec " + programs().flowmeterd + " -f " + big.string() +
                                " --output-dir " + out + " --jobs 1 2>" + log;
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Signal once the batch has started (its handlers are installed before its first line).
    for (int i = 0; i < 2000; ++i) {
        if (fs::exists(log) && read_file(log).find("batch of 3 capture(s)") != std::string::npos) {
            break;
        }
        usleep(5'000);
    }
    usleep(20'000);
    kill(pid, SIGINT);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << read_file(log);
    const int rc = WEXITSTATUS(status);
    const auto first = tree(out);
    std::size_t complete = 0;
    for (const auto& [name, text] : first) {
        if (name.ends_with(".partial")) {
            EXPECT_EQ(rc, 1) << "an interrupted batch exits 1";
            continue;
        }
        ++complete;
        const std::string capture = (big / name.substr(0, name.size() - 9)).string();
        EXPECT_TRUE(text == single(capture)) << name << " is complete by name but not in content";
    }
    EXPECT_EQ(rc == 0, complete == 3) << read_file(log);

    EXPECT_EQ(batch_dir(big.string(), out, "--skip-existing", dir_->file("int2.log")), 0);
    const auto second = tree(out);
    EXPECT_EQ(second.size(), 3U) << "no .partial left";
    for (const auto& [name, text] : second) {
        const std::string capture = (big / name.substr(0, name.size() - 9)).string();
        EXPECT_TRUE(text == single(capture)) << name;
    }
}

TEST_F(Batch, DirectoryWithoutOutputDirIsAUsageError) {
    EXPECT_EQ(shell(programs().flowmeterd + " -f " + in() + " -o x.csv 2>/dev/null"), 64);
    EXPECT_EQ(shell(programs().flowmeterd + " -f " + in() + " --output-dir x -o x.csv 2>/dev/null"),
              64);
    EXPECT_EQ(shell(programs().flowmeterd + " -f " + in() + "/a.pcap --jobs 2 2>/dev/null"), 64);
}

}  // namespace

int main(int argc, char** argv) {
    return fm::integration::main_with_program_paths(
        argc, argv,
        {{"PATH-OF-FLOWGEN", &fm::integration::programs().flowgen},
         {"PATH-OF-FLOWMETERD", &fm::integration::programs().flowmeterd}});
}
