// SPDX-License-Identifier: BSD-3-Clause
// Command line: the seed's flags keep their meaning and defaults, overrides beat the file, and
// bad values are reported like bad file values (command line (--flag): key: message).
#include "daemon/cli.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "cli_parse.hpp"

namespace fm::daemon {
namespace {

namespace fs = std::filesystem;
using config::CaptureSource;
using config::ConfigError;
using config::DaemonConfig;

class TempConfig {
public:
    explicit TempConfig(const std::string& text) {
        path_ = (fs::temp_directory_path() / ("flowmeterd-cli-" + std::to_string(getpid()) + "-" +
                                              std::to_string(++n_) + ".yaml"))
                    .string();
        std::ofstream(path_) << text;
    }
    ~TempConfig() { std::remove(path_.c_str()); }
    const char* path() const { return path_.c_str(); }

private:
    static inline int n_ = 0;
    std::string path_;
};

TEST(Cli, SeedFileFlagsAndDefaults) {
    const CliResult r = parse({"-f", "capture.pcap"});
    EXPECT_EQ(r.action, CliAction::Run);
    EXPECT_EQ(r.config.capture.source, CaptureSource::PcapFile);
    EXPECT_EQ(r.config.capture.files, std::vector<std::string>{"capture.pcap"});
    EXPECT_EQ(r.config.output.file, "flows.csv");           // seed default of -o
    EXPECT_EQ(r.config.flow.flow_timeout_us, 120'000'000);  // seed default of -t
    EXPECT_EQ(r.config.capture.max_packets, 0u);            // seed default of -c: no limit
    EXPECT_TRUE(r.config_path.empty());
}

TEST(Cli, SeedLiveFlagsLongAndShort) {
    const CliResult a = parse({"-i", "eth0", "-o", "out.csv", "-t", "60", "-c", "1000"});
    const CliResult b =
        parse({"--interface", "eth0", "--output", "out.csv", "--timeout", "60", "--count", "1000"});
    for (const CliResult* r : {&a, &b}) {
        EXPECT_EQ(r->config.capture.source, CaptureSource::PcapLive);
        EXPECT_EQ(r->config.capture.interface, "eth0");
        EXPECT_EQ(r->config.output.file, "out.csv");
        EXPECT_EQ(r->config.flow.flow_timeout_us, 60'000'000);
        EXPECT_EQ(r->config.capture.max_packets, 1000u);
    }
    EXPECT_EQ(a.config, b.config);
}

TEST(Cli, SeveralFilesKeepTheirOrder) {
    const CliResult r = parse({"-f", "b.pcap", "-f", "a.pcap", "--file", "c.pcapng"});
    EXPECT_EQ(r.config.capture.files, (std::vector<std::string>{"b.pcap", "a.pcap", "c.pcapng"}));
}

TEST(Cli, ListNeedsNothingElse) {
    EXPECT_EQ(parse({"-l"}).action, CliAction::ListInterfaces);
    EXPECT_EQ(parse({"--list"}).action, CliAction::ListInterfaces);
}

TEST(Cli, HelpAndVersion) {
    const CliResult h = parse({"--help"});
    EXPECT_EQ(h.action, CliAction::Help);
    for (const char* flag : {"-i", "-f", "-o", "-t", "-c", "-l", "--config", "--check-config",
                             "--profile", "--workers", "--ipv4-only", "--timezone", "--label",
                             "--activity-timeout", "--log-level"}) {
        EXPECT_NE(h.text.find(flag), std::string::npos) << flag;
    }
    const CliResult v = parse({"--version"});
    EXPECT_EQ(v.action, CliAction::Version);
    EXPECT_NE(v.text.find(version_string()), std::string::npos);
}

TEST(Cli, Overrides) {
    const CliResult r = parse({"-f", "x.pcap", "--profile", "cic2017", "--workers", "4",
                               "--ipv4-only", "--timezone", "America/Halifax", "--label", "BENIGN",
                               "--activity-timeout", "2.5", "--log-level", "debug"});
    EXPECT_EQ(r.config.flow.profile, Profile::Cic2017);
    EXPECT_EQ(r.config.pipeline.workers, 4u);
    EXPECT_FALSE(r.config.decode.ipv6);
    EXPECT_EQ(r.config.output.timezone, "America/Halifax");
    EXPECT_EQ(r.config.output.label, "BENIGN");
    EXPECT_EQ(r.config.flow.activity_timeout_us, 2'500'000);
    EXPECT_EQ(r.config.logging.level, "debug");
    EXPECT_EQ(r.origins.where("pipeline.workers"), "command line (--workers)");
}

TEST(Cli, FlagsBeatTheFileWhichBeatsDefaults) {
    const TempConfig file(
        "capture:\n"
        "  files: [from-file.pcap]\n"
        "pipeline:\n"
        "  workers: 2\n"
        "flow:\n"
        "  profile: v4\n"
        "  flow_timeout_s: 30\n"
        "output:\n"
        "  directory: /srv/flows\n"
        "  timezone: Europe/Berlin\n");
    const CliResult r =
        parse({"--config", file.path(), "--workers", "3", "-t", "90", "--timezone", "UTC"});
    EXPECT_EQ(r.config_path, file.path());
    EXPECT_EQ(r.config.pipeline.workers, 3u);                                       // flag
    EXPECT_EQ(r.config.flow.flow_timeout_us, 90'000'000);                           // flag
    EXPECT_EQ(r.config.output.timezone, "UTC");                                     // flag
    EXPECT_EQ(r.config.flow.profile, Profile::V4);                                  // file
    EXPECT_EQ(r.config.output.directory, "/srv/flows");                             // file
    EXPECT_EQ(r.config.capture.files, std::vector<std::string>{"from-file.pcap"});  // file
    EXPECT_EQ(r.config.output.file, "");  // daemon mode: rotating files, not flows.csv
    EXPECT_EQ(r.config.pipeline.queue_capacity, DaemonConfig{}.pipeline.queue_capacity);
    EXPECT_EQ(r.origins.where("flow.profile"), std::string(file.path()) + ":6");

    const CliResult f = parse({"--config", file.path(), "-f", "cli.pcap", "-o", "one.csv"});
    EXPECT_EQ(f.config.capture.files, std::vector<std::string>{"cli.pcap"});
    EXPECT_EQ(f.config.output.file, "one.csv");

    const CliResult i = parse({"--config", file.path(), "-i", "eth1"});
    EXPECT_EQ(i.config.capture.source, CaptureSource::PcapLive);
    EXPECT_EQ(i.config.capture.interface, "eth1");
}

TEST(Cli, CheckConfig) {
    const TempConfig file("capture:\n  source: pcap_live\n  interface: eth0\n");
    const CliResult r = parse({"--check-config", "--config", file.path()});
    EXPECT_EQ(r.action, CliAction::CheckConfig);
    EXPECT_EQ(r.config.capture.interface, "eth0");
}

TEST(Cli, CheckConfigReportsFileErrors) {
    const TempConfig file("capture:\n  interface: eth0\n  snaplenn: 100\n");
    try {
        (void)parse({"--check-config", "--config", file.path()});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  std::string(file.path()) + ":3: capture.snaplenn: unknown key");
    }
}

TEST(Cli, CombinationErrorPointsAtFileLineWhenAFlagCausesIt) {
    const TempConfig file("capture:\n  files: [a.pcap]\npipeline:\n  cpu_affinity: [0, 1]\n");
    try {
        (void)parse({"--config", file.path(), "--workers", "4"});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), std::string(file.path()) + ":4");
        EXPECT_EQ(e.key(), "pipeline.cpu_affinity");
        EXPECT_NE(e.message().find("set at command line (--workers)"), std::string::npos)
            << e.what();
    }
}

