// SPDX-License-Identifier: BSD-3-Clause
// Command line of batch mode (daemon/cli.cpp): --output-dir turns -f into a list of files,
// directories and globs; the batch-only flags need it; -o and -i do not mix with it; --jobs and
// --output-name are checked before anything runs.
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_parse.hpp"
#include "daemon/cli.hpp"

namespace fm::daemon {
namespace {

TEST(CliBatch, OffByDefault) {
    const CliResult r = parse({"-f", "a.pcap"});
    EXPECT_FALSE(r.batch.enabled);
    EXPECT_FALSE(r.quiet);
}

TEST(CliBatch, OutputDirEnablesItWithDefaults) {
    const CliResult r = parse({"-f", "dir", "-f", "x/*.pcap", "--output-dir", "out"});
    EXPECT_TRUE(r.batch.enabled);
    EXPECT_EQ(r.batch.output_dir, "out");
    EXPECT_EQ(r.batch.inputs, (std::vector<std::string>{"dir", "x/*.pcap"}));
    EXPECT_EQ(r.batch.output_name, std::string(kDefaultOutputName));
    EXPECT_FALSE(r.batch.recursive);
    EXPECT_FALSE(r.batch.skip_existing);
    EXPECT_EQ(r.batch.jobs, 0U) << "0 = the usable CPUs";
}

TEST(CliBatch, AllFlags) {
    const CliResult r = parse({"-f", "dir", "--output-dir", "out", "-r", "--jobs", "3",
                               "--skip-existing", "--output-name", "{stem}.csv", "--quiet"});
    EXPECT_TRUE(r.batch.recursive);
    EXPECT_TRUE(r.batch.skip_existing);
    EXPECT_EQ(r.batch.jobs, 3U);
    EXPECT_EQ(r.batch.output_name, "{stem}.csv");
    EXPECT_TRUE(r.quiet);
    EXPECT_EQ(parse({"-f", "d", "--output-dir", "o", "--jobs", "auto"}).batch.jobs, 0U);
}

TEST(CliBatch, QuietWorksForSingleRunsToo) {
    EXPECT_TRUE(parse({"-f", "a.pcap", "-q"}).quiet);
}

TEST(CliBatch, UsageErrors) {
    EXPECT_THROW(parse({"-f", "a.pcap", "-r"}), UsageError);
    EXPECT_THROW(parse({"-f", "a.pcap", "--jobs", "2"}), UsageError);
    EXPECT_THROW(parse({"-f", "a.pcap", "--skip-existing"}), UsageError);
    EXPECT_THROW(parse({"-f", "a.pcap", "--output-name", "{name}.csv"}), UsageError);
    EXPECT_THROW(parse({"--output-dir", "out", "-i", "eth0"}), UsageError);
    EXPECT_THROW(parse({"-f", "d", "--output-dir", "out", "-o", "x.csv"}), UsageError);
    EXPECT_THROW(parse({"-f", "d", "--output-dir", "out", "--jobs", "0"}), UsageError);
    EXPECT_THROW(parse({"-f", "d", "--output-dir", "out", "--jobs", "many"}), UsageError);
    EXPECT_THROW(parse({"-f", "d", "--output-dir", "out", "--output-name", "{what}.csv"}),
                 UsageError);
    EXPECT_THROW(parse({"-f", "d", "--output-dir", "out", "--output-name", "../{name}"}),
                 UsageError);
}

TEST(CliBatch, DirectoryWithoutOutputDirSaysWhatToDo) {
    const std::string dir = std::filesystem::temp_directory_path().string();
    try {
        parse({"-f", dir.c_str()});
        ADD_FAILURE() << "no UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--output-dir"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace fm::daemon
