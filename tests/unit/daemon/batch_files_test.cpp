// SPDX-License-Identifier: BSD-3-Clause
// daemon/batch_files: captures told by magic number, directory walks (sorted, recursive or
// not, hidden entries left out), glob patterns, duplicates, errors; --output-name patterns.
#include "daemon/batch_files.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::daemon {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;
using test_support::write_file;

const std::string kPcapLe("\xd4\xc3\xb2\xa1", 4);
const std::string kPcapBe("\xa1\xb2\xc3\xd4", 4);
const std::string kPcapNsec("\x4d\x3c\xb2\xa1", 4);
const std::string kPcapng("\x0a\x0d\x0d\x0a", 4);

std::vector<std::string> paths(const BatchListing& l, const fs::path& base) {
    std::vector<std::string> out;
    for (const BatchFile& f : l.captures) {
        out.push_back(fs::relative(f.path, base).string());
    }
    return out;
}

TEST(SniffCapture, MagicNumbers) {
    TempDir dir;
    const std::vector<std::pair<std::string, CaptureMagic>> cases = {
        {kPcapLe + "rest", CaptureMagic::Pcap},
        {kPcapBe, CaptureMagic::Pcap},
        {kPcapNsec + std::string(20, '\0'), CaptureMagic::Pcap},
        {std::string("\x34\xcd\xb2\xa1", 4), CaptureMagic::Pcap},
        {kPcapng + "xx", CaptureMagic::Pcapng},
        {"hello world\n", CaptureMagic::NotCapture},
        {std::string("\xd4\xc3\xb2", 3), CaptureMagic::NotCapture},
        {"", CaptureMagic::NotCapture},
        {std::string("\x1f\x8b\x08\x00", 4), CaptureMagic::NotCapture},  // gzip
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string p = dir.file(std::to_string(i) + ".bin");
        write_file(p, cases[i].first);
        EXPECT_EQ(sniff_capture(p), cases[i].second) << "case " << i;
    }
    std::string error;
    EXPECT_EQ(sniff_capture(dir.file("missing"), &error), CaptureMagic::Unreadable);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(sniff_capture(dir.path().string(), &error), CaptureMagic::Unreadable);
    EXPECT_EQ(error, "is a directory");
}

class BatchListingTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(dir_.path() / "d" / "sub" / "deeper");
        fs::create_directories(dir_.path() / "d" / ".hidden");
        write_file(file("d/b.pcap"), kPcapLe);
        write_file(file("d/a.pcapng"), kPcapng);
        write_file(file("d/readme.txt"), "text");
        write_file(file("d/.c.pcap"), kPcapLe);
        write_file(file("d/sub/z.pcap"), kPcapBe);
        write_file(file("d/sub/deeper/y.cap"), kPcapLe);
        write_file(file("d/.hidden/x.pcap"), kPcapLe);
    }
    std::string file(const std::string& rel) const { return dir_.file(rel); }
    fs::path base() const { return dir_.path(); }

    TempDir dir_;
};

TEST_F(BatchListingTest, FlatDirectoryIsSortedAndSkipsNonCaptures) {
    const BatchListing l = list_batch_inputs({file("d")}, false);
    EXPECT_EQ(paths(l, base()), (std::vector<std::string>{"d/a.pcapng", "d/b.pcap"}));
    ASSERT_EQ(l.skipped.size(), 1U);
    EXPECT_NE(l.skipped[0].find("readme.txt: not a capture file"), std::string::npos);
    EXPECT_TRUE(l.errors.empty());
    EXPECT_EQ(l.captures[0].rel_dir, "");
    EXPECT_EQ(l.captures[0].name, "a.pcapng");
    EXPECT_EQ(l.captures[0].size, 4U);
}

TEST_F(BatchListingTest, RecursiveWalkIsDepthFirstFilesBeforeSubdirectories) {
    const BatchListing l = list_batch_inputs({file("d")}, true);
    EXPECT_EQ(paths(l, base()), (std::vector<std::string>{"d/a.pcapng", "d/b.pcap", "d/sub/z.pcap",
                                                          "d/sub/deeper/y.cap"}));
    EXPECT_EQ(l.captures[2].rel_dir, "sub/");
    EXPECT_EQ(l.captures[3].rel_dir, "sub/deeper/");
}