TEST(Cli, BadFlagValuesAreConfigErrors) {
    struct Case {
        std::vector<const char*> args;
        const char* where;
        const char* key;
    };
    const Case cases[] = {
        {{"-f", "a", "--workers", "abc"}, "command line (--workers)", "pipeline.workers"},
        {{"-f", "a", "--workers", "0"}, "command line (--workers)", "pipeline.workers"},
        {{"-f", "a", "-t", "soon"}, "command line (-t)", "flow.flow_timeout_s"},
        {{"-f", "a", "-t", "0"}, "command line (-t)", "flow.flow_timeout_s"},
        {{"-f", "a", "-c", "-1"}, "command line (-c)", "capture.max_packets"},
        {{"-f", "a", "--profile", "cic2019"}, "command line (--profile)", "flow.profile"},
        {{"-f", "a", "--timezone", "Nowhere/Town"}, "command line (--timezone)", "output.timezone"},
        {{"-f", "a", "--log-level", "loud"}, "command line (--log-level)", "logging.level"},
        {{"-f", "a", "--activity-timeout", "-3"},
         "command line (--activity-timeout)",
         "flow.activity_timeout_s"},
        {{"-i", ""}, "command line (-i)", "capture.interface"},
        {{"-f", "a", "--label", "DoS, Hulk"}, "command line (--label)", "output.label"},
        {{"-f", "a", "--label", "B\xcc\xccN"}, "command line (--label)", "output.label"},
    };
    for (const Case& c : cases) {
        try {
            (void)parse_args(c.args);
            ADD_FAILURE() << "accepted " << c.args.back();
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.where(), c.where) << e.what();
            EXPECT_EQ(e.key(), c.key) << e.what();
        } catch (const UsageError& e) {
            // "-c -1": CLI11 may read "-1" as a flag; that is a usage error, also fine.
            EXPECT_STREQ(c.args[2], "-c") << e.what();
        }
    }
}

TEST(Cli, UsageErrors) {
    EXPECT_THROW(parse({}), UsageError);                              // nothing to read
    EXPECT_THROW(parse({"-f", "a.pcap", "-i", "eth0"}), UsageError);  // both inputs
    EXPECT_THROW(parse({"-f", "a.pcap", "--no-such-flag"}), UsageError);
    EXPECT_THROW(parse({"-f"}), UsageError);  // missing value
    EXPECT_THROW(parse({"-f", "a.pcap", "stray"}), UsageError);
}

TEST(Cli, DpdkSourceNeedsADpdkBuild) {
    const TempConfig file("capture:\n  source: dpdk\n");
    EXPECT_THROW(parse({"--config", file.path()}, config::BuildFeatures{.dpdk = false}),
                 ConfigError);
    EXPECT_NO_THROW(parse({"--config", file.path()}, config::BuildFeatures{.dpdk = true}));
}

TEST(Cli, MissingConfigFile) {
    try {
        (void)parse({"--config", "/nonexistent/x.yaml"});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "/nonexistent/x.yaml");
    }
}

}  // namespace
}  // namespace fm::daemon