TEST_F(BatchListingTest, FilesGlobsAndDuplicates) {
    const BatchListing l = list_batch_inputs(
        {file("d/sub/z.pcap"), file("d/*.pcap*"), file("d/b.pcap"), file("d/readme.txt")}, false);
    EXPECT_EQ(paths(l, base()),
              (std::vector<std::string>{"d/sub/z.pcap", "d/a.pcapng", "d/b.pcap"}));
    EXPECT_EQ(l.captures[0].rel_dir, "") << "a file given by name has no relative directory";
    EXPECT_EQ(l.skipped.size(), 1U) << "a non-capture given by name is skipped too";
    EXPECT_TRUE(l.errors.empty());
}

TEST_F(BatchListingTest, MissingPathsAndEmptyGlobsAreErrors) {
    const BatchListing l = list_batch_inputs({file("nope.pcap"), file("d/*.none")}, false);
    EXPECT_TRUE(l.captures.empty());
    ASSERT_EQ(l.errors.size(), 2U);
    EXPECT_NE(l.errors[0].find("nope.pcap"), std::string::npos) << l.errors[0];
    EXPECT_NE(l.errors[1].find("no file matches"), std::string::npos) << l.errors[1];
}

TEST_F(BatchListingTest, FifosAreSkippedUnopened) {
    ASSERT_EQ(::mkfifo(file("d/pipe.pcap").c_str(), 0600), 0);
    const BatchListing l = list_batch_inputs({file("d")}, false);
    EXPECT_EQ(paths(l, base()), (std::vector<std::string>{"d/a.pcapng", "d/b.pcap"}));
    ASSERT_EQ(l.skipped.size(), 2U);
    EXPECT_NE(l.skipped[0].find("pipe.pcap: not a regular file"), std::string::npos)
        << l.skipped[0];
}

TEST(OutputName, Check) {
    EXPECT_EQ(check_output_name(kDefaultOutputName), "");
    EXPECT_EQ(check_output_name("{stem}.csv"), "");
    EXPECT_EQ(check_output_name("run1/{index}-{name}.csv"), "");
    EXPECT_NE(check_output_name(""), "");
    EXPECT_NE(check_output_name("/abs/{name}.csv"), "");
    EXPECT_NE(check_output_name("../{name}.csv"), "");
    EXPECT_NE(check_output_name("a/../{name}.csv"), "");
    EXPECT_NE(check_output_name("{nam}.csv"), "");
    EXPECT_NE(check_output_name("{name.csv"), "");
    EXPECT_NE(check_output_name("name}.csv"), "");
    EXPECT_NE(check_output_name("flows.csv"), "") << "every capture would get the same file";
    EXPECT_NE(check_output_name("{dir}flows.csv"), "");
    EXPECT_EQ(check_output_name("x..y-{name}"), "") << "only a whole '..' component is refused";
}

TEST(OutputName, Expand) {
    BatchFile f;
    f.path = "/data/ids/monday/Monday-WorkingHours.pcap";
    f.rel_dir = "monday/";
    f.name = "Monday-WorkingHours.pcap";
    EXPECT_EQ(expand_output_name(kDefaultOutputName, f, 3),
              "monday/Monday-WorkingHours.pcap_Flow.csv");
    EXPECT_EQ(expand_output_name("{stem}.csv", f, 3), "Monday-WorkingHours.csv");
    EXPECT_EQ(expand_output_name("{index}_{stem}", f, 12), "12_Monday-WorkingHours");
    f.name = "noext";
    EXPECT_EQ(expand_output_name("{stem}.csv", f, 1), "noext.csv");
    f.name = ".dotfile";
    EXPECT_EQ(expand_output_name("{stem}.csv", f, 1), ".dotfile.csv");
    f.name = "a.b.pcapng";
    EXPECT_EQ(expand_output_name("{stem}", f, 1), "a.b");
}

}  // namespace
}  // namespace fm::daemon
